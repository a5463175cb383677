/**
 * Runs a Pacemaker command-line tool of the live cluster (`cibadmin`), optionally behind a prefix such as
 * `nsenter -t PID -n -m -u --` or `ssh node1`.
 */
import { execFile } from 'node:child_process';
import { CibModelError, CibModelErrorCodes } from '../errors.js';

/** How to reach the live cluster's tools. */
export interface ToolOptions {
  /**
   * argv prefix put before every tool (e.g. `['ssh', 'node1']` or an `nsenter` prefix).
   * @default [] (the tools of this machine, which must be a cluster node)
   */
  commandPrefix?: readonly string[];
  /** Environment of the tools. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Limit of one `cibadmin --query`. @default 10000 */
  queryTimeoutMs?: number;
}

/** Runs `argv` (after the prefix) and resolves with its stdout; rejects with `PCMK_CIB_LIVE_SOURCE`. */
export function runTool(argv: readonly string[], o: ToolOptions): Promise<string> {
  const full = [...(o.commandPrefix ?? []), ...argv];
  return new Promise((resolve, reject) => {
    execFile(
      full[0]!,
      full.slice(1),
      { env: o.env ?? process.env, timeout: o.queryTimeoutMs ?? 10_000, killSignal: 'SIGKILL', maxBuffer: 512 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) {
          const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${full[0]} is not installed` : String(stderr).trim() || err.message;
          reject(new CibModelError(CibModelErrorCodes.LIVE_SOURCE, `${full.join(' ')} failed: ${why}`, { cause: err }));
        } else resolve(stdout);
      },
    );
  });
}
