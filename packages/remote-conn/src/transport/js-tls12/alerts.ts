/**
 * TLS alerts (RFC 5246 §7.2, RFC 4279 §2) and the typed errors the engine raises for protocol faults.
 *
 * Internally a fault is a {@link RemoteConnError} whose `details.localAlert` names the fatal alert we owe
 * the peer; an alert received from the peer is reported in `details.peerAlert`. Neither ever carries key
 * material.
 */
import { ErrorCodes, RemoteConnError, type RemoteConnErrorCode } from '../../errors.js';

/** Alert levels. */
export const AlertLevel = { warning: 1, fatal: 2 } as const;

/** Alert descriptions (TLS 1.2 registry, plus the later ones a peer might send). */
export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  decryption_failed: 21,
  record_overflow: 22,
  decompression_failure: 30,
  handshake_failure: 40,
  no_certificate: 41,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  export_restriction: 60,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  no_renegotiation: 100,
  missing_extension: 109,
  unsupported_extension: 110,
  certificate_unobtainable: 111,
  unrecognized_name: 112,
  bad_certificate_status_response: 113,
  bad_certificate_hash_value: 114,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
} as const;

/** Name of an alert description. */
export type AlertName = keyof typeof AlertDescription;

const NAMES = new Map<number, AlertName>(
  (Object.entries(AlertDescription) as Array<[AlertName, number]>).map(([name, code]) => [code, name]),
);

/** The name of an alert code, or `alert_<n>` for codes outside the registry. */
export function alertName(code: number): string {
  return NAMES.get(code) ?? `alert_${code}`;
}

/** Fatal alerts from the peer during the handshake that mean "wrong key or nothing in common". */
export const AUTH_ALERTS: ReadonlySet<number> = new Set([
  AlertDescription.bad_record_mac,
  AlertDescription.decrypt_error,
  AlertDescription.handshake_failure,
  AlertDescription.insufficient_security,
  AlertDescription.unknown_psk_identity,
]);

/** The two-byte body of an alert record. */
export function encodeAlert(level: number, description: number): Buffer {
  return Buffer.from([level, description]);
}

/** A parsed alert. */
export interface Alert {
  level: number;
  description: number;
}

/**
 * Parses the body of an alert record (exactly two bytes: RFC 5246 forbids fragmenting alerts, and no
 * implementation we talk to does it).
 * @throws RemoteConnError `TLS_ERROR` (decode_error) otherwise
 */
export function parseAlert(body: Buffer): Alert {
  if (body.length !== 2) throw tlsFault('decode_error', `alert record of ${body.length} bytes (expected 2)`);
  const level = body[0] as number;
  const description = body[1] as number;
  if (level !== AlertLevel.warning && level !== AlertLevel.fatal) {
    throw tlsFault('illegal_parameter', `alert with unknown level ${level}`);
  }
  return { level, description };
}

/**
 * A protocol fault detected locally: a `TLS_ERROR` that tells the connection which fatal alert to send
 * before closing (`details.localAlert`).
 */
export function tlsFault(alert: AlertName, message: string, code: RemoteConnErrorCode = ErrorCodes.TLS_ERROR): RemoteConnError {
  return new RemoteConnError(code, `TLS protocol error (${alert}): ${message}`, { details: { phase: 'tls', localAlert: alert } });
}

/** The alert a fault asks us to send, if any. */
export function localAlertOf(err: unknown): number | undefined {
  if (!(err instanceof RemoteConnError)) return undefined;
  const name = err.details.localAlert;
  return typeof name === 'string' && name in AlertDescription ? AlertDescription[name as AlertName] : undefined;
}
