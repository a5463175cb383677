/**
 * What a js-tls12 connection needs from its options (checked before any socket is opened), and what it
 * reports once the handshake is done.
 */
import type net from 'node:net';
import { ErrorCodes, RemoteConnError } from '../../errors.js';
import type { TransportConnectOptions, TransportInfo } from '../transport.js';
import type { CipherSuite } from './suites.js';

/** Largest PSK the wire format can carry (`opaque psk<0..2^16-1>`, RFC 4279 §2). */
export const MAX_PSK_BYTES = 0xffff;

/** Test hooks (not part of the public API). */
export interface JsTls12TestHooks {
  /** Last usable record sequence number (to exercise the overflow path). */
  maxSeq?: bigint;
  /** Offer exactly these suites (instead of those `tls.keyExchange` selects). */
  suites?: readonly CipherSuite[];
}

/**
 * The key and PSK identity of `options`, or a `RemoteConnError`: X.509 requested (PSK only),
 * no key, a key over {@link MAX_PSK_BYTES}, an identity over 65535 bytes, an unknown `tls.keyExchange`.
 */
export function checkConnectOptions(options: TransportConnectOptions): { key: Buffer; identity: Buffer } {
  const details = { phase: 'tls' as const, host: options.host, port: options.port };
  if (options.x509) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'The js-tls12 engine supports PSK only; X.509 needs node-tls', { details });
  }
  const key = options.key;
  if (!key || key.length === 0) throw new RemoteConnError(ErrorCodes.KEY_EMPTY, 'No pre-shared key was given', { details });
  if (key.length > MAX_PSK_BYTES) {
    throw new RemoteConnError(ErrorCodes.KEY_TOO_LONG, `The key is ${key.length} bytes; TLS carries at most ${MAX_PSK_BYTES}`, { details: { ...details, keyBytes: key.length } });
  }
  const identity = Buffer.from(options.identity ?? 'lrmd', 'utf8');
  if (identity.length > 0xffff) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'The PSK identity is longer than 65535 bytes', { details });
  }
  const kx = options.tls?.keyExchange ?? 'any';
  if (kx !== 'any' && kx !== 'psk' && kx !== 'dhe-psk') {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `tls.keyExchange must be 'any', 'dhe-psk' or 'psk'`, { details });
  }
  return { key, identity };
}

/** The transport info of an established connection using `cipher`. */
export function negotiatedInfo(s: net.Socket, cipher: string): TransportInfo {
  return {
    engine: 'js-tls12',
    protocol: 'TLSv1.2',
    cipher,
    auth: 'psk',
    ...(s.localAddress ? { localAddress: s.localAddress } : {}),
    ...(s.localPort ? { localPort: s.localPort } : {}),
    ...(s.remoteAddress ? { remoteAddress: s.remoteAddress } : {}),
    ...(s.remotePort ? { remotePort: s.remotePort } : {}),
  };
}
