/**
 * The `js-tls12` engine: a TLS 1.2 PSK / DHE-PSK client written on node:crypto and node:net, for
 * pre-shared keys of any length (OpenSSL, hence node:tls, refuses keys over 512 bytes; Pacemaker's
 * documentation creates 4096-byte keys).
 *
 * Suites, in order of preference: DHE-PSK then PSK, each with AES-256-GCM, AES-128-GCM and
 * ChaCha20-Poly1305. Extended master secret (RFC 7627) when the server echoes it; renegotiation is never
 * performed and a server's HelloRequest is refused.
 *
 * @packageDocumentation
 */
import type { TransportConnector } from '../transport.js';
import { connectWith } from './connection.js';

export { JsTls12Transport, HANDSHAKE_CLOSED_MESSAGE, MAX_PSK_BYTES } from './connection.js';
export { SUITES, suitesFor, suiteById, suiteByName, type CipherSuite } from './suites.js';

/**
 * Connects (TCP, TCP_NODELAY) and performs the handshake; resolves an open transport with
 * `info.engine = 'js-tls12'`, `info.protocol = 'TLSv1.2'`, `info.auth = 'psk'` and the IANA suite name in
 * `info.cipher`.
 *
 * Rejects with a `RemoteConnError`: `CONNECT_REFUSED`, `HOST_NOT_FOUND`, `CONNECT_FAILED` (`details.phase`
 * `tcp`); `AUTH_FAILED` (the daemon hung up or sent an authentication alert), `TLS_ERROR` (`tls`);
 * `KEY_EMPTY`, `KEY_TOO_LONG` (over 65535 bytes), `INVALID_ARGUMENT`; or the abort reason.
 */
export const connectJsTls12: TransportConnector = (options) => connectWith(options);
