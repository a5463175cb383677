/**
 * Makes a failed TLS handshake look like GnuTLS in pacemaker-remoted (real-peer-probe §6.1): instead of
 * OpenSSL's fatal alert (bad_record_mac, illegal_parameter...), the client receives a plaintext
 * close_notify (`15 03 03 00 02 01 00`) and then the connection closes. A Node client then sees
 * `ECONNRESET ... disconnected before secure TLS connection was established`, as against the real daemon.
 *
 * The TLS socket is layered on this Duplex instead of the TCP handle, so every byte passes through here;
 * the filter only acts before the handshake completed.
 */
import { Duplex } from 'node:stream';
import type net from 'node:net';

/** GnuTLS's `gnutls_bye` before any keys exist: a plaintext warning-level close_notify alert. */
export const PLAINTEXT_CLOSE_NOTIFY = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x01, 0x00]);

/** True when `chunk` holds (at a record boundary) a TLS alert record of level fatal. */
export function holdsFatalAlert(chunk: Buffer): boolean {
  let o = 0;
  while (o + 5 <= chunk.length) {
    const type = chunk[o];
    const len = chunk.readUInt16BE(o + 3);
    if (type === 0x15 && len === 2 && chunk[o + 5] === 2) return true;
    o += 5 + len;
  }
  return false;
}

/** A pass-through stream over the TCP socket that replaces a handshake-failure alert. */
export class HandshakeGuard extends Duplex {
  readonly #raw: net.Socket;
  #secure = false;
  #failed = false;

  constructor(raw: net.Socket) {
    super({ allowHalfOpen: false });
    this.#raw = raw;
    raw.on('data', (d: Buffer) => {
      if (!this.push(d)) raw.pause();
    });
    raw.on('end', () => this.push(null));
    raw.on('close', () => this.destroy());
    raw.on('error', (err) => this.destroy(err));
  }

  /** The handshake completed: stop filtering. */
  markSecure(): void {
    this.#secure = true;
  }

  override _read(): void {
    this.#raw.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.#failed) return cb();
    if (!this.#secure && holdsFatalAlert(chunk)) {
      this.#failed = true;
      this.#raw.end(PLAINTEXT_CLOSE_NOTIFY);
      return cb();
    }
    if (this.#raw.destroyed) return cb();
    this.#raw.write(chunk, (err) => cb(err ?? null));
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.#raw.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.#raw.destroy();
    cb(err);
  }
}
