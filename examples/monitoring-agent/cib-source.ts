/**
 * Where the monitoring agent reads the CIB from: a file (read again at every scrape), text read once (e.g.
 * `cibadmin --query` output piped to stdin), a command run at every scrape (`cibadmin --query`), or the
 * live cluster this machine belongs to (`live`: `@pcmk-remote/cib-model/live` follows the CIB and re-reads
 * it only when the cluster reports a change, so a scrape costs no read). Reading the CIB is how the agent
 * learns about nodes Pacemaker owns: it never connects to them.
 */
import type { LiveCibOptions } from '@pcmk-remote/cib-model/live';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { ErrorCodes, RemoteConnError } from '@pcmk-remote/remote-conn';

/** A CIB source. */
export type CibSource =
  | { file: string }
  | { xml: string }
  | { command: string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number }
  | { live: LiveCibOptions };

/** A short description for logs (`file /path`, `stdin`, `command cibadmin --query`). */
export function describeCibSource(source: CibSource): string {
  if ('file' in source) return `file ${source.file}`;
  if ('xml' in source) return 'text (read once)';
  if ('live' in source) return 'live cluster (followed)';
  return `command ${source.command.join(' ')}`;
}

/**
 * Reads the CIB XML from `source`.
 * @throws RemoteConnError `INVALID_ARGUMENT` when the file cannot be read or the command fails
 */
export async function readCib(source: CibSource): Promise<string> {
  if ('xml' in source) return source.xml;
  if ('live' in source) throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'A live CIB source is followed, not read: use CibMetrics');
  if ('file' in source) {
    try {
      return await readFile(source.file, 'utf8');
    } catch (err) {
      throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `Cannot read the CIB file ${source.file}: ${(err as Error).message}`, { cause: err });
    }
  }
  const [cmd, ...args] = source.command;
  if (!cmd) throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'The CIB command is empty');
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: source.env ?? process.env, timeout: source.timeoutMs ?? 10_000, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `${source.command.join(' ')} failed: ${String(stderr).trim() || err.message}`, { cause: err }));
      } else {
        resolve(String(stdout));
      }
    });
  });
}

/** Reads a whole stream (stdin) as UTF-8 text. */
export async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}
