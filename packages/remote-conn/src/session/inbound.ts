/**
 * The inbound side of a session: received bytes become frames, frames become classified messages, and each
 * message goes where it belongs (a waiting request, a call waiter, or an event of the session).
 */
import createDebug from 'debug';
import type { EventEmitter } from 'eventemitter3';
import type { FrameDecoder } from '../codec/index.js';
import { ErrorCodes, RemoteConnError } from '../errors.js';
import { classifyInbound, parseXml, type InboundMessage, type XmlElement } from '../messages/index.js';
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
}

/** Turns received chunks into classified messages, in order. */
export class InboundReader {
  constructor(
    private readonly decoder: FrameDecoder,
    private readonly sink: InboundSink,
  ) {}

  /** Adds received bytes; delivers every message they complete. */
  push(chunk: Buffer): void {
    let frames;
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.sink.fail(err as RemoteConnError);
      return;
    }
    for (const frame of frames) {
      if (this.sink.isClosed()) return;
      let msg: InboundMessage;
      try {
        msg = classifyInbound(parseXml(frame.xml));
      } catch (err) {
        this.sink.fail(err instanceof RemoteConnError ? err : new RemoteConnError(ErrorCodes.XML_INVALID, 'Malformed message', { cause: err }));
        return;
      }
      this.sink.message(msg);
    }
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
