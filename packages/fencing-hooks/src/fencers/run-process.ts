import { spawn } from 'node:child_process';
import { FencingError, FencingErrorCodes } from '../errors.js';

/** How to run one child process. */
export interface RunProcessOptions {
  /** Arguments (passed as an argv array; never through a shell). */
  args?: readonly string[];
  /** Bytes written to standard input, which is then closed. */
  stdin?: string;
  /** Environment (default: the parent's). `PATH` in it is used to find a bare command name. */
  env?: NodeJS.ProcessEnv;
  /** Kill the process (SIGKILL, whole process group) after this many ms. */
  timeoutMs: number;
  /** Kill the process when aborted. */
  signal?: AbortSignal;
  /** Cap for each of stdout/stderr kept in memory (default 64 KiB; the tail is kept). */
  maxOutputBytes?: number;
}

/** The result of a process that ran to its end (any exit code). */
export interface ProcessResult {
  /** Exit code, or null when ended by a signal. */
  exitCode: number | null;
  /** Signal that ended it, if any. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/**
 * Runs `command` without a shell, feeds `stdin`, collects output and waits for it to exit.
 *
 * Resolves with the result whatever the exit code. Rejects with `PCMK_FENCE_AGENT_NOT_FOUND` when the
 * program cannot be started, `PCMK_FENCE_TIMEOUT` when it was killed on timeout, and `PCMK_FENCE_ABORTED`
 * (or the abort reason when that is a `FencingError`) when killed through `signal`. The child runs in its
 * own process group so that a kill also ends what it started (ssh, telnet...); it has always exited when
 * the promise settles.
 */
export function runProcess(command: string, options: RunProcessOptions): Promise<ProcessResult> {
  const started = performance.now();
  const max = options.maxOutputBytes ?? 64 * 1024;
  return new Promise<ProcessResult>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(abortError(options.signal, command));
      return;
    }
    const child = spawn(command, options.args ?? [], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      shell: false,
      detached: true,
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let killedFor: FencingError | undefined;
    let spawnError: Error | undefined;
    const keep = (chunks: Buffer[], len: number, chunk: Buffer): number => {
      chunks.push(chunk);
      len += chunk.length;
      while (len > max && chunks.length > 1) len -= chunks.shift()!.length;
      return len;
    };
    child.stdout.on('data', (c: Buffer) => (outLen = keep(out, outLen, c)));
    child.stderr.on('data', (c: Buffer) => (errLen = keep(err, errLen, c)));
    // The agent may exit without reading its input (EPIPE): that is its business, not an error of ours.
    child.stdin.on('error', () => undefined);

    const kill = (why: FencingError) => {
      if (killedFor) return;
      killedFor = why;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(
      () => kill(new FencingError(FencingErrorCodes.TIMEOUT, `${command} did not finish within ${options.timeoutMs} ms and was killed`)),
      options.timeoutMs,
    );
    const onAbort = () => kill(abortError(options.signal!, command));
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', (e) => {
      spawnError = e;
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      const tail = (chunks: Buffer[]) => {
        const s = Buffer.concat(chunks).toString('utf8');
        return s.length > max ? s.slice(-max) : s;
      };
      if (spawnError && child.pid === undefined) {
        const code = (spawnError as NodeJS.ErrnoException).code;
        reject(
          new FencingError(FencingErrorCodes.AGENT_NOT_FOUND, `Cannot run ${command}: ${code ?? spawnError.message}`, {
            cause: spawnError,
          }),
        );
        return;
      }
      if (killedFor) {
        reject(killedFor);
        return;
      }
      resolve({ exitCode: code, signal: sig, stdout: tail(out), stderr: tail(err), durationMs: performance.now() - started });
    });
    if (child.pid !== undefined) child.stdin.end(options.stdin ?? '');
  });
}

function abortError(signal: AbortSignal, command: string): FencingError {
  const reason: unknown = signal.reason;
  if (reason instanceof FencingError) return reason;
  return new FencingError(FencingErrorCodes.ABORTED, `${command} was aborted`, { cause: reason });
}
