/**
 * One client connection of the simulated daemon: the TLS socket, the daemon's write discipline (each
 * message's header and payload as two writes, serialized on write callbacks, like `pcmk__remote_send_xml`)
 * and the two read models:
 *
 * - strict records (the 2.1.x reader, protocol.md §2.3/§2.5): each TLS `data` chunk is one record; one
 *   `gnutls_record_recv` per socket wake-up into a buffer of `2 × wanted` bytes (80 at first); a record
 *   larger than the free space leaves its rest "inside GnuTLS", read only on the next wake-up; bytes after a
 *   complete message are discarded; an incomplete message blocks the WHOLE daemon until more bytes arrive,
 *   the connection closes or 60 s pass.
 * - lenient: any split or merge of the byte stream is decoded.
 */
import createDebug from 'debug';
import { randomUUID } from 'node:crypto';
import type net from 'node:net';
import type tls from 'node:tls';
import { bunzip2Exact } from '@pcmk-remote/remote-conn/protocol';
import { FrameDecoder, payloadToXml } from '@pcmk-remote/remote-conn/protocol';
import { encodeHeader, decodeHeader, HEADER_SIZE, type FrameHeader } from '@pcmk-remote/remote-conn/protocol';

const debug = createDebug('pcmk-remote:sim');

/** What a connection needs from its daemon. */
export interface ConnectionHost {
  readonly label: string;
  /** Next value of the daemon's process-wide header id counter. */
  nextHeaderId(): number;
  /** True while the daemon is frozen (pause): nothing is written. */
  readonly paused: boolean;
  /** Strict reader: this connection blocks the daemon (incomplete message). */
  stall(conn: SimConnection): void;
  /** Strict reader: this connection no longer blocks the daemon. */
  unstall(conn: SimConnection): void;
  /** A complete message arrived. */
  message(conn: SimConnection, xml: string): void;
  /** The byte stream is invalid (bad header, size, bzip2). */
  invalid(conn: SimConnection, err: unknown): void;
  /** The connection closed (after the handshake completed). */
  closed(conn: SimConnection): void;
}

interface QueuedWrite {
  data: Buffer;
  notBefore: number;
}

/** A connection whose TLS handshake completed. */
export class SimConnection {
  /** The daemon's id for this client (`lrmd_clientid`). */
  readonly id: string = randomUUID();
  readonly socket: tls.TLSSocket;
  readonly raw: net.Socket;
  readonly connectedAt = Date.now();
  /** Name from the first message carrying `lrmd_clientname`. Nameless clients get no notifications. */
  name: string | undefined;
  /** Registered with `lrmd_is_ipc_provider="true"`. */
  provider = false;
  closed = false;

  readonly #host: ConnectionHost;
  readonly #strict: boolean;
  #queue: QueuedWrite[] | undefined;
  #writing = false;
  #delayTimer: NodeJS.Timeout | undefined;
  // strict reader state
  #capacity = 0;
  #buf: Buffer | undefined;
  #offset = 0;
  #header: FrameHeader | undefined;
  #held: Buffer[] | undefined; // record bytes not yet read ("inside GnuTLS")
  // lenient reader
  #decoder: FrameDecoder | undefined;

  constructor(host: ConnectionHost, raw: net.Socket, socket: tls.TLSSocket, strictRecords: boolean) {
    this.#host = host;
    this.raw = raw;
    this.socket = socket;
    this.#strict = strictRecords;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('close', () => this.#onClose());
  }

  /** Sends one message: header and payload as two separate, callback-chained writes. */
  send(xml: string, replyDelayMs = 0): void {
    if (this.closed) return;
    const payload = Buffer.from(`${xml}\0`, 'utf8');
    const header = encodeHeader({ id: this.#host.nextHeaderId(), payloadUncompressed: payload.length });
    this.#enqueue(header, replyDelayMs);
    this.#enqueue(payload, replyDelayMs);
  }

  /** Sends raw bytes (fault injection), in order with the messages. */
  sendRaw(bytes: Buffer): void {
    if (!this.closed) this.#enqueue(bytes, 0);
  }

  /** Resolves when every queued write has been handed to the socket (or the connection closed). */
  flushed(): Promise<void> {
    if (this.closed || (!this.#writing && !this.#queue?.length)) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.closed || (!this.#writing && !this.#queue?.length)) resolve();
        else setTimeout(check, 1);
      };
      check();
    });
  }

  /** Starts writing again after a pause. */
  pump(): void {
    if (this.#writing || this.closed || this.#host.paused) return;
    const q = this.#queue;
    const head = q?.[0];
    if (!q || !head) return;
    const wait = head.notBefore - Date.now();
    if (wait > 0) {
      if (!this.#delayTimer) {
        this.#delayTimer = setTimeout(() => {
          this.#delayTimer = undefined;
          this.pump();
        }, wait);
      }
      return;
    }
    q.shift();
    if (q.length === 0) this.#queue = undefined;
    this.#writing = true;
    this.socket.write(head.data, () => {
      this.#writing = false;
      this.pump();
    });
  }

