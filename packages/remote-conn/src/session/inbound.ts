/**
 * The inbound side of a session: received bytes become frames, frames become classified messages, and each
 * message goes where it belongs (a waiting request, a call waiter, or an event of the session).
 */
import createDebug from 'debug';
import type { EventEmitter } from 'eventemitter3';
import { payloadToXml, type FrameDecoder, type RawFrame } from '../codec/index.js';
import { ErrorCodes, RemoteConnError } from '../errors.js';
import { XmlScan, classifyInbound, type InboundMessage, type XmlElement } from '../messages/index.js';
import type { NotifyEvent, RemoteSessionEvents } from './events.js';
import type { RequestTable } from './request-table.js';

const debug = createDebug('pcmk-remote:session');

/** Where the {@link InboundReader} delivers. */
export interface InboundSink {
  /** A well-formed, classified message. */
  message(msg: InboundMessage): void;
  /** The stream is unusable (bad frame, bad XML): the session must close with this error. */
  fail(err: RemoteConnError): void;
  /** True once the session has ended: nothing more is delivered. */
  isClosed(): boolean;
  /** Stop reading from the peer: the received messages are more than the reader keeps waiting. */
  pause(): void;
  /** Read from the peer again. */
  resume(): void;
}

/**
 * How long one slice of inbound work may hold the event loop, ms. Messages are parsed in slices: a large
 * message (up to 20 MiB) or a burst of small ones never blocks other connections, timers or I/O longer than
 * about this (bench/large-message.ts).
 */
export const INBOUND_SLICE_MS = 4;

/**
 * Received messages waiting to be parsed, in bytes, above which reading from the peer pauses (and below half
 * of which it resumes): a burst then waits in the peer's socket, not in our memory.
 */
export const INBOUND_HIGH_WATER_BYTES = 1024 * 1024;

/** Payloads up to this size are decoded in one go; larger ones piece by piece across slices. */
const DECODE_AT_ONCE_BYTES = 256 * 1024;

/** The UTF-8 decoding of a large payload, resumable between its pieces. */
class PayloadDecode {
  #decoder = new TextDecoder('utf-8');
  #parts: string[] = [];
  #next = 0;

  constructor(private readonly pieces: Buffer[]) {}

  /** Decodes pieces until done (returns the text, trailing NULs removed) or the deadline passed. */
  step(deadline: number): string | undefined {
    const pieces = this.pieces;
    while (this.#next < pieces.length) {
      this.#parts.push(this.#decoder.decode(pieces[this.#next++], { stream: true }));
      if (performance.now() > deadline && this.#next < pieces.length) return undefined;
    }
    this.#parts.push(this.#decoder.decode());
    let text = this.#parts.join('');
    let end = text.length;
    while (end > 0 && text.charCodeAt(end - 1) === 0) end--;
    if (end < text.length) text = text.slice(0, end);
    return text;
  }
}

/**
 * Turns received chunks into classified messages, in order. While idle, the messages of a chunk are delivered
 * synchronously within the `data` event; work beyond one slice ({@link INBOUND_SLICE_MS}) continues in later
 * turns of the event loop (`setImmediate`), after pending I/O.
 */
export class InboundReader {
  #queue: RawFrame[] = [];
  #decode: PayloadDecode | undefined;
  #scan: XmlScan | undefined;
  #scheduled: NodeJS.Immediate | undefined;
  #stopped = false;
  #onDrained: (() => void) | undefined;
  /** Bytes of the payloads in {@link #queue}. */
  #queuedBytes = 0;
  #paused = false;

  constructor(
    private readonly decoder: FrameDecoder,
    private readonly sink: InboundSink,
  ) {}

  /** True while received messages wait to be delivered. */
  get busy(): boolean {
    return this.#scan !== undefined || this.#decode !== undefined || this.#queue.length > 0;
  }

