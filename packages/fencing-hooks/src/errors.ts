/**
 * The error family of `@pcmk-remote/fencing-hooks`.
 *
 * Every error this package throws or rejects with is a {@link FencingError} carrying a stable
 * {@link FencingErrorCode} in `code`. Match on `code`, not on the message. `instanceof` works even when two
 * copies of the package are installed (the class is branded with a `Symbol.for` key).
 *
 * @packageDocumentation
 */

/** Stable error codes. See the package README for the table with meanings. */
export const FencingErrorCodes = {
  /** An argument or option is invalid (wrong type, out of range, unsafe characters). */
  INVALID_ARGUMENT: 'PCMK_FENCE_INVALID_ARGUMENT',
  /** The executor is not a cluster node (remote and guest nodes never execute fencing). */
  INVALID_EXECUTOR: 'PCMK_FENCE_INVALID_EXECUTOR',
  /** A fence-agent device parameter is invalid (name, value, or reserved by Pacemaker). */
  INVALID_PARAMETER: 'PCMK_FENCE_INVALID_PARAMETER',
  /** The target is not a node the manager knows. */
  UNKNOWN_TARGET: 'PCMK_FENCE_UNKNOWN_TARGET',
  /** An attempt did not complete within its timeout (the agent or command was killed). */
  TIMEOUT: 'PCMK_FENCE_TIMEOUT',
  /** The fence agent, `stonith_admin`, the fencer or the container hook reported a failure. */
  AGENT_FAILED: 'PCMK_FENCE_AGENT_FAILED',
  /** The fence agent or command could not be started (missing, not executable). */
  AGENT_NOT_FOUND: 'PCMK_FENCE_AGENT_NOT_FOUND',
  /** A guest node must be recovered by restarting its container, and no `restartContainer` hook was given. */
  NO_GUEST_HOOK: 'PCMK_FENCE_NO_GUEST_HOOK',
  /** Another, incompatible operation (e.g. `on` while `reboot` runs) is in progress for the target. */
  BUSY: 'PCMK_FENCE_BUSY',
  /** The operation was aborted through its AbortSignal. */
  ABORTED: 'PCMK_FENCE_ABORTED',
  /** The coordinator was closed. */
  CLOSED: 'PCMK_FENCE_CLOSED',
} as const;

/** One of the values of {@link FencingErrorCodes}. */
export type FencingErrorCode = (typeof FencingErrorCodes)[keyof typeof FencingErrorCodes];

const brand = Symbol.for('pcmk-remote.fencing-hooks.error');

/** Structured facts attached to a {@link FencingError}. */
export interface FencingErrorDetails {
  /** The node being fenced. */
  target?: string;
  /** The fence action. */
  action?: string;
  /** Exit code of the agent or command. */
  exitCode?: number | null;
  /** Signal that ended the agent or command. */
  signal?: string | null;
  /** Last bytes of the agent's standard error. */
  stderr?: string;
  /** Attempt number (1-based) within an operation. */
  attempt?: number;
  [key: string]: unknown;
}

/** Base class of every error raised by this package. */
export class FencingError extends Error {
  /** Stable machine-readable code. */
  readonly code: FencingErrorCode;
  /** Structured details. */
  readonly details: FencingErrorDetails;

  constructor(
    code: FencingErrorCode,
    message: string,
    options: { cause?: unknown; details?: FencingErrorDetails } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FencingError';
    this.code = code;
    this.details = options.details ?? {};
    Object.defineProperty(this, brand, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[brand] === true &&
      (this === FencingError || Function.prototype[Symbol.hasInstance].call(this, value))
    );
  }
}

/** True when `err` is a {@link FencingError}, optionally with the given code. */
export function isFencingError(err: unknown, code?: FencingErrorCode): err is FencingError {
  return err instanceof FencingError && (code === undefined || err.code === code);
}

/** Codes for which trying again cannot help (configuration and lifecycle errors). */
const PERMANENT: ReadonlySet<FencingErrorCode> = new Set([
  FencingErrorCodes.INVALID_ARGUMENT,
  FencingErrorCodes.INVALID_EXECUTOR,
  FencingErrorCodes.INVALID_PARAMETER,
  FencingErrorCodes.UNKNOWN_TARGET,
  FencingErrorCodes.AGENT_NOT_FOUND,
  FencingErrorCodes.NO_GUEST_HOOK,
  FencingErrorCodes.BUSY,
  FencingErrorCodes.ABORTED,
  FencingErrorCodes.CLOSED,
]);

/** True when an attempt that failed with `err` may be retried. */
export function isRetryable(err: FencingError): boolean {
  return !PERMANENT.has(err.code);
}

/** Wraps anything thrown by third-party code (a fencer, a hook) into a {@link FencingError}. */
export function toFencingError(err: unknown, fallback: FencingErrorCode, message: string, details: FencingErrorDetails = {}): FencingError {
  if (err instanceof FencingError) return err;
  const text = err instanceof Error ? err.message : String(err);
  return new FencingError(fallback, `${message}: ${text}`, { cause: err, details });
}
