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
