/** The streams a CLI command uses, so that tests can run commands in-process. */
import type { Readable, Writable } from 'node:stream';

/** Standard streams of one CLI run. */
export interface CliIo {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable;
  stdin: Readable;
  /** Stops long-running commands (`watch`) like SIGINT does. */
  signal?: AbortSignal;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
}

/** Exit codes shared by the commands. */
export const ExitCode = {
  /** Everything checked is fine. */
  OK: 0,
  /** The target answered, but a check failed (probe: authentication, registration, poke...). */
  CHECK_FAILED: 1,
  /** Usage error, unreadable input or local configuration, or the target never answered. */
  USAGE_OR_UNREACHABLE: 2,
} as const;

/** A long-running command's stop: SIGINT, SIGTERM, `io.signal` or `--duration`, whichever comes first. */
export interface StopWhen {
  /** Resolves once the command should stop. */
  stopped: Promise<void>;
  /** Removes the signal listeners and the duration timer (call it in `finally`). */
  release(): void;
}

/** Listens for what stops a long-running command (`watch`, `simulate`); see {@link StopWhen}. */
export function stopWhen(io: CliIo, durationMs: number | undefined): StopWhen {
  let resolve!: () => void;
  const stopped = new Promise<void>((r) => (resolve = r));
  const release = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    io.signal?.removeEventListener('abort', stop);
    clearTimeout(timer);
  };
  const stop = () => {
    release();
    resolve();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  io.signal?.addEventListener('abort', stop, { once: true });
  const timer = durationMs !== undefined ? setTimeout(stop, durationMs) : undefined;
  if (io.signal?.aborted) stop();
  return { stopped, release };
}
