/**
 * A TLS peer that hangs up before it sent a single byte.
 */
import { ErrorCodes, RemoteConnError } from '../errors.js';

/**
 * The message for a peer that accepted the TCP connection and closed it before sending a single byte. A wrong
 * key shows only after the daemon answered the ClientHello (real-peer-probe §6.1), so this is not a key
 * problem: the daemon is out of file descriptors (servers then accept and close at once), overloaded, not a
 * TLS server, or a proxy or firewall cut the connection. Retryable.
 */
export function silentCloseMessage(where: string): string {
  return (
    `${where} accepted the TCP connection and closed it before answering the TLS ClientHello: not a key problem; ` +
    `the daemon may be out of file descriptors or overloaded, or a proxy or firewall cut the connection`
  );
}

/** The retryable `CONNECT_FAILED` error (phase `tls`) of such a close, for both TLS engines. */
export function silentCloseError(host: string, port: number, cause?: NodeJS.ErrnoException): RemoteConnError {
  const details = { phase: 'tls' as const, host, port, ...(cause ? { syscallCode: cause.code } : {}) };
  return new RemoteConnError(ErrorCodes.CONNECT_FAILED, silentCloseMessage(`${host}:${port}`), { ...(cause ? { cause } : {}), details });
}
