/**
 * Bounds-checked readers and writers for TLS wire structures (RFC 5246 §4). Every read past the end of
 * the buffer is a `decode_error` fault, never an exception of another kind.
 */
import { tlsFault } from './alerts.js';

/** Sequential reader over one TLS structure. */
export class Reader {
  readonly #buf: Buffer;
  readonly #what: string;
  #pos = 0;

  /** @param what names the structure in error messages */
  constructor(buf: Buffer, what: string) {
    this.#buf = buf;
    this.#what = what;
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.#buf.length - this.#pos;
  }

  #need(n: number): void {
    if (this.remaining < n) throw tlsFault('decode_error', `${this.#what} is truncated`);
  }

  u8(): number {
    this.#need(1);
    return this.#buf[this.#pos++] as number;
  }

  u16(): number {
    this.#need(2);
    const v = this.#buf.readUInt16BE(this.#pos);
    this.#pos += 2;
    return v;
  }

  u24(): number {
    this.#need(3);
    const v = this.#buf.readUIntBE(this.#pos, 3);
    this.#pos += 3;
    return v;
  }

  /** `n` bytes (a view, not a copy). */
  bytes(n: number): Buffer {
    this.#need(n);
    const v = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return v;
  }

  /** A vector with a one-byte length, of `min`..`max` bytes. */
  vec8(min = 0, max = 0xff): Buffer {
    return this.#vec(this.u8(), min, max);
  }

  /** A vector with a two-byte length, of `min`..`max` bytes. */
  vec16(min = 0, max = 0xffff): Buffer {
    return this.#vec(this.u16(), min, max);
  }

  #vec(len: number, min: number, max: number): Buffer {
    if (len < min || len > max) throw tlsFault('decode_error', `${this.#what}: a vector of ${len} bytes is outside ${min}..${max}`);
    return this.bytes(len);
  }

  /** Everything left. */
  rest(): Buffer {
    return this.bytes(this.remaining);
  }

  /** Requires that everything was read. */
  end(): void {
    if (this.remaining !== 0) throw tlsFault('decode_error', `${this.#what} has ${this.remaining} trailing bytes`);
  }
}

/** `uint8` length-prefixed vector. */
export function vec8(data: Uint8Array): Buffer {
  if (data.length > 0xff) throw new RangeError('vector too long');
  return Buffer.concat([Buffer.from([data.length]), data]);
}

/** `uint16` length-prefixed vector. */
export function vec16(data: Uint8Array): Buffer {
  if (data.length > 0xffff) throw new RangeError('vector too long');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(data.length);
  return Buffer.concat([len, data]);
}

/** Big-endian `uint16`. */
export function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
}

/** Big-endian `uint24`. */
export function u24(v: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeUIntBE(v, 0, 3);
  return b;
}
