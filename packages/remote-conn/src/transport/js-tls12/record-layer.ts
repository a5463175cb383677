/**
 * The TLS 1.2 record layer (RFC 5246 §6.2) for AEAD suites: framing of the received byte stream, size
 * limits, sequence numbers and AEAD protection (AES-GCM per RFC 5288, ChaCha20-Poly1305 per RFC 7905).
 *
 * {@link RecordReader} turns received bytes into records (decrypting once a read cipher is installed);
 * {@link RecordWriter} turns a plaintext into one or more records of its own, never merging two calls.
 */
// node's typings have no overload for a union of AEAD names; every suite cipher takes the same options.
import { createCipheriv, createDecipheriv, type CipherGCMTypes } from 'node:crypto';
import { tlsFault } from './alerts.js';
import type { CipherSuite } from './suites.js';

/** Record content types. */
export const ContentType = { change_cipher_spec: 20, alert: 21, handshake: 22, application_data: 23 } as const;

/** Largest plaintext fragment (2^14). */
export const MAX_PLAINTEXT = 16384;
/** Largest protected fragment accepted (2^14 + 2048, RFC 5246 §6.2.3). */
export const MAX_CIPHERTEXT = MAX_PLAINTEXT + 2048;
/** Record header length. */
export const RECORD_HEADER = 5;
/** TLS 1.2 on the wire. */
export const TLS12 = 0x0303;
/** Largest sequence number; a record that would need the next one is refused (RFC 5246 §6.1). */
export const MAX_SEQ = (1n << 64n) - 1n;

/** One received record, decrypted if a read cipher was active. */
export interface TlsRecord {
  type: number;
  version: number;
  fragment: Buffer;
}

/** Builds a record header. */
export function recordHeader(type: number, version: number, length: number): Buffer {
  const h = Buffer.alloc(RECORD_HEADER);
  h[0] = type;
  h.writeUInt16BE(version, 1);
  h.writeUInt16BE(length, 3);
  return h;
}

/**
 * One direction's AEAD state: key, IV and sequence number. Keys live in private fields so they never show
 * up in `util.inspect` output.
 */
export class AeadState {
  readonly suite: CipherSuite;
  readonly #key: Buffer;
  readonly #iv: Buffer;
  readonly #maxSeq: bigint;
  #seq = 0n;

  /**
   * @param maxSeq the last usable sequence number (tests lower it to reach the overflow path)
   */
  constructor(suite: CipherSuite, key: Buffer, iv: Buffer, maxSeq: bigint = MAX_SEQ) {
    if (key.length !== suite.keyLength || iv.length !== suite.fixedIvLength) throw new RangeError('bad key/iv length');
    this.suite = suite;
    this.#key = Buffer.from(key);
    this.#iv = Buffer.from(iv);
    this.#maxSeq = maxSeq;
  }

  /** The sequence number the next record will use. */
  get sequence(): bigint {
    return this.#seq;
  }

  /** Overwrites the key material (best effort: node:crypto keeps its own copies while a cipher runs). */
  wipe(): void {
    this.#key.fill(0);
    this.#iv.fill(0);
  }

  #nextSeq(): Buffer {
    if (this.#seq > this.#maxSeq) {
      throw tlsFault('internal_error', 'the record sequence number would wrap; the connection must be closed');
    }
    const s = Buffer.alloc(8);
    s.writeBigUInt64BE(this.#seq);
    this.#seq += 1n;
    return s;
  }

