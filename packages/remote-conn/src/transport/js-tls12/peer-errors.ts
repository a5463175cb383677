/**
 * The errors of a js-tls12 connection that the peer (or the network) caused before the handshake
 * completed: a refused or failed TCP connect, a hang-up, a fatal alert.
 */
import { ErrorCodes, RemoteConnError, type RemoteConnErrorDetails } from '../../errors.js';
import { silentCloseError } from '../silent-close.js';
import { AUTH_ALERTS, alertName } from './alerts.js';

/** The message for a peer that hangs up during the handshake (what the daemon does on a wrong key). */
export const HANDSHAKE_CLOSED_MESSAGE =
  'the daemon closed the connection during the TLS handshake (wrong key, or no cipher suite in common)';

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/**
 * The peer hung up during the handshake: a wrong key (or no common suite) when it had answered our
 * ClientHello, else a retryable connect failure (see {@link silentCloseError}).
 */
export function hangUpError(peerSilent: boolean, host: string, port: number, cause?: NodeJS.ErrnoException): RemoteConnError {
  if (peerSilent) return silentCloseError(host, port, cause);
  const details = { phase: 'tls' as const, host, port, ...(cause ? { syscallCode: cause.code } : {}) };
  return new RemoteConnError(ErrorCodes.AUTH_FAILED, HANDSHAKE_CLOSED_MESSAGE, { ...(cause ? { cause } : {}), details });
}

/** A socket error before TCP connected: refused, unresolvable, or another failure. */
export function tcpConnectError(err: NodeJS.ErrnoException, host: string, port: number): RemoteConnError {
  const details = { host, port, syscallCode: err.code };
  const where = `${host}:${port}`;
  if (err.code === 'ECONNREFUSED') {
    return new RemoteConnError(ErrorCodes.CONNECT_REFUSED, `Connection refused by ${where}: nothing listens there (is pacemaker-remoted running, and is the port right?)`, { cause: err, details: { phase: 'tcp', ...details } });
  } else if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'EAI_NONAME') {
    return new RemoteConnError(ErrorCodes.HOST_NOT_FOUND, `Cannot resolve host ${host}`, { cause: err, details: { phase: 'tcp', ...details } });
  }
  return new RemoteConnError(ErrorCodes.CONNECT_FAILED, `TCP connection to ${where} failed: ${err.code ?? err.message}`, { cause: err, details: { phase: 'tcp', ...details } });
}

/** A socket error during the handshake: a reset is a hang-up (see {@link hangUpError}), anything else a failure. */
export function handshakeSocketError(err: NodeJS.ErrnoException, peerSilent: boolean, host: string, port: number): RemoteConnError {
  const details = { host, port, syscallCode: err.code };
  const where = `${host}:${port}`;
  return RESET_CODES.has(err.code ?? '')
    ? hangUpError(peerSilent, host, port, err)
    : new RemoteConnError(ErrorCodes.CONNECT_FAILED, `The connection to ${where} failed during the TLS handshake: ${err.code ?? err.message}`, { cause: err, details: { phase: 'tls', ...details } });
}

/** A fatal alert during the handshake: an authentication failure for the alerts a wrong key causes. */
export function handshakeAlertError(description: number, details: RemoteConnErrorDetails & { host: string; port: number }): RemoteConnError {
  const where = `${details.host}:${details.port}`;
  const name = alertName(description);
  return AUTH_ALERTS.has(description)
    ? new RemoteConnError(ErrorCodes.AUTH_FAILED, `the daemon at ${where} refused the TLS handshake with the alert ${name} (wrong key, or no cipher suite in common)`, { details })
    : new RemoteConnError(ErrorCodes.TLS_ERROR, `the daemon at ${where} sent the fatal TLS alert ${name} during the handshake`, { details });
}
