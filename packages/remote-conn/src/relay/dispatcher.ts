/**
 * `RelayDispatcher`: the session-side half of the IPC relay. It reads the daemon's `new` / `request` /
 * `destroy` relay messages of one connection, hands them to an {@link IpcRelay}, and sends the
 * `response` / `event` / `destroy` answers back exactly as protocol.md §3.6 says:
 *
 * - a response carries the request's `lrmd_ipc_msg_id`, and a request that expects one (flag 0x200)
 *   always gets exactly one (a `<nack rc>` when the handler has none, fails or is too slow);
 * - a session nobody serves is destroyed at once, so tools fail fast;
 * - a request for an unknown session is answered with `destroy`; a `destroy` for an unknown session
 *   (the echo of our own destroy) is ignored;
 * - malformed relay traffic is reported as a typed `relay-error` and logged, never thrown.
 *
 * Before a request reaches the relay it gets the rewrites Pacemaker's controller applies: an attrd
 * update without a host is given the node's name, and a controller `node-info` request without id or
 * name asks about the node itself.
 */
import createDebug from 'debug';
import { ErrorCodes, RemoteConnError } from '../errors.js';
import { IpcFlags, ipcEvent, ipcResponse, parseProxyMessage, relayNack, type ProxyMessage } from '../messages/relay.js';
import { ipcDestroy } from '../messages/requests.js';
import type { XmlElement } from '../messages/xml.js';
import type { IpcRelay, RelayCloseReason, RelayErrorEvent, RelayErrorKind, RelayRequest, RelaySession, RelaySessionHandler } from './types.js';

const debug = createDebug('pcmk-remote:relay');

/** Negative errno values used in `nack` answers. */
const EPROTO = -71;
const ETIME = -62;
const EOPNOTSUPP = -95;
const TIMED_OUT = Symbol('timed out');
const ENDED = Symbol('session ended');

/** Options of a {@link RelayDispatcher}. */
export interface RelayDispatcherOptions {
  /** Serves the sessions; without one every session is destroyed at once (Pacemaker's minimal provider). */
  relay?: IpcRelay | undefined;
  /** The node's name as the owner knows it. */
  node: string;
  /** Sends one provider → daemon message (`ipc_fwd`); resolves when the daemon acknowledged it. */
  send: (message: XmlElement) => Promise<void>;
  /** Called for every relay problem (also logged). */
  onError?: (event: RelayErrorEvent) => void;
  /** A request that expects a response and got none within this many ms is answered with a nack. @default 5000 */
  responseTimeoutMs?: number;
}

/** Counters of one dispatcher (for tests and monitoring). */
export interface RelayStats {
  /** Sessions currently open and served. */
  open: number;
  /** Sessions opened (served) so far. */
  served: number;
  /** Sessions destroyed at once because nobody serves them. */
  refused: number;
  requests: number;
  responses: number;
  events: number;
  nacks: number;
  errors: number;
}

class Session implements RelaySession {
  closed = false;
  handler: RelaySessionHandler | undefined;
  /** Requests of one session run one at a time, in order. */
  queue: Promise<void> = Promise.resolve();
  readonly #abort = new AbortController();

  constructor(
    readonly id: string,
    readonly channel: string,
    readonly node: string,
    private readonly owner: RelayDispatcher,
  ) {}

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  event(message: XmlElement): void {
    if (this.closed) return;
    this.owner._sendEvent(this, message);
  }

  destroy(): void {
    this.owner._destroy(this, 'relay', true);
  }

  /** Marks the session closed and tells its handler (once). */
  end(reason: RelayCloseReason): boolean {
    if (this.closed) return false;
    this.closed = true;
    this.#abort.abort(new RemoteConnError(ErrorCodes.CLOSED, `Relay session ${this.id} (${this.channel}) ended: ${reason}`));
    return true;
  }
}

/** Dispatches the relay traffic of one connection. */
export class RelayDispatcher {
  readonly node: string;
  readonly #relay: IpcRelay | undefined;
  readonly #send: (message: XmlElement) => Promise<void>;
  readonly #onError: ((event: RelayErrorEvent) => void) | undefined;
  readonly #responseTimeoutMs: number;
  readonly #sessions = new Map<string, Session>();
  #closed = false;
  readonly stats: RelayStats = { open: 0, served: 0, refused: 0, requests: 0, responses: 0, events: 0, nacks: 0, errors: 0 };

