/**
 * `RemoteSession`: one registered connection to a pacemaker-remoted, with typed executor operations.
 *
 * Matching rules (protocol.md §3.2): replies are matched to requests by `lrmd_remote_msg_id`; poke and exec
 * results are matched by the daemon's call id, which the reply carries. Notifications are broadcast by the
 * daemon to every client, so anything not ours is only surfaced as a `notify` event.
 */
import createDebug from 'debug';
import { EventEmitter } from 'eventemitter3';
import { FrameDecoder, encodeFrame } from '../codec/index.js';
import { ErrorCodes, RemoteConnError, isRemoteConnError, operationFailed } from '../errors.js';
import {
  Op,
  IpcOp,
  alertExecRequest,
  cancelRequest,
  execRequest,
  getRecurringRequest,
  parseRecurringOps,
  pokeRequest,
  registerRequest,
  registerResourceRequest,
  resourceInfoRequest,
  serializeXml,
  shutdownAnswer,
  unregisterResourceRequest,
  type AlertExecRequest,
  type OpResult,
  type RecurringOp,
  type ResourceDefinition,
  type XmlElement,
} from '../messages/index.js';
import type { Transport, TransportInfo } from '../transport/transport.js';
import type { ConnectTimings, DaemonInfo, ExecOptions, RemoteSessionEvents, RequestOptions, SessionCloseEvent, ShutdownRequestEvent } from './events.js';
import { resolveSessionOptions, type RemoteSessionOptions, type ResolvedSessionOptions } from './options.js';
import { connectSession } from './connect.js';
import { daemonInfoFromRegisterReply, registerFailure } from './register.js';
import { RequestTable, type PendingCall, type ReplyMessage } from './request-table.js';
import { agentMetadata } from './agent-metadata.js';
import { InboundReader, dispatchInbound } from './inbound.js';
import { RelayDispatcher, type RelayStats } from '../relay/dispatcher.js';
import type { IpcRelay } from '../relay/types.js';

export type * from './events.js';

const debug = createDebug('pcmk-remote:session');

/** One registered session with a pacemaker-remoted. Create it with {@link RemoteSession.connect}. */
export class RemoteSession extends EventEmitter<RemoteSessionEvents> {
  /** The daemon's protocol version from the register reply. */
  readonly protocolVersion: string;
  /** Everything the register reply said about the daemon. */
  readonly daemon: DaemonInfo;
  /** The host and port we connected to. */
  readonly host: string;
  readonly port: number;
  /** What TLS negotiated. */
  readonly transportInfo: TransportInfo;
  /** Durations of the connection steps. */
  readonly timings: ConnectTimings = { tcpMs: 0, tlsMs: 0, registerMs: 0, totalMs: 0 };

  #transport: Transport;
  #reader: InboundReader;
  #requestTimeoutMs: number;
  #resultGraceMs: number;
  #frameId = 1n;
  #table = new RequestTable((what, ms) => this.#timeout(what, ms));
  #closed = false;
  #closing = false;
  /** The transport closed; the session closes once the messages received before are delivered. */
  #ending = false;
  #shutdownRequested = false;
  #closedPromise: Promise<SessionCloseEvent>;
  #resolveClosed!: (e: SessionCloseEvent) => void;
  #relay: RelayDispatcher;

