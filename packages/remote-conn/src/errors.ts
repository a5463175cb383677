/**
 * The error family of `@pcmk-remote/remote-conn`.
 *
 * Every error this package throws or rejects with is a {@link RemoteConnError} carrying a stable
 * {@link RemoteConnErrorCode} in `code`. Match on `code`, not on the message: messages may be reworded,
 * codes will not. `instanceof` works even when two copies of the package are installed (the classes are
 * branded with a `Symbol.for` key, as undici does).
 *
 * No error message ever contains key material.
 *
 * @packageDocumentation
 */

/** Stable error codes. See the package README for the table with meanings and usual causes. */
export const ErrorCodes = {
  /** An argument or option is invalid (wrong type, out of range). */
  INVALID_ARGUMENT: 'PCMK_REMOTE_INVALID_ARGUMENT',
  /** The authkey file does not exist. */
  KEY_MISSING: 'PCMK_REMOTE_KEY_MISSING',
  /** The authkey file exists but cannot be read (permissions, not a regular file). */
  KEY_UNREADABLE: 'PCMK_REMOTE_KEY_UNREADABLE',
  /** The authkey file is empty. */
  KEY_EMPTY: 'PCMK_REMOTE_KEY_EMPTY',
  /** The authkey file is readable by every user on the machine. */
  KEY_INSECURE: 'PCMK_REMOTE_KEY_INSECURE',
  /** The authkey file is too large to be a key (over 64 KiB; `details.size` gives its size). */
  KEY_INVALID: 'PCMK_REMOTE_KEY_INVALID',
  /** An X.509 file (CA, certificate, key, CRL) cannot be read or is empty. */
  CERT_UNREADABLE: 'PCMK_REMOTE_CERT_UNREADABLE',
  /** The key is longer than the selected TLS engine supports (Node's TLS: 512 bytes). */
  KEY_TOO_LONG: 'PCMK_REMOTE_KEY_TOO_LONG',
  /** Nothing listens at the address (ECONNREFUSED). */
  CONNECT_REFUSED: 'PCMK_REMOTE_CONNECT_REFUSED',
  /** The connection (TCP, TLS and registration) did not complete within its time budget. */
  CONNECT_TIMEOUT: 'PCMK_REMOTE_CONNECT_TIMEOUT',
  /** The host name could not be resolved. */
  HOST_NOT_FOUND: 'PCMK_REMOTE_HOST_NOT_FOUND',
  /** Another TCP-level failure while connecting (unreachable network, reset before TLS, ...). */
  CONNECT_FAILED: 'PCMK_REMOTE_CONNECT_FAILED',
  /** The daemon ended the TLS handshake: wrong key, or no TLS version/cipher suite in common. */
  AUTH_FAILED: 'PCMK_REMOTE_AUTH_FAILED',
  /** A TLS-level failure other than authentication (bad record, unexpected message, alert). */
  TLS_ERROR: 'PCMK_REMOTE_TLS_ERROR',
  /** The daemon refused our protocol version (lrmd_rc -71, EPROTO) at registration. */
  PROTOCOL_MISMATCH: 'PCMK_REMOTE_PROTOCOL_MISMATCH',
  /** A frame header is invalid (endian marker, sizes that disagree, offset). */
  FRAME_INVALID: 'PCMK_REMOTE_FRAME_INVALID',
  /** A message is larger than the configured maximum. */
  FRAME_TOO_LARGE: 'PCMK_REMOTE_FRAME_TOO_LARGE',
  /** A compressed payload could not be decompressed, or its size is wrong. */
  DECOMPRESS_FAILED: 'PCMK_REMOTE_DECOMPRESS_FAILED',
  /** A payload is not well-formed XML, or not the message element expected. */
  XML_INVALID: 'PCMK_REMOTE_XML_INVALID',
  /** The peer sent something the protocol does not allow at this point. */
  PROTOCOL_ERROR: 'PCMK_REMOTE_PROTOCOL_ERROR',
  /** The daemon answered a request with a negative result code (see `rc` and `errno`). */
  OPERATION_FAILED: 'PCMK_REMOTE_OPERATION_FAILED',
  /** A request got no reply (or an exec no result) in time. */
  REQUEST_TIMEOUT: 'PCMK_REMOTE_REQUEST_TIMEOUT',
  /** `waitFor()` did not see the node reach the state in time (nothing was sent; no request timed out). */
  WAIT_TIMEOUT: 'PCMK_REMOTE_WAIT_TIMEOUT',
  /** The session is closed, or closed while the request was pending. */
  CLOSED: 'PCMK_REMOTE_CLOSED',
  /** The operation was aborted through its AbortSignal. */
  ABORTED: 'PCMK_REMOTE_ABORTED',
  /** A node connection was stopped while the operation was waiting. */
  STOPPED: 'PCMK_REMOTE_STOPPED',
} as const;