  #nonce(seq: Buffer, explicit: Buffer | undefined): Buffer {
    if (this.suite.explicitNonceLength > 0) return Buffer.concat([this.#iv, explicit ?? seq]);
    // RFC 7905 §2: the 64-bit sequence number, left-padded to 12 bytes, XORed with the IV.
    const n = Buffer.from(this.#iv);
    for (let i = 0; i < 8; i++) n[4 + i] = (n[4 + i] as number) ^ (seq[i] as number);
    return n;
  }

  /** Protects one fragment; returns the complete record (header included). */
  seal(type: number, plaintext: Uint8Array): Buffer {
    const seq = this.#nextSeq();
    const aad = Buffer.concat([seq, recordHeader(type, TLS12, plaintext.length)]);
    const nonce = this.#nonce(seq, undefined);
    const c = createCipheriv(this.suite.cipher as CipherGCMTypes, this.#key, nonce, { authTagLength: 16 });
    c.setAAD(aad, { plaintextLength: plaintext.length });
    const body = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
    const explicit = this.suite.explicitNonceLength > 0 ? seq : Buffer.alloc(0);
    return Buffer.concat([recordHeader(type, TLS12, explicit.length + body.length), explicit, body]);
  }

  /**
   * Verifies and decrypts one record body.
   * @throws RemoteConnError `TLS_ERROR` (bad_record_mac, record_overflow)
   */
  open(type: number, body: Buffer): Buffer {
    const overhead = this.suite.explicitNonceLength + this.suite.tagLength;
    if (body.length < overhead) throw tlsFault('bad_record_mac', 'a protected record is shorter than its nonce and tag');
    const plainLength = body.length - overhead;
    if (plainLength > MAX_PLAINTEXT) throw tlsFault('record_overflow', `a protected record holds ${plainLength} bytes (max ${MAX_PLAINTEXT})`);
    const seq = this.#nextSeq();
    const explicit = this.suite.explicitNonceLength > 0 ? body.subarray(0, this.suite.explicitNonceLength) : undefined;
    const nonce = this.#nonce(seq, explicit);
    const aad = Buffer.concat([seq, recordHeader(type, TLS12, plainLength)]);
    const ct = body.subarray(this.suite.explicitNonceLength, body.length - this.suite.tagLength);
    const tag = body.subarray(body.length - this.suite.tagLength);
    try {
      const d = createDecipheriv(this.suite.cipher as CipherGCMTypes, this.#key, nonce, { authTagLength: 16 });
      d.setAAD(aad, { plaintextLength: plainLength });
      d.setAuthTag(tag);
      return Buffer.concat([d.update(ct), d.final()]);
    } catch {
      // node:crypto's message says nothing useful and is dropped on purpose (no crypto internals in errors).
      throw tlsFault('bad_record_mac', 'a record failed authentication (bad_record_mac)');
    }
  }
}

/** Options of {@link RecordReader}. */
export interface RecordReaderOptions {
  /** Accept any `3.x` record version until the server's version is known (default true). */
  lenientVersion?: boolean;
}

/**
 * Splits the received stream into records. Sizes are checked from the header, before buffering a body.
 * After an error the reader is poisoned (every later call throws the same error).
 */
export class RecordReader {
  #chunks: Buffer[] = [];
  #buffered = 0;
  #cipher: AeadState | undefined;
  #error: unknown;
  /** While true, any `3.x` record version is accepted (before ServerHello). */
  lenientVersion: boolean;

  constructor(options: RecordReaderOptions = {}) {
    this.lenientVersion = options.lenientVersion ?? true;
  }

  /** Bytes received and not yet returned. */
  get buffered(): number {
    return this.#buffered;
  }

  /** True once a read cipher is installed. */
  get protected(): boolean {
    return this.#cipher !== undefined;
  }

  /** Installs the read cipher (after the peer's ChangeCipherSpec). */
  setCipher(cipher: AeadState): void {
    this.#cipher = cipher;
  }

  /** Wipes the cipher state. */
  wipe(): void {
    this.#cipher?.wipe();
  }

  /** Adds received bytes. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    this.#buffered += chunk.length;
  }

  /** Makes the first chunk at least `n` bytes long (joining only as many chunks as needed). */
  #peek(n: number): Buffer {
    if ((this.#chunks[0]?.length ?? 0) < n) {
      let have = 0;
      let count = 0;
      while (have < n && count < this.#chunks.length) have += (this.#chunks[count++] as Buffer).length;
      this.#chunks.splice(0, count, Buffer.concat(this.#chunks.slice(0, count), have));
    }
    return this.#chunks[0] as Buffer;
  }

  #take(n: number): Buffer {
    const first = this.#peek(n);
    const out = first.subarray(0, n);
    if (first.length === n) this.#chunks.shift();
    else this.#chunks[0] = first.subarray(n);
    this.#buffered -= n;
    return out;
  }

  /**
   * The next complete record, or `undefined` when more bytes are needed.
   * @throws RemoteConnError `TLS_ERROR` with `details.localAlert` for malformed or unauthentic records
   */
  next(): TlsRecord | undefined {
    if (this.#error !== undefined) throw this.#error;
    try {
      if (this.#buffered < RECORD_HEADER) return undefined;
      const h = this.#peek(RECORD_HEADER);
      const type = h[0] as number;
      const version = h.readUInt16BE(1);
      const length = h.readUInt16BE(3);
      if (type < ContentType.change_cipher_spec || type > ContentType.application_data) {
        throw tlsFault('unexpected_message', `record of unknown content type ${type}`);
      }
      if (this.lenientVersion ? version >> 8 !== 3 : version !== TLS12) {
        throw tlsFault('protocol_version', `record version 0x${version.toString(16).padStart(4, '0')}`);
      }
      const limit = this.#cipher ? MAX_CIPHERTEXT : MAX_PLAINTEXT;
      if (length > limit) throw tlsFault('record_overflow', `record of ${length} bytes (max ${limit})`);
      if (this.#buffered < RECORD_HEADER + length) return undefined;
      this.#take(RECORD_HEADER);
      const body = Buffer.from(this.#take(length));
      const fragment = this.#cipher ? this.#cipher.open(type, body) : body;
      if (fragment.length === 0 && type !== ContentType.application_data) {
        throw tlsFault('unexpected_message', `empty record of content type ${type}`);
      }
      return { type, version, fragment };
    } catch (err) {
      this.#error = err;
      this.#chunks = [];
      this.#buffered = 0;
      throw err;
    }
  }
}

/** Produces records: plaintext until {@link setCipher}, then protected. */
export class RecordWriter {
  #cipher: AeadState | undefined;

  /** Installs the write cipher (right after our ChangeCipherSpec). */
  setCipher(cipher: AeadState): void {
    this.#cipher = cipher;
  }

  /** True once a write cipher is installed. */
  get protected(): boolean {
    return this.#cipher !== undefined;
  }

  /** Wipes the cipher state. */
  wipe(): void {
    this.#cipher?.wipe();
  }

  /**
   * Encodes `data` as records of at most 2^14 plaintext bytes each, containing nothing else. An empty
   * `data` gives no record for application data (and is refused for other types).
   * @throws RemoteConnError `TLS_ERROR` (internal_error) when the sequence number would wrap
   */
  encode(type: number, data: Uint8Array): Buffer {
    if (data.length === 0) {
      if (type === ContentType.application_data) return Buffer.alloc(0);
      throw new RangeError('empty non-application record');
    }
    const out: Buffer[] = [];
    for (let at = 0; at < data.length; at += MAX_PLAINTEXT) {
      const frag = data.subarray(at, Math.min(at + MAX_PLAINTEXT, data.length));
      out.push(this.#cipher ? this.#cipher.seal(type, frag) : Buffer.concat([recordHeader(type, TLS12, frag.length), frag]));
    }
    return out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out);
  }
}