  /** @internal Use {@link RemoteSession.connect}. */
  private constructor(
    transport: Transport,
    init: { host: string; port: number; decoder: FrameDecoder; requestTimeoutMs: number; resultGraceMs: number; daemon: DaemonInfo; relay: { relay: IpcRelay | undefined; node: string; responseTimeoutMs: number } },
  ) {
    super();
    this.#transport = transport;
    this.#requestTimeoutMs = init.requestTimeoutMs;
    this.#resultGraceMs = init.resultGraceMs;
    this.host = init.host;
    this.port = init.port;
    this.daemon = init.daemon;
    this.protocolVersion = init.daemon.protocolVersion;
    this.transportInfo = transport.info;
    this.#closedPromise = new Promise((r) => (this.#resolveClosed = r));
    this.#relay = new RelayDispatcher({
      relay: init.relay.relay,
      node: init.relay.node,
      responseTimeoutMs: init.relay.responseTimeoutMs,
      send: (message) => this.#request(Op.IPC_FWD, message).then(() => undefined),
      onError: (event) => this.emit('relay-error', event),
    });
    const target = { host: this.host, port: this.port, emit: this.emit.bind(this), onProxy: (op: string, e: XmlElement) => this.#onProxy(op, e) };
    this.#reader = new InboundReader(init.decoder, {
      message: (msg) => dispatchInbound(msg, this.#table, target),
      fail: (err) => this.#fail(err),
      isClosed: () => this.#closed,
      pause: () => transport.pause?.(),
      resume: () => transport.resume?.(),
    });
    transport.on('data', (chunk) => this.#reader.push(chunk));
    transport.on('close', (err) => this.#onTransportClose(err));
  }

  /**
   * Connects (TCP, TLS, register) within `connectTimeoutMs`.
   *
   * @throws RemoteConnError `CONNECT_REFUSED`, `CONNECT_TIMEOUT`, `HOST_NOT_FOUND`, `CONNECT_FAILED`,
   *   `AUTH_FAILED`, `TLS_ERROR`, `KEY_*`, `PROTOCOL_MISMATCH`, `PROTOCOL_ERROR`, `ABORTED`, `INVALID_ARGUMENT`
   */
  static async connect(options: RemoteSessionOptions): Promise<RemoteSession> {
    const o = await resolveSessionOptions(options);
    return connectSession(o, (transport, signal) => RemoteSession.#register(transport, o, signal));
  }

  static async #register(transport: Transport, o: ResolvedSessionOptions, signal: AbortSignal): Promise<RemoteSession> {
    // The register exchange runs on a provisional session so the same reply machinery is used.
    const decoder = new FrameDecoder({ maxMessageSize: o.maxMessageSize });
    const provisional = new RemoteSession(transport, {
      host: o.host,
      port: o.port,
      decoder,
      requestTimeoutMs: o.requestTimeoutMs,
      resultGraceMs: o.resultGraceMs,
      daemon: { protocolVersion: '', clientId: '' },
      relay: { relay: o.ipcRelay, node: o.nodeName, responseTimeoutMs: o.relayResponseTimeoutMs },
    });
    // Close events during registration are reported through the rejection instead.
    const reply = await provisional.#request(
      Op.REGISTER,
      registerRequest({ clientName: o.clientName, protocolVersion: o.protocolVersion, ipcProvider: o.ipcProvider }),
      { signal, timeoutMs: Number.MAX_SAFE_INTEGER },
    ).catch((err: unknown) => {
      throw registerFailure(err, transport, o);
    });
    let daemon: DaemonInfo;
    try {
      daemon = daemonInfoFromRegisterReply(reply, o);
    } catch (err) {
      void provisional.close();
      throw err;
    }
    Object.assign(provisional, { daemon, protocolVersion: daemon.protocolVersion });
    return provisional;
  }

  /** True once the session has ended. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Resolves when the session has ended (never rejects). */
  get whenClosed(): Promise<SessionCloseEvent> {
    return this.#closedPromise;
  }

  /**
   * Liveness probe, as the controller's monitor does it: resolves when the daemon's poke notification
   * arrives (not merely the reply), with the round-trip time.
   */
  async poke(options: RequestOptions = {}): Promise<{ rttMs: number }> {
    const start = performance.now();
    const timeoutMs = options.timeoutMs ?? this.#requestTimeoutMs;
    // The notification can arrive in the same chunk as the reply: the waiter is registered synchronously
    // when the reply is dispatched, before any await.
    let call: PendingCall | undefined;
    const reply = await this.#request(Op.POKE, pokeRequest(), { ...(options.signal ? { signal: options.signal } : {}), timeoutMs }, (r) => {
      if (r.rc >= 0) call = this.#table.registerCall(r.callId, 'poke', false);
    });
    if (reply.rc < 0 || !call) throw operationFailed(Op.POKE, reply.rc);
    // One budget for reply and notification.
    const deadline = AbortSignal.timeout(Math.max(1, Math.round(timeoutMs - (performance.now() - start))));
    await this.#table.awaitCall(call, { deadline, caller: options.signal, startedAt: start }, () => this.#timeout(Op.POKE, timeoutMs));
    return { rttMs: performance.now() - start };
  }

  /** Defines a resource on the node (`lrmd_rsc_register`, with drop-recurring as the controller does). */
  async registerResource(definition: ResourceDefinition, options: RequestOptions = {}): Promise<void> {
    const reply = await this.#request(Op.RSC_REGISTER, registerResourceRequest(definition), options);
    if (reply.rc < 0) throw operationFailed(Op.RSC_REGISTER, reply.rc, { resource: definition.id });
  }

  /**
   * Removes a resource definition. Resolves `{ wasRunningOp: true }` when an operation was in flight
   * (`-EINPROGRESS`; the resource is removed anyway). Unknown ids succeed, as on the daemon.
   */
  async unregisterResource(id: string, options: RequestOptions = {}): Promise<{ wasRunningOp: boolean }> {
    const reply = await this.#request(Op.RSC_UNREGISTER, unregisterResourceRequest(id), options);
    if (reply.rc === -115) return { wasRunningOp: true };
    if (reply.rc < 0) throw operationFailed(Op.RSC_UNREGISTER, reply.rc, { resource: id });
    return { wasRunningOp: false };
  }

  /** The definition of a registered resource, or `undefined` if the daemon does not know it (`-ENODEV`). */
  async resourceInfo(id: string, options: RequestOptions = {}): Promise<ResourceDefinition | undefined> {
    const reply = await this.#request(Op.RSC_INFO, resourceInfoRequest(id), options);
    if (reply.rc === -19) return undefined;
    if (reply.rc < 0) throw operationFailed(Op.RSC_INFO, reply.rc, { resource: id });
    const a = reply.element.attrs;
    const def: ResourceDefinition = { id: a.lrmd_rsc_id ?? id, standard: a.lrmd_class ?? '', type: a.lrmd_type ?? '' };
    if (a.lrmd_provider) def.provider = a.lrmd_provider;
    return def;
  }

  /**
   * Runs an agent action. Resolves with the result notification. For a recurring action
   * (`intervalMs > 0`) it resolves with the first reported result; later results arrive as `op-result`
   * events until {@link cancel}, a `stop` of the resource, or the end of the session.
   *
   * @throws RemoteConnError `OPERATION_FAILED` (e.g. `-ENODEV`: resource not registered), `REQUEST_TIMEOUT`,
   *   `CLOSED`, `ABORTED`
   */
  async exec(options: ExecOptions): Promise<OpResult> {
    const element = execRequest(options);
    const startedAt = performance.now();
    const resultTimeoutMs = options.resultTimeoutMs ?? options.timeoutMs + (options.startDelayMs ?? 0) + this.#resultGraceMs;
    const recurring = (options.intervalMs ?? 0) > 0;
    let call: PendingCall | undefined;
    const reply = await this.#request(Op.RSC_EXEC, element, options.signal ? { signal: options.signal } : {}, (r) => {
      // The result can arrive in the same chunk as the reply (fast agents): register before any await.
      if (r.rc > 0) call = this.#table.registerCall(r.rc, 'exec', recurring);
    });
    if (reply.rc <= 0 || !call) throw operationFailed(Op.RSC_EXEC, reply.rc, { resource: options.resource, action: options.action });
    const deadline = AbortSignal.timeout(resultTimeoutMs);
    return (await this.#table.awaitCall(call, { deadline, caller: options.signal, startedAt }, () =>
      this.#timeout(`${options.action} of ${options.resource}`, resultTimeoutMs),
    )) as OpResult;
  }

  /**
   * Cancels a recurring action. The daemon then reports the cancelled op once more (status 1) as an
   * `op-result` event.
   * @throws RemoteConnError `OPERATION_FAILED` with errno `EOPNOTSUPP` when no such recurring op exists,
   *   `ENODEV` when the resource is unknown
   */
  async cancel(resource: string, action: string, intervalMs: number, options: RequestOptions = {}): Promise<void> {
    const reply = await this.#request(Op.RSC_CANCEL, cancelRequest(resource, action, intervalMs), options);
    if (reply.rc < 0) throw operationFailed(Op.RSC_CANCEL, reply.rc, { resource, action, intervalMs });
  }

  /** Recurring operations known to the daemon, for one resource or all. */
  async recurringOps(resource?: string, options: RequestOptions = {}): Promise<RecurringOp[]> {
    const reply = await this.#request(Op.GET_RECURRING, getRecurringRequest(resource), options);
    if (reply.rc < 0) throw operationFailed(Op.GET_RECURRING, reply.rc, resource ? { resource } : {});
    return parseRecurringOps(reply.element);
  }

  /** Runs an alert agent on the node. The daemon never reports its result. */
  async alertExec(request: AlertExecRequest, options: RequestOptions = {}): Promise<void> {
    const reply = await this.#request(Op.ALERT_EXEC, alertExecRequest(request), options);
    if (reply.rc < 0) throw operationFailed(Op.ALERT_EXEC, reply.rc, { alert: request.id });
  }

  /**
   * An agent's meta-data XML, produced on the remote node. Listing agents and meta-data are not wire
   * operations, so this registers a temporary resource, runs its `meta-data` action, and removes it again.
   * 2.1.5–2.1.7's `\n` escaping is undone.
   *
   * @throws RemoteConnError `OPERATION_FAILED` when the agent cannot run (e.g. not installed: rc 5)
   */
  metadata(agent: Omit<ResourceDefinition, 'id'>, options: RequestOptions & { timeoutMs?: number } = {}): Promise<string> {
    return agentMetadata(this, agent, options);
  }

  /** Answers a shutdown request with `shutdown_ack`. Resolves `false` if it could not be delivered. */
  ackShutdown(): Promise<boolean> {
    return this.#answerShutdown(true);
  }

  /** Answers a shutdown request with `shutdown_nack` (the daemon exits at once). */
  nackShutdown(): Promise<boolean> {
    return this.#answerShutdown(false);
  }

  /** Sends TLS close_notify and closes. Pending requests reject with `CLOSED`. Idempotent. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closing = true;
      // Nothing received from now on is delivered; reading goes on (if paused) so the close completes.
      this.#reader.stop();
      await this.#transport.close();
    }
    await this.#closedPromise;
  }

  /** `await using s = await RemoteSession.connect(...)`: {@link close} when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Tears the connection down at once (no close_notify). */
  destroy(error?: RemoteConnError): void {
    if (this.#closed) return;
    this.#closing = error === undefined;
    this.#reader.stop();
    this.#transport.destroy(error);
  }

  // ---- internals -------------------------------------------------------------------------------

  #timeout(what: string, ms: number): RemoteConnError {
    return new RemoteConnError(ErrorCodes.REQUEST_TIMEOUT, `No answer from ${this.host}:${this.port} to ${what} within ${ms} ms`, {
      details: { host: this.host, port: this.port, op: what },
    });
  }

  async #answerShutdown(ack: boolean): Promise<boolean> {
    if (this.#closed) return false;
    try {
      await this.#request(Op.IPC_FWD, shutdownAnswer(ack), { timeoutMs: this.#requestTimeoutMs });
      return true;
    } catch (err) {
      // 2.1.5 exits right after shutdown_req: an answer that can no longer be delivered is expected.
      if (isRemoteConnError(err, ErrorCodes.CLOSED) || isRemoteConnError(err, ErrorCodes.REQUEST_TIMEOUT)) return false;
      throw err;
    }
  }

  #send(element: XmlElement, msgId: number): Promise<void> {
    element.attrs.lrmd_remote_msg_id = String(msgId);
    element.attrs.lrmd_remote_msg_type = 'request';
    const { header, payload } = encodeFrame(serializeXml(element), this.#frameId++);
    // Header and payload as two writes: the transport puts each in TLS records of its own.
    const h = this.#transport.write(header);
    const p = this.#transport.write(payload);
    return Promise.all([h, p]).then(() => undefined);
  }

  /**
   * Sends a request and resolves with its reply. `onReply` runs synchronously when the reply is
   * dispatched, before the promise settles, so that follow-up waiters exist before the next message of
   * the same chunk is dispatched.
   */
  #request(
    op: string,
    element: XmlElement,
    options: RequestOptions = {},
    onReply?: (reply: ReplyMessage) => void,
  ): Promise<ReplyMessage> {
    if (this.#closed) return Promise.reject(new RemoteConnError(ErrorCodes.CLOSED, `Cannot send ${op}: the session is closed`, { details: { op } }));
    const timeoutMs = options.timeoutMs ?? this.#requestTimeoutMs;
    return this.#table.request(op, options, timeoutMs, (msgId) => this.#send(element, msgId), onReply);
  }

  #onProxy(ipcOp: string, element: XmlElement): void {
    if (ipcOp.toLowerCase() === IpcOp.SHUTDOWN_REQ) {
      this.#shutdownRequested = true;
      debug('%s:%d: shutdown requested by the daemon', this.host, this.port);
      const event: ShutdownRequestEvent = { ack: () => this.ackShutdown(), nack: () => this.nackShutdown() };
      if (this.listenerCount('shutdown-request') === 0) void this.ackShutdown();
      else this.emit('shutdown-request', event);
      return;
    }
    // Local tools of the remote node: served by the relay, or destroyed at once (protocol.md §3.6).
    this.#relay.handle(element);
  }

  /** Counters of the IPC relay of this session (sessions served, refused, requests, ...). */
  get relayStats(): Readonly<RelayStats> {
    return { ...this.#relay.stats };
  }

  #fail(error: RemoteConnError): void {
    debug('%s:%d: closing on %s: %s', this.host, this.port, error.code, error.message);
    this.#transport.destroy(error);
  }

  #onTransportClose(err: Error | undefined): void {
    if (this.#closed || this.#ending) return;
    this.#ending = true;
    // What the peer sent before it closed is still delivered, in order; after our own close or a failure
    // of ours, nothing more is.
    if (this.#closing || err instanceof RemoteConnError) this.#reader.stop();
    this.#reader.drain(() => this.#finishClose(err));
  }

  #finishClose(err: Error | undefined): void {
    this.#closed = true;
    // A local close is not a peer error: a partial frame or a socket error seen while we close is not
    // reported (an error given to destroy() is, and then the close is not local).
    const error = this.#closing ? undefined : this.#reader.closeError(err, this.host, this.port);
    const closedErr = new RemoteConnError(
      ErrorCodes.CLOSED,
      `The session with ${this.host}:${this.port} closed${error ? ` (${error.message})` : ''}`,
      { ...(error ? { cause: error } : {}), details: { host: this.host, port: this.port } },
    );
    this.#table.rejectAll(closedErr);
    this.#relay.close();
    const event: SessionCloseEvent = { afterShutdownRequest: this.#shutdownRequested, local: this.#closing };
    if (error) event.error = error;
    this.emit('close', event);
    this.#resolveClosed(event);
  }
}