/** One of the values of {@link ErrorCodes}. */
export type RemoteConnErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

const brand = Symbol.for('pcmk-remote.remote-conn.error');

/** Extra, structured facts attached to an error (never key material). */
export interface RemoteConnErrorDetails {
  /** Connection phase in which the error happened. */
  phase?: 'key' | 'tcp' | 'tls' | 'register' | 'session';
  /** Host and port involved, when there is one. */
  host?: string;
  port?: number;
  /** For OPERATION_FAILED: the daemon's `lrmd_rc` (a negative errno). */
  rc?: number;
  /** For OPERATION_FAILED: the errno name of `-rc` (e.g. `ENODEV`), when known. */
  errno?: string;
  /** The lrmd operation concerned. */
  op?: string;
  [key: string]: unknown;
}

/** Base class of every error raised by this package. */
export class RemoteConnError extends Error {
  /** Stable machine-readable code. */
  readonly code: RemoteConnErrorCode;
  /** Structured details (phase, host, rc, ...). */
  readonly details: RemoteConnErrorDetails;

  constructor(
    code: RemoteConnErrorCode,
    message: string,
    options: { cause?: unknown; details?: RemoteConnErrorDetails } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RemoteConnError';
    this.code = code;
    this.details = options.details ?? {};
    Object.defineProperty(this, brand, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[brand] === true &&
      (this === RemoteConnError || Function.prototype[Symbol.hasInstance].call(this, value))
    );
  }
}

/** True when `err` is a {@link RemoteConnError}, optionally with the given code. */
export function isRemoteConnError(err: unknown, code?: RemoteConnErrorCode): err is RemoteConnError {
  return err instanceof RemoteConnError && (code === undefined || err.code === code);
}

/** Errno names for the negative result codes the daemon sends (Linux values). */
export const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: 'EPERM',
  2: 'ENOENT',
  5: 'EIO',
  7: 'E2BIG',
  11: 'EAGAIN',
  13: 'EACCES',
  16: 'EBUSY',
  19: 'ENODEV',
  22: 'EINVAL',
  62: 'ETIME',
  70: 'ECOMM',
  71: 'EPROTO',
  95: 'EOPNOTSUPP',
  104: 'ECONNRESET',
  107: 'ENOTCONN',
  110: 'ETIMEDOUT',
  111: 'ECONNREFUSED',
  115: 'EINPROGRESS',
  121: 'EREMOTEIO',
  126: 'ENOKEY',
  129: 'EKEYREJECTED',
};

/** Builds the OPERATION_FAILED error for a negative `lrmd_rc`. */
export function operationFailed(op: string, rc: number, extra: RemoteConnErrorDetails = {}): RemoteConnError {
  const errno = ERRNO_NAMES[-rc];
  return new RemoteConnError(
    ErrorCodes.OPERATION_FAILED,
    `The daemon rejected ${op}: rc ${rc}${errno ? ` (${errno})` : ''}`,
    { details: { ...extra, op, rc, ...(errno ? { errno } : {}) } },
  );
}

/**
 * The error of an operation whose caller's AbortSignal fired: `ABORTED`, with the signal's reason as `cause`
 * (a `TimeoutError` from `AbortSignal.timeout()` too: the caller's deadline is not one of ours), and how
 * long the operation had run when `startedAt` (a `performance.now()` time) is given. A reason that is
 * already a `RemoteConnError` (our own `STOPPED`, `CONNECT_TIMEOUT`, ...) is returned as it is.
 */
export function abortedError(signal: AbortSignal, what: string, startedAt?: number): RemoteConnError {
  const reason: unknown = signal.reason;
  if (reason instanceof RemoteConnError) return reason;
  const after = startedAt === undefined ? '' : ` after ${Math.round(performance.now() - startedAt)} ms`;
  const why = reason instanceof Error ? ` (${reason.name}: ${reason.message})` : '';
  return new RemoteConnError(ErrorCodes.ABORTED, `${what} was aborted by the caller's signal${after}${why}`, { cause: reason });
}