  /** Adds received bytes; delivers the messages they complete (now, or in later slices). */
  push(chunk: Buffer): void {
    if (this.#stopped) return;
    let frames;
    try {
      frames = this.decoder.pushRaw(chunk);
    } catch (err) {
      this.#fail(err as RemoteConnError);
      return;
    }
    for (const f of frames) {
      this.#queue.push(f);
      this.#queuedBytes += f.payloadBytes;
    }
    if (this.#scheduled === undefined) this.#pump();
    if (!this.#paused && this.#queuedBytes > INBOUND_HIGH_WATER_BYTES) {
      this.#paused = true;
      this.sink.pause();
    }
  }

  /** Calls `done` once everything received so far has been delivered (at once when idle or stopped). */
  drain(done: () => void): void {
    if (this.#stopped || !this.busy) done();
    else this.#onDrained = done;
  }

  /** Drops what waits: nothing more is delivered. */
  stop(): void {
    this.#stopped = true;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#decode = undefined;
    this.#scan = undefined;
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    if (this.#paused) {
      this.#paused = false;
      this.sink.resume();
    }
    this.#settleDrain();
  }

  #fail(err: RemoteConnError): void {
    this.stop();
    this.sink.fail(err);
  }

  #settleDrain(): void {
    const done = this.#onDrained;
    this.#onDrained = undefined;
    done?.();
  }

  #pump(): void {
    this.#scheduled = undefined;
    const deadline = performance.now() + INBOUND_SLICE_MS;
    while (!this.#stopped && !this.sink.isClosed()) {
      if (!this.#scan) {
        if (!this.#decode) {
          const frame = this.#queue.shift();
          if (!frame) break;
          this.#queuedBytes -= frame.payloadBytes;
          if (this.#paused && this.#queuedBytes <= INBOUND_HIGH_WATER_BYTES / 2) {
            this.#paused = false;
            this.sink.resume();
          }
          if (frame.payloadBytes <= DECODE_AT_ONCE_BYTES) {
            this.#scan = new XmlScan(payloadToXml(frame.payload.length === 1 ? (frame.payload[0] as Buffer) : Buffer.concat(frame.payload)));
          } else {
            this.#decode = new PayloadDecode(frame.payload);
          }
        }
        if (this.#decode) {
          const text = this.#decode.step(deadline);
          if (text === undefined) break;
          this.#decode = undefined;
          this.#scan = new XmlScan(text);
        }
      }
      const scan = this.#scan as XmlScan;
      let msg: InboundMessage;
      try {
        const root = scan.step(deadline);
        if (!root) break;
        msg = classifyInbound(root);
      } catch (err) {
        this.#fail(err instanceof RemoteConnError ? err : new RemoteConnError(ErrorCodes.XML_INVALID, 'Malformed message', { cause: err }));
        return;
      }
      this.#scan = undefined;
      this.sink.message(msg);
      if (performance.now() > deadline) break;
    }
    if (this.#stopped || this.sink.isClosed()) return;
    if (this.busy) this.#scheduled = setImmediate(() => this.#pump());
    else this.#settleDrain();
  }

  /**
   * The error that explains the end of the stream: the transport's own `RemoteConnError`, else a message
   * cut off by the end of the stream (it explains the close better than the socket error), else the socket
   * error; `undefined` for a clean end.
   */
  closeError(err: Error | undefined, host: string, port: number): RemoteConnError | undefined {
    if (err instanceof RemoteConnError) return err;
    const leftover = this.decoder.finish();
    if (leftover) return leftover;
    if (!err) return undefined;
    const code = (err as NodeJS.ErrnoException).code;
    return new RemoteConnError(ErrorCodes.CLOSED, `Connection to ${host}:${port} lost: ${code ?? err.message}`, { cause: err, details: { host, port } });
  }
}

/** What {@link dispatchInbound} needs of the session. */
export interface DispatchTarget {
  readonly host: string;
  readonly port: number;
  emit: EventEmitter<RemoteSessionEvents>['emit'];
  /** A proxied IPC message (`lrmd_ipc_proxy`): shutdown requests and local cluster tools. */
  onProxy(ipcOp: string, element: XmlElement): void;
}

/** Hands one inbound message to its waiter in `table` or emits it as an event of `target`. */
export function dispatchInbound(msg: InboundMessage, table: RequestTable, target: DispatchTarget): void {
  switch (msg.type) {
    case 'reply':
      if (!table.settleReply(msg)) debug('late or unmatched reply id %d ignored', msg.msgId);
      return;
    case 'exec-result':
      target.emit(table.settleExecResult(msg.result) ? 'op-result' : 'foreign-op-result', msg.result);
      return;
    case 'notify': {
      const ours = table.settlePoke(msg.callId, msg.op);
      const ev: NotifyEvent = { op: msg.op, rc: msg.rc, callId: msg.callId, ours };
      if (msg.resource !== undefined) ev.resource = msg.resource;
      target.emit('notify', ev);
      return;
    }
    case 'new-client':
      debug('%s:%d: another client connected to the daemon', target.host, target.port);
      target.emit('new-client');
      return;
    case 'proxy':
      target.onProxy(msg.ipcOp, msg.element);
      return;
    case 'unknown':
      debug('ignoring unknown message <%s>', msg.element.name);
      return;
  }
}
