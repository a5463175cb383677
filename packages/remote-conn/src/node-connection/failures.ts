/** How a failed connect or a lost connection is classified: hard (never retried) or not, and the reason reported. */
import { ErrorCodes, RemoteConnError, isRemoteConnError } from '../errors.js';
import type { NodeDownReason } from './types.js';

/** Errors that end a start at once (Pacemaker: ENOKEY / EKEYREJECTED are hard, never retried). */
const HARD_ERRORS = new Set<string>([
  ErrorCodes.KEY_MISSING,
  ErrorCodes.KEY_UNREADABLE,
  ErrorCodes.KEY_EMPTY,
  ErrorCodes.KEY_INSECURE,
  ErrorCodes.KEY_TOO_LONG,
  ErrorCodes.CERT_UNREADABLE,
  ErrorCodes.AUTH_FAILED,
  ErrorCodes.PROTOCOL_MISMATCH,
  ErrorCodes.INVALID_ARGUMENT,
]);

/** True when an error makes a start fail without retry. */
export function isHardConnectError(err: unknown): boolean {
  return isRemoteConnError(err) && HARD_ERRORS.has(err.code);
}

/** The reason reported for a failed connect attempt. */
export function connectFailureReason(err: RemoteConnError): NodeDownReason {
  switch (err.code) {
    case ErrorCodes.CONNECT_TIMEOUT:
      return 'connect-timeout';
    case ErrorCodes.CONNECT_REFUSED:
      return 'refused';
    case ErrorCodes.AUTH_FAILED:
    case ErrorCodes.KEY_MISSING:
    case ErrorCodes.KEY_UNREADABLE:
    case ErrorCodes.KEY_EMPTY:
    case ErrorCodes.KEY_INSECURE:
    case ErrorCodes.KEY_TOO_LONG:
    case ErrorCodes.CERT_UNREADABLE:
      return 'auth-failed';
    case ErrorCodes.PROTOCOL_MISMATCH:
    case ErrorCodes.PROTOCOL_ERROR:
    case ErrorCodes.FRAME_INVALID:
    case ErrorCodes.FRAME_TOO_LARGE:
    case ErrorCodes.XML_INVALID:
    case ErrorCodes.DECOMPRESS_FAILED:
      return 'protocol-error';
    default:
      return 'connection-lost';
  }
}

/** Any error of a start as a `RemoteConnError` (`CONNECT_FAILED` for anything else). */
export function toError(err: unknown): RemoteConnError {
  if (err instanceof RemoteConnError) return err;
  return new RemoteConnError(ErrorCodes.CONNECT_FAILED, err instanceof Error ? err.message : String(err), { cause: err });
}
