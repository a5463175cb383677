/**
 * What an alert from the peer means for a js-tls12 connection: during the handshake, close_notify or a
 * fatal alert fails the connect (a close_notify there is how a daemon refuses a wrong key); afterwards,
 * close_notify is an orderly close and a fatal alert an error reported with it. Warnings are ignored
 * (bounded during the handshake by the connection).
 */
import createDebug from 'debug';
import { ErrorCodes, RemoteConnError } from '../../errors.js';
import { AlertDescription, AlertLevel, alertName, parseAlert } from './alerts.js';
import { HANDSHAKE_CLOSED_MESSAGE, handshakeAlertError } from './peer-errors.js';

const debug = createDebug('pcmk-remote:tls12');

/** Warning alerts accepted during one handshake before it is failed as unexpected. */
export const MAX_WARNINGS_IN_HANDSHAKE = 8;

/** What the connection does with an alert. */
export type PeerAlert =
  | { outcome: 'handshake-failed'; error: RemoteConnError }
  | { outcome: 'warning' }
  | { outcome: 'close-notify' }
  | { outcome: 'fatal'; error: RemoteConnError };

/** Classifies the alert record `body` received during the handshake (`handshaking`) or after it. */
export function peerAlert(body: Buffer, handshaking: boolean, host: string, port: number): PeerAlert {
  const alert = parseAlert(body);
  const name = alertName(alert.description);
  const where = `${host}:${port}`;
  const details = { phase: 'tls' as const, host, port, peerAlert: name };
  if (handshaking) {
    if (alert.description === AlertDescription.close_notify) {
      return { outcome: 'handshake-failed', error: new RemoteConnError(ErrorCodes.AUTH_FAILED, HANDSHAKE_CLOSED_MESSAGE, { details }) };
    }
    if (alert.level === AlertLevel.warning) {
      debug('warning alert %s during the handshake with %s', name, where);
      return { outcome: 'warning' };
    }
    return { outcome: 'handshake-failed', error: handshakeAlertError(alert.description, details) };
  }
  if (alert.description === AlertDescription.close_notify) {
    debug('close_notify from %s', where);
    return { outcome: 'close-notify' };
  }
  if (alert.level === AlertLevel.warning) {
    debug('warning alert %s from %s ignored', name, where);
    return { outcome: 'warning' };
  }
  debug('fatal alert %s from %s', name, where);
  return { outcome: 'fatal', error: new RemoteConnError(ErrorCodes.TLS_ERROR, `the daemon at ${where} sent the fatal TLS alert ${name}`, { details }) };
}