  /** Stops reading (daemon frozen or blocked by another client). */
  setReading(reading: boolean): void {
    if (this.closed) return;
    if (reading) this.socket.resume();
    else this.socket.pause();
  }

  /** Closes without close_notify (the daemon process went away). */
  destroy(): void {
    this.#clearWrites();
    this.socket.destroy();
    this.raw.destroy();
  }

  /** TCP reset. */
  reset(): void {
    this.#clearWrites();
    if (typeof this.raw.resetAndDestroy === 'function' && !this.raw.destroyed) this.raw.resetAndDestroy();
    else this.raw.destroy();
    this.socket.destroy();
  }

  #clearWrites(): void {
    this.#queue = undefined;
    if (this.#delayTimer) clearTimeout(this.#delayTimer);
    this.#delayTimer = undefined;
  }

  #enqueue(data: Buffer, delayMs: number): void {
    const item = { data, notBefore: delayMs > 0 ? Date.now() + delayMs : 0 };
    if (this.#queue) this.#queue.push(item);
    else this.#queue = [item];
    this.pump();
  }

  #onData(chunk: Buffer): void {
    if (this.closed) return;
    if (!this.#strict) {
      this.#decoder ??= new FrameDecoder();
      let frames;
      try {
        frames = this.#decoder.push(chunk);
      } catch (err) {
        this.#host.invalid(this, err);
        return;
      }
      for (const f of frames) this.#host.message(this, f.xml);
      return;
    }
    if (this.#held) this.#held.push(chunk);
    else this.#held = [chunk];
    this.#recordRecv();
  }

  /** One `gnutls_record_recv` into the free space of the reader's buffer (2.1.x `read_available_remote_data`). */
  #recordRecv(): void {
    const held = this.#held;
    const record = held?.[0];
    if (!held || !record) return;
    const wanted = this.#header ? this.#header.sizeTotal : HEADER_SIZE;
    if (wanted > this.#capacity) {
      this.#capacity = wanted * 2;
      const grown = Buffer.allocUnsafe(this.#capacity);
      if (this.#buf) this.#buf.copy(grown, 0, 0, this.#offset);
      this.#buf = grown;
    }
    this.#buf ??= Buffer.allocUnsafe(this.#capacity);
    const n = Math.min(this.#capacity - this.#offset, record.length);
    record.copy(this.#buf, this.#offset, 0, n);
    this.#offset += n;
    if (n < record.length) {
      held[0] = record.subarray(n);
      debug('%s: client %s: record of %d bytes read only up to %d (buffer %d): the rest waits inside the TLS layer', this.#host.label, this.id, record.length, n, this.#capacity);
    } else {
      held.shift();
      if (held.length === 0) this.#held = undefined;
    }
    if (!this.#header && this.#offset >= HEADER_SIZE) {
      try {
        this.#header = decodeHeader(this.#buf, 0);
      } catch (err) {
        this.#host.invalid(this, err);
        return;
      }
    }
    const header = this.#header;
    if (!header || this.#offset < header.sizeTotal) {
      this.#host.stall(this);
      return;
    }
    const buf = this.#buf;
    const extra = this.#offset - header.sizeTotal;
    if (extra > 0) {
      debug('%s: client %s: discarding %d bytes that followed a message in the same record (2.1.x reader)', this.#host.label, this.id, extra);
    }
    this.#header = undefined;
    this.#offset = 0;
    this.#buf = undefined; // keep the capacity, not the memory
    let payload = buf.subarray(HEADER_SIZE, header.sizeTotal);
    try {
      if (header.payloadCompressed > 0) payload = bunzip2Exact(payload, header.payloadUncompressed);
    } catch (err) {
      this.#host.invalid(this, err);
      return;
    }
    this.#host.unstall(this);
    this.#host.message(this, payloadToXml(payload));
  }

  /** Strict reader: the daemon gave up waiting (60 s poll timeout): the partial message is dropped. */
  abandonPartial(): void {
    this.#header = undefined;
    this.#offset = 0;
    this.#buf = undefined;
  }

  #onEnd(): void {
    // On EOF GnuTLS finally hands over what it held: the blocked reader gets its bytes.
    let guard = 1000;
    while (this.#held && !this.closed && guard-- > 0) this.#recordRecv();
    this.#held = undefined;
    this.#host.unstall(this);
    if (!this.socket.destroyed) this.socket.end();
  }

  #onClose(): void {
    if (this.closed) return;
    this.#onEnd();
    this.closed = true;
    this.#clearWrites();
    this.#host.unstall(this);
    this.#host.closed(this);
  }
}