  constructor(options: RelayDispatcherOptions) {
    const timeout = options.responseTimeoutMs ?? 5000;
    if (!Number.isFinite(timeout) || timeout <= 0) {
      throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `responseTimeoutMs must be a positive number of ms, got ${String(options.responseTimeoutMs)}`);
    }
    this.node = options.node;
    this.#relay = options.relay;
    this.#send = options.send;
    this.#onError = options.onError;
    this.#responseTimeoutMs = timeout;
  }

  /** Ids of the sessions currently served. */
  get sessionIds(): string[] {
    return [...this.#sessions.keys()];
  }

  /** Handles one daemon → provider relay message (any `lrmd_ipc_proxy` but `shutdown_req`). Never throws. */
  handle(element: XmlElement): void {
    if (this.#closed) return;
    let msg: ProxyMessage;
    try {
      msg = parseProxyMessage(element);
    } catch (err) {
      const session = element.attrs.lrmd_ipc_session;
      this.#report('malformed', err, session);
      // A tool behind a session we cannot read would wait for nothing: let it fail fast.
      const served = session ? this.#sessions.get(session) : undefined;
      if (served) this._destroy(served, 'relay', true);
      else if (session && session !== '0') this.#sendDestroy(session);
      return;
    }
    switch (msg.op) {
      case 'new':
        this.#open(msg.session, msg.channel);
        return;
      case 'destroy': {
        const s = this.#sessions.get(msg.session);
        if (s) this._destroy(s, 'tool', false);
        else debug('%s: destroy of unknown relay session %s ignored', this.node, msg.session);
        return;
      }
      case 'request':
        this.#request(msg);
        return;
    }
  }

  /** The connection ended: every session ends with it (nothing more is sent). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of [...this.#sessions.values()]) this._destroy(s, 'connection', false);
  }

  // ---- internals (underscore members are used by Session) -------------------------------------

  #open(id: string, channel: string): void {
    const old = this.#sessions.get(id);
    if (old) this._destroy(old, 'relay', false);
    const session = new Session(id, channel, this.node, this);
    let handler: RelaySessionHandler | undefined;
    if (this.#relay) {
      try {
        handler = this.#relay.open(session);
      } catch (err) {
        this.#report('open-failed', err, id, channel);
      }
    }
    if (!handler) {
      this.stats.refused++;
      debug('%s: %s session %s not served: destroyed', this.node, channel, id);
      session.end('relay');
      this.#sendDestroy(id);
      return;
    }
    session.handler = handler;
    this.#sessions.set(id, session);
    this.stats.open++;
    this.stats.served++;
    debug('%s: serving %s session %s', this.node, channel, id);
  }

  #request(msg: ProxyMessage & { op: 'request' }): void {
    const session = this.#sessions.get(msg.session);
    if (!session) {
      // Pacemaker's controller answers a request of a session it no longer has with destroy.
      debug('%s: request for unknown relay session %s: destroyed', this.node, msg.session);
      this.#sendDestroy(msg.session);
      return;
    }
    this.stats.requests++;
    const request: RelayRequest = {
      msgId: msg.msgId,
      flags: msg.flags,
      expectsResponse: (msg.flags & IpcFlags.CLIENT_RESPONSE) !== 0,
      message: controllerRewrites(session.channel, msg.message, this.node),
      ...(msg.user !== undefined ? { user: msg.user } : {}),
      ...(msg.client !== undefined ? { client: msg.client } : {}),
    };
    session.queue = session.queue.then(() => this.#serve(session, request)).catch((err: unknown) => this.#report('handler-failed', err, session.id, session.channel));
  }

  async #serve(session: Session, request: RelayRequest): Promise<void> {
    if (session.closed || !session.handler) return;
    let timer: NodeJS.Timeout | undefined;
    let onEnd: (() => void) | undefined;
    let answer: XmlElement | undefined;
    let failed: { kind: RelayErrorKind; rc: number } | undefined;
    try {
      const returned = session.handler.request(request, session);
      if (isThenable(returned)) {
        const result = Promise.resolve(returned);
        // Bounded by the relay's timeout, and by the session: an abandoned tool frees its slot at once.
        const bounded = new Promise<typeof TIMED_OUT | typeof ENDED>((resolve) => {
          timer = setTimeout(() => resolve(TIMED_OUT), this.#responseTimeoutMs);
          onEnd = () => resolve(ENDED);
          session.signal.addEventListener('abort', onEnd, { once: true });
        });
        const raced = await Promise.race([result, bounded]);
        if (raced === ENDED) {
          result.catch(() => undefined);
          return;
        }
        if (raced === TIMED_OUT) {
          failed = { kind: 'handler-timeout', rc: ETIME };
          result.catch(() => undefined);
        } else answer = raced;
      } else {
        answer = returned;
      }
    } catch (err) {
      failed = { kind: 'handler-failed', rc: EPROTO };
      this.#report('handler-failed', err, session.id, session.channel);
    } finally {
      clearTimeout(timer);
      if (onEnd) session.signal.removeEventListener('abort', onEnd);
    }
    if (session.closed) return;
    if (failed?.kind === 'handler-timeout') {
      this.#report('handler-timeout', new RemoteConnError(ErrorCodes.REQUEST_TIMEOUT, `The relay did not answer a ${session.channel} request within ${this.#responseTimeoutMs} ms`), session.id, session.channel);
    }
    if (request.expectsResponse) {
      const response = failed ? relayNack(failed.rc) : (answer ?? relayNack(EOPNOTSUPP));
      if (!answer || failed) this.stats.nacks++;
      else this.stats.responses++;
      this.#sendOrReport(ipcResponse(session.id, request.msgId, response), session);
    } else if (answer && !failed) {
      this._sendEvent(session, answer);
    }
  }

  /** @internal Used by the sessions. */
  _sendEvent(session: Session, message: XmlElement): void {
    this.stats.events++;
    this.#sendOrReport(ipcEvent(session.id, message), session);
  }

  /** @internal Used by the sessions. */
  _destroy(session: Session, reason: RelayCloseReason, notifyDaemon: boolean): void {
    if (!session.end(reason)) return;
    if (this.#sessions.get(session.id) === session) {
      this.#sessions.delete(session.id);
      this.stats.open--;
    }
    if (notifyDaemon && !this.#closed) this.#sendDestroy(session.id);
    try {
      session.handler?.close?.(reason, session);
    } catch (err) {
      this.#report('handler-failed', err, session.id, session.channel);
    }
    debug('%s: relay session %s (%s) closed: %s', this.node, session.id, session.channel, reason);
  }

  #sendDestroy(id: string): void {
    this.#sendOrReport(ipcDestroy(id));
  }

  #sendOrReport(message: XmlElement, session?: Session): void {
    if (this.#closed) return;
    let sent: Promise<void>;
    try {
      sent = this.#send(message);
    } catch (err) {
      sent = Promise.reject(err);
    }
    sent.catch((err: unknown) => {
      // After the connection ended nothing can be delivered, and nothing needs to be.
      if (this.#closed) return;
      this.#report('send-failed', err, session?.id ?? message.attrs.lrmd_ipc_session, session?.channel);
    });
  }

  #report(kind: RelayErrorKind, err: unknown, session?: string, channel?: string): void {
    this.stats.errors++;
    const error =
      err instanceof RemoteConnError
        ? err
        : new RemoteConnError(ErrorCodes.PROTOCOL_ERROR, `Relay ${kind}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    debug('%s: relay %s%s: %s', this.node, kind, session ? ` (session ${session})` : '', error.message);
    const event: RelayErrorEvent = { kind, node: this.node, error };
    if (session !== undefined) event.session = session;
    if (channel !== undefined) event.channel = channel;
    try {
      this.#onError?.(event);
    } catch (listenerErr) {
      debug('%s: relay-error listener threw: %s', this.node, (listenerErr as Error).message);
    }
  }
}

function isThenable(v: unknown): v is PromiseLike<XmlElement | undefined> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

const ATTRD_UPDATES = new Set(['update', 'update-both', 'update-delay']);

/**
 * The request rewrites Pacemaker's controller applies before relaying (`remote_proxy_cb`,
 * `crmd_remote_proxy_cb`): remote nodes do not know their cluster name, the owner does.
 */
export function controllerRewrites(channel: string, message: XmlElement, node: string): XmlElement {
  const a = message.attrs;
  if (channel === 'attrd' && (a.t ?? '').toLowerCase() === 'attrd' && a.attr_host === undefined && ATTRD_UPDATES.has(a.task ?? '')) {
    return { ...message, attrs: { ...a, attr_host: node } };
  }
  if (channel === 'crmd' && (a.crm_task ?? '').toLowerCase() === 'node-info') {
    const id = Number.parseInt(a.id ?? '0', 10);
    if (!(id > 0) && a.uname === undefined) return { ...message, attrs: { ...a, uname: node } };
  }
  return message;
}
