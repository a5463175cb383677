/**
 * The register step of a session (protocol.md §3.1): what a failed exchange means, and what the register
 * reply tells about the daemon.
 */
import { ErrorCodes, RemoteConnError, isRemoteConnError, operationFailed } from '../errors.js';
import { Op } from '../messages/index.js';
import type { Transport } from '../transport/transport.js';
import { isCredentialAlert } from '../transport/node-tls.js';
import type { DaemonInfo } from './events.js';
import type { ReplyMessage } from './request-table.js';

interface Peer {
  host: string;
  port: number;
}

/** The error a failed register exchange surfaces as (a close during registration says why it happened). */
export function registerFailure(err: unknown, transport: Transport, { host, port }: Peer): unknown {
  if (isRemoteConnError(err, ErrorCodes.CLOSED) && isCredentialAlert(err)) {
    return new RemoteConnError(ErrorCodes.AUTH_FAILED, `The daemon at ${host}:${port} refused our credentials after the TLS handshake (a client certificate its CA did not sign?)`, {
      cause: err,
      details: { phase: 'tls', host, port },
    });
  }
  if (isRemoteConnError(err, ErrorCodes.CLOSED)) {
    const hint = transport.info.auth === 'x509' ? ' (in X.509 mode this usually means it refused our client certificate: is it signed by the CA in its PCMK_ca_file?)' : '';
    return new RemoteConnError(ErrorCodes.PROTOCOL_ERROR, `The daemon at ${host}:${port} closed the connection during registration${hint}`, {
      cause: err,
      details: { phase: 'register', host, port },
    });
  }
  return err;
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
