/**
 * The register step of a session (protocol.md §3.1): what a failed exchange means, and what the register
 * reply tells about the daemon.
 */
import { ErrorCodes, RemoteConnError, isRemoteConnError, operationFailed } from '../errors.js';
import { Op } from '../messages/index.js';
import type { Transport, X509Material } from '../transport/transport.js';
import { clientCertProblem } from '../transport/x509-diagnose.js';
import { isCredentialAlert } from '../transport/node-tls.js';
import type { DaemonInfo } from './events.js';
import type { ReplyMessage } from './request-table.js';

interface Peer {
  host: string;
  port: number;
}

/** Close causes that are the real error of a failed registration: our side closed, on bad input. */
const STREAM_ERRORS = new Set<string>([ErrorCodes.FRAME_INVALID, ErrorCodes.FRAME_TOO_LARGE, ErrorCodes.XML_INVALID, ErrorCodes.DECOMPRESS_FAILED, ErrorCodes.TLS_ERROR]);
/**
 * The error a failed register exchange surfaces as. A close during registration says why it happened: a
 * bad frame, bad XML or a TLS error (we closed) keeps its own code, with `phase: 'register'` in `details`;
 * only a close by the daemon is `PROTOCOL_ERROR` "closed the connection during registration".
 */
export function registerFailure(err: unknown, transport: Transport, { host, port, x509 }: Peer & { x509?: X509Material | undefined }): unknown {
  const cause = isRemoteConnError(err, ErrorCodes.CLOSED) ? err.cause : undefined;
  if (isRemoteConnError(cause) && STREAM_ERRORS.has(cause.code)) {
    return new RemoteConnError(cause.code, `${cause.message} (during registration with ${host}:${port})`, {
      cause: err,
      details: { ...cause.details, phase: 'register', host, port },
    });
  }
  const tlsCode = tlsErrorCode(cause);
  if (tlsCode !== undefined && !isCredentialAlert(err)) {
    return new RemoteConnError(ErrorCodes.TLS_ERROR, `TLS error during registration with ${host}:${port}: ${tlsCode}`, {
      cause: err,
      details: { phase: 'register', host, port, tlsCode },
    });
  }
  if (isRemoteConnError(err, ErrorCodes.CLOSED) && isCredentialAlert(err)) {
    return new RemoteConnError(ErrorCodes.AUTH_FAILED, `The daemon at ${host}:${port} refused our credentials after the TLS handshake (a client certificate its CA did not sign?)`, {
      cause: err,
      details: { phase: 'tls', host, port },
    });
  }
  if (isRemoteConnError(err, ErrorCodes.CLOSED) && (x509 || transport.info.auth === 'x509')) {
    // Pacemaker 3.0 verifies our certificate after the TLS 1.3 handshake and just closes: name the likely cause.
    const why = x509 ? clientCertProblem(x509) : 'the daemon probably refused our client certificate';
    return new RemoteConnError(ErrorCodes.AUTH_FAILED, `The daemon at ${host}:${port} closed the connection right after the TLS handshake: ${why}`, {
      cause: err,
      details: { phase: 'tls', host, port },
    });
  }
  if (isRemoteConnError(err, ErrorCodes.CLOSED)) {
    return new RemoteConnError(ErrorCodes.PROTOCOL_ERROR, `The daemon at ${host}:${port} closed the connection during registration`, {
      cause: err,
      details: { phase: 'register', host, port },
    });
  }
  return err;
}

/** The OpenSSL error code (`ERR_SSL_...`) in an error's cause chain, if any. */
function tlsErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('ERR_SSL_')) return code;
  }
  return undefined;
}

/**
 * What a register reply says about the daemon.
 * @throws RemoteConnError `PROTOCOL_MISMATCH` (rc -71), `OPERATION_FAILED` (another rc), `PROTOCOL_ERROR`
 *   (no client id)
 */
export function daemonInfoFromRegisterReply(reply: ReplyMessage, { host, port, protocolVersion }: Peer & { protocolVersion: string }): DaemonInfo {
  const a = reply.element.attrs;
  if (reply.rc === -71) {
    throw new RemoteConnError(
      ErrorCodes.PROTOCOL_MISMATCH,
      `The daemon at ${host}:${port} refused protocol version ${protocolVersion} (it speaks ${a.lrmd_protocol_version ?? 'an unknown version'})`,
      { details: { phase: 'register', host, port, rc: reply.rc, errno: 'EPROTO', daemonVersion: a.lrmd_protocol_version } },
    );
  }
  if (reply.rc !== 0) throw operationFailed('register', reply.rc, { phase: 'register', host, port });
  if ((a.lrmd_op ?? '').toLowerCase() !== Op.REGISTER || !a.lrmd_clientid) {
    throw new RemoteConnError(ErrorCodes.PROTOCOL_ERROR, `Invalid register reply from ${host}:${port} (no client id)`, {
      details: { phase: 'register', host, port },
    });
  }
  const daemon: DaemonInfo = { protocolVersion: a.lrmd_protocol_version ?? '1.0', clientId: a.lrmd_clientid };
  const uptime = a.uptime === undefined ? Number.NaN : Number.parseInt(a.uptime, 10);
  if (Number.isFinite(uptime)) daemon.uptimeS = uptime;
  if (a.node_start_state) daemon.nodeStartState = a.node_start_state;
  return daemon;
}
