/**
 * Strict encoders and parsers for the TLS 1.2 PSK handshake messages (RFC 5246 §7.4, RFC 4279 §2–3,
 * RFC 7627, RFC 5746), and reassembly of handshake messages from records.
 *
 * Every parser checks every length and rejects trailing bytes; faults are `TLS_ERROR`s carrying the alert
 * to send (see {@link tlsFault}).
 */
import { tlsFault } from './alerts.js';
import { Reader, u16, u24, vec16, vec8 } from './bytes.js';
import type { KeyExchange } from './suites.js';

/** Handshake message types. */
export const HandshakeType = {
  hello_request: 0,
  client_hello: 1,
  server_hello: 2,
  hello_verify_request: 3,
  new_session_ticket: 4,
  certificate: 11,
  server_key_exchange: 12,
  certificate_request: 13,
  server_hello_done: 14,
  certificate_verify: 15,
  client_key_exchange: 16,
  finished: 20,
} as const;

/** Extension code points used here. */
export const ExtensionType = {
  extended_master_secret: 0x0017,
  renegotiation_info: 0xff01,
} as const;

/** Largest handshake message accepted from the server (ServerKeyExchange with an 8192-bit group is ~3 KiB). */
export const MAX_HANDSHAKE_MESSAGE = 32 * 1024;

/** One complete handshake message. */
export interface HandshakeMessage {
  type: number;
  body: Buffer;
  /** Header and body as received (for the transcript). */
  raw: Buffer;
}

/** Frames a handshake message. */
export function encodeHandshake(type: number, body: Uint8Array): Buffer {
  if (body.length > 0xffffff) throw new RangeError('handshake message too long');
  return Buffer.concat([Buffer.from([type]), u24(body.length), body]);
}

/** Reassembles handshake messages that may be split across, or packed into, records. */
export class HandshakeBuffer {
  #buf: Buffer = Buffer.alloc(0);
  readonly #max: number;

  constructor(maxMessage = MAX_HANDSHAKE_MESSAGE) {
    this.#max = maxMessage;
  }

  /** True when no partial message is pending (a ChangeCipherSpec may only come then). */
  get empty(): boolean {
    return this.#buf.length === 0;
  }

  /** Adds the fragment of one handshake record. */
  push(fragment: Uint8Array): void {
    this.#buf = this.#buf.length === 0 ? Buffer.from(fragment) : Buffer.concat([this.#buf, fragment]);
  }

  /**
   * The next complete message, or `undefined` when more bytes are needed.
   * @throws RemoteConnError `TLS_ERROR` (decode_error) for a message over the size limit
   */
  next(): HandshakeMessage | undefined {
    if (this.#buf.length < 4) return undefined;
    const type = this.#buf[0] as number;
    const length = this.#buf.readUIntBE(1, 3);
    if (length > this.#max) throw tlsFault('decode_error', `handshake message of ${length} bytes (max ${this.#max})`);
    if (this.#buf.length < 4 + length) return undefined;
    const raw = this.#buf.subarray(0, 4 + length);
    this.#buf = this.#buf.subarray(4 + length);
    return { type, body: raw.subarray(4), raw };
  }
}

/** Fields of our ClientHello. */
export interface ClientHelloFields {
  random: Buffer;
  suites: readonly number[];
  /** Extensions in order: type and data. */
  extensions: ReadonlyArray<{ type: number; data: Buffer }>;
}

/** Encodes a ClientHello body (TLS 1.2, empty session id, null compression only). */
export function encodeClientHello(f: ClientHelloFields): Buffer {
  if (f.random.length !== 32) throw new RangeError('client random must be 32 bytes');
  const suites = Buffer.concat(f.suites.map((s) => u16(s)));
  const exts = Buffer.concat(f.extensions.map((e) => Buffer.concat([u16(e.type), vec16(e.data)])));
  return Buffer.concat([u16(0x0303), f.random, vec8(Buffer.alloc(0)), vec16(suites), vec8(Buffer.from([0])), ...(f.extensions.length ? [vec16(exts)] : [])]);
}

/** A parsed ServerHello. */
export interface ServerHello {
  version: number;
  random: Buffer;
  sessionId: Buffer;
  suite: number;
  compression: number;
  /** Extensions by type (duplicates are rejected). */
  extensions: Map<number, Buffer>;
}

/**
 * Parses a ServerHello body.
 * @throws RemoteConnError `TLS_ERROR`: decode_error for bad lengths, illegal_parameter for duplicates
 */
export function parseServerHello(body: Buffer): ServerHello {
  const r = new Reader(body, 'ServerHello');
  const version = r.u16();
  const random = Buffer.from(r.bytes(32));
  const sessionId = Buffer.from(r.vec8(0, 32));
  const suite = r.u16();
  const compression = r.u8();
  const extensions = new Map<number, Buffer>();
  if (r.remaining > 0) {
    const er = new Reader(r.vec16(), 'ServerHello extensions');
    while (er.remaining > 0) {
      const type = er.u16();
      const data = Buffer.from(er.vec16());
      if (extensions.has(type)) throw tlsFault('illegal_parameter', `ServerHello repeats extension 0x${type.toString(16)}`);
      extensions.set(type, data);
    }
  }
  r.end();
  return { version, random, sessionId, suite, compression, extensions };
}

/** Diffie-Hellman parameters of a ServerKeyExchange (RFC 5246 §7.4.3). */
export interface ServerDhParams {
  p: Buffer;
  g: Buffer;
  ys: Buffer;
}

/** A parsed ServerKeyExchange for PSK or DHE-PSK (RFC 4279 §2, §3). Not signed in either case. */
export interface ServerKeyExchange {
  /** psk_identity_hint (often empty). */
  hint: Buffer;
  /** Present for DHE-PSK. */
  dh?: ServerDhParams;
}

/**
 * Parses a ServerKeyExchange body for the negotiated key exchange.
 * @throws RemoteConnError `TLS_ERROR` (decode_error)
 */
export function parseServerKeyExchange(body: Buffer, kx: KeyExchange): ServerKeyExchange {
  const r = new Reader(body, 'ServerKeyExchange');
  const hint = Buffer.from(r.vec16());
  if (kx === 'psk') {
    r.end();
    return { hint };
  }
  const p = Buffer.from(r.vec16(1));
  const g = Buffer.from(r.vec16(1));
  const ys = Buffer.from(r.vec16(1));
  r.end();
  return { hint, dh: { p, g, ys } };
}

/**
 * Checks a ServerHelloDone body (empty).
 * @throws RemoteConnError `TLS_ERROR` (decode_error)
 */
export function parseServerHelloDone(body: Buffer): void {
  new Reader(body, 'ServerHelloDone').end();
}

/** Encodes a ClientKeyExchange body: psk_identity, then dh_Yc for DHE-PSK. */
export function encodeClientKeyExchange(identity: Buffer, yc?: Buffer): Buffer {
  return Buffer.concat([vec16(identity), ...(yc ? [vec16(yc)] : [])]);
}

/**
 * Parses a Finished body (verify_data of 12 bytes for every TLS 1.2 suite used here).
 * @throws RemoteConnError `TLS_ERROR` (decode_error)
 */
export function parseFinished(body: Buffer): Buffer {
  const r = new Reader(body, 'Finished');
  const v = Buffer.from(r.bytes(12));
  r.end();
  return v;
}
