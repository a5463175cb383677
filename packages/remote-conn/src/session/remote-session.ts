/**
 * `RemoteSession`: one registered connection to a pacemaker-remoted, with typed executor operations.
 *
 * Matching rules (protocol.md §3.2): replies are matched to requests by `lrmd_remote_msg_id`; poke and exec
 * results are matched by the daemon's call id, which the reply carries. Notifications are broadcast by the
 * daemon to every client, so anything not ours is only surfaced as a `notify` event.
 */
import { randomUUID } from 'node:crypto';
import createDebug from 'debug';
import { EventEmitter } from 'eventemitter3';
import { FrameDecoder, encodeFrame } from '../codec/index.js';
import { ErrorCodes, RemoteConnError, abortedError, isRemoteConnError, operationFailed } from '../errors.js';
import {
  Op,
  IpcOp,
  alertExecRequest,
  cancelRequest,
  classifyInbound,
  execRequest,
  getRecurringRequest,
  ipcDestroy,
  parseRecurringOps,
  parseXml,
  pokeRequest,
  registerRequest,
  registerResourceRequest,
  resourceInfoRequest,
  serializeXml,
  shutdownAnswer,
  unescapeLegacyNewlines,
  unregisterResourceRequest,
  type AlertExecRequest,
  type ExecRequest,
  type InboundMessage,
  type OpResult,
  type RecurringOp,
  type ResourceDefinition,
  type XmlElement,
} from '../messages/index.js';
import type { Transport, TransportInfo } from '../transport/transport.js';
import { isCredentialAlert } from '../transport/node-tls.js';
import { clientCertProblem } from '../transport/x509-diagnose.js';
import { resolveSessionOptions, type RemoteSessionOptions } from './options.js';

const debug = createDebug('pcmk-remote:session');

/** The PSK identity Pacemaker's own client sends, and the only one 3.0.2+ daemons accept. */
const DEFAULT_IDENTITY = 'lrmd';
/** Why a register can go unanswered (protocol.md §5.1). */
const REGISTER_SILENCE_HINT =
  ': the daemon did not answer the register. Pacemaker 3.0.2 and later send no reply to a register they reject (such as a protocol version below 1)';
/** Why a session closed. */
export interface SessionCloseEvent {
  /** Set when the connection ended abnormally (reset, TLS error, malformed frame, ...). */
  error?: RemoteConnError;
  /** The daemon had asked to shut down before the connection ended: a graceful stop, not a failure. */
  afterShutdownRequest: boolean;
  /** `close()` was called on our side. */
  local: boolean;
}

/** A request from the daemon to shut down (SIGTERM on the remote node). */
export interface ShutdownRequestEvent {
  /** Tell the daemon its resources were moved away; resolves `false` if it can no longer be delivered. */
  ack(): Promise<boolean>;
  /** Refuse; the daemon exits at once. Resolves `false` if it can no longer be delivered. */
  nack(): Promise<boolean>;
}

/** A generic notification (poke, resource register/unregister), ours or another client's. */
export interface NotifyEvent {
  op: string;
  rc: number;
  callId: number;
  resource?: string;
  /** The notification answers one of our own requests. */
  ours: boolean;
}

/** Events of a {@link RemoteSession}. */
export interface RemoteSessionEvents {
  /** A result of one of our exec requests (one-shot or each reported run of a recurring one). */
  'op-result': (result: OpResult) => void;
  /** An exec result that belongs to another client of the same daemon. */
  'foreign-op-result': (result: OpResult) => void;
  notify: (event: NotifyEvent) => void;
  /** The daemon asks to shut down. With no listener, the session acks at once (nothing to move). */
  'shutdown-request': (event: ShutdownRequestEvent) => void;
  /** Another client completed a TLS handshake with the daemon (`lrmd_rsc_new_client`). */
  'new-client': () => void;
  /** The session ended. Emitted once. */
  close: (event: SessionCloseEvent) => void;
}

/** What the register reply told us about the daemon. */
export interface DaemonInfo {
  /** The daemon's executor protocol version (`1.1` for 2.1.5–2.1.7, `1.2` for 2.1.8+). */
  protocolVersion: string;
  /** Our client id on the daemon. */
  clientId: string;
  /** Seconds since the daemon started (2.1.6+). */
  uptimeS?: number;
  /** `PCMK_node_start_state` of the remote node (2.1.7+), when set. */
  nodeStartState?: string;
}

/** How long each connection step took, ms. */
export interface ConnectTimings {
  tcpMs: number;
  tlsMs: number;
  /** The register round trip. */
  registerMs: number;
  totalMs: number;
}

/** Options of one request. */
export interface RequestOptions {
  /** Reply timeout (default: the session's `requestTimeoutMs`). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Options of {@link RemoteSession.exec}. */
export interface ExecOptions extends ExecRequest {
  /**
   * How long to wait for the result notification. Default: the op timeout plus start delay plus
   * `resultGraceMs` (the daemon enforces the op timeout itself and then reports status 2).
   */
  resultTimeoutMs?: number;
  signal?: AbortSignal;
}

interface PendingReply {
  resolve: (reply: InboundMessage & { type: 'reply' }) => void;
  reject: (err: Error) => void;
  op: string;
}

interface CallWaiter {
  kind: 'poke' | 'exec';
  recurring: boolean;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  settled: boolean;
}

/** A call whose notification is awaited. */
interface PendingCall {
  callId: number;
  waiter: CallWaiter;
  promise: Promise<unknown>;
}

const MAX_MSG_ID = 0x7fffffff;

/** True for the reason of a signal made by `AbortSignal.timeout()`. */
function isTimeoutReason(reason: unknown): boolean {
  return typeof reason === 'object' && reason !== null && (reason as { name?: unknown }).name === 'TimeoutError';
}

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
  #decoder: FrameDecoder;
  #requestTimeoutMs: number;
  #resultGraceMs: number;
  #nextMsgId = 1;
  #frameId = 1n;
  #pending = new Map<number, PendingReply>();
  #calls = new Map<number, CallWaiter>();
  #closed = false;
  #closing = false;
  #shutdownRequested = false;
  #closeEvent: SessionCloseEvent | undefined;
  #closedPromise: Promise<SessionCloseEvent>;
  #resolveClosed!: (e: SessionCloseEvent) => void;

  /** @internal Use {@link RemoteSession.connect}. */
  private constructor(transport: Transport, init: { host: string; port: number; decoder: FrameDecoder; requestTimeoutMs: number; resultGraceMs: number; daemon: DaemonInfo }) {
    super();
    this.#transport = transport;
    this.#decoder = init.decoder;
    this.#requestTimeoutMs = init.requestTimeoutMs;
    this.#resultGraceMs = init.resultGraceMs;
    this.host = init.host;
    this.port = init.port;
    this.daemon = init.daemon;
    this.protocolVersion = init.daemon.protocolVersion;
    this.transportInfo = transport.info;
    this.#closedPromise = new Promise((r) => (this.#resolveClosed = r));
    transport.on('data', (chunk) => this.#onData(chunk));
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
    const started = performance.now();
    const deadline = new AbortController();
    const timeoutError = (phase: string) =>
      new RemoteConnError(
        ErrorCodes.CONNECT_TIMEOUT,
        `Connecting to ${o.host}:${o.port} timed out after ${o.connectTimeoutMs} ms (during ${phase})${phase === 'register' ? REGISTER_SILENCE_HINT : ''}`,
        { details: { phase: phase as 'tcp', host: o.host, port: o.port } },
      );
    let phase: 'tcp' | 'tls' | 'register' = 'tcp';
    let tcpAt = started;
    const timer = setTimeout(() => deadline.abort(timeoutError(phase)), o.connectTimeoutMs);
    const signals = [deadline.signal, ...(o.signal ? [o.signal] : [])];
    const signal = signals.length === 1 ? deadline.signal : AbortSignal.any(signals);
    let transport: Transport | undefined;
    try {
      transport = await o.connector({
        host: o.host,
        port: o.port,
        ...(o.key ? { key: o.key } : {}),
        ...(o.x509 ? { x509: o.x509 } : {}),
        identity: o.identity,
        tls: o.tls,
        signal,
        onTcpConnected: () => {
          phase = 'tls';
          tcpAt = performance.now();
        },
      });
      phase = 'register';
      const tlsAt = performance.now();
      if (o.keepAliveMs !== undefined) transport.setKeepAlive(true, o.keepAliveMs);
      const session = await RemoteSession.#register(transport, o, signal);
      const done = performance.now();
      Object.assign(session.timings, { tcpMs: tcpAt - started, tlsMs: tlsAt - tcpAt, registerMs: done - tlsAt, totalMs: done - started });
      debug('session %s:%d up in %d ms (%s %s, daemon protocol %s)', o.host, o.port, Math.round(performance.now() - started), transport.info.protocol, transport.info.cipher, session.protocolVersion);
      return session;
    } catch (err) {
      transport?.destroy();
      if (isRemoteConnError(err, ErrorCodes.AUTH_FAILED) && !o.x509 && o.identity !== DEFAULT_IDENTITY) {
        // 3.0.2+ daemons refuse any PSK identity but `lrmd`; older ones ignore it (protocol.md §1.3).
        throw new RemoteConnError(ErrorCodes.AUTH_FAILED, `${err.message} (or the PSK identity: Pacemaker 3.0.2 and later accept only "${DEFAULT_IDENTITY}", this client sent ${JSON.stringify(o.identity)})`, {
          cause: err,
          details: err.details,
        });
      }
      if (signal.aborted && !(err instanceof RemoteConnError && err.code !== ErrorCodes.ABORTED && err.code !== ErrorCodes.CLOSED)) {
        throw abortedError(signal, `Connecting to ${o.host}:${o.port}`);
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  static async #register(transport: Transport, o: Awaited<ReturnType<typeof resolveSessionOptions>>, signal: AbortSignal): Promise<RemoteSession> {
    // The register exchange runs on a provisional session so the same reply machinery is used.
    const decoder = new FrameDecoder({ maxMessageSize: o.maxMessageSize });
    const provisional = new RemoteSession(transport, {
      host: o.host,
      port: o.port,
      decoder,
      requestTimeoutMs: o.requestTimeoutMs,
      resultGraceMs: o.resultGraceMs,
      daemon: { protocolVersion: '', clientId: '' },
    });
    // Close events during registration are reported through the rejection instead.
    const reply = await provisional.#request(
      Op.REGISTER,
      registerRequest({ clientName: o.clientName, protocolVersion: o.protocolVersion, ipcProvider: o.ipcProvider }),
      { signal, timeoutMs: Number.MAX_SAFE_INTEGER },
    ).catch((err: unknown) => {
      if (isRemoteConnError(err, ErrorCodes.CLOSED) && isCredentialAlert(err)) {
        throw new RemoteConnError(ErrorCodes.AUTH_FAILED, `The daemon at ${o.host}:${o.port} refused our credentials after the TLS handshake (a client certificate its CA did not sign?)`, {
          cause: err,
          details: { phase: 'tls', host: o.host, port: o.port },
        });
      }
      if (isRemoteConnError(err, ErrorCodes.CLOSED) && o.x509) {
        // Pacemaker 3.0 verifies our certificate after the TLS 1.3 handshake and just closes: name the likely cause.
        throw new RemoteConnError(ErrorCodes.AUTH_FAILED, `The daemon at ${o.host}:${o.port} closed the connection right after the TLS handshake: ${clientCertProblem(o.x509)}`, {
          cause: err,
          details: { phase: 'tls', host: o.host, port: o.port },
        });
      }
      if (isRemoteConnError(err, ErrorCodes.CLOSED)) {
        throw new RemoteConnError(ErrorCodes.PROTOCOL_ERROR, `The daemon at ${o.host}:${o.port} closed the connection during registration`, {
          cause: err,
          details: { phase: 'register', host: o.host, port: o.port },
        });
      }
      throw err;
    });
    const a = reply.element.attrs;
    if (reply.rc === -71) {
      void provisional.close();
      throw new RemoteConnError(
        ErrorCodes.PROTOCOL_MISMATCH,
        `The daemon at ${o.host}:${o.port} refused protocol version ${o.protocolVersion} (it speaks ${a.lrmd_protocol_version ?? 'an unknown version'})`,
        { details: { phase: 'register', host: o.host, port: o.port, rc: reply.rc, errno: 'EPROTO', daemonVersion: a.lrmd_protocol_version } },
      );
    }
    if (reply.rc !== 0) {
      void provisional.close();
      throw operationFailed('register', reply.rc, { phase: 'register', host: o.host, port: o.port });
    }
    if ((a.lrmd_op ?? '').toLowerCase() !== Op.REGISTER || !a.lrmd_clientid) {
      void provisional.close();
      throw new RemoteConnError(ErrorCodes.PROTOCOL_ERROR, `Invalid register reply from ${o.host}:${o.port} (no client id)`, {
        details: { phase: 'register', host: o.host, port: o.port },
      });
    }
    const daemon: DaemonInfo = { protocolVersion: a.lrmd_protocol_version ?? '1.0', clientId: a.lrmd_clientid };
    const uptime = a.uptime === undefined ? Number.NaN : Number.parseInt(a.uptime, 10);
    if (Number.isFinite(uptime)) daemon.uptimeS = uptime;
    if (a.node_start_state) daemon.nodeStartState = a.node_start_state;
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
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    // The notification can arrive in the same chunk as the reply: the waiter is registered synchronously
    // when the reply is dispatched, before any await.
    let call: PendingCall | undefined;
    const reply = await this.#request(Op.POKE, pokeRequest(), { signal, timeoutMs }, (r) => {
      if (r.rc >= 0) call = this.#registerCall(r.callId, 'poke', false);
    });
    if (reply.rc < 0 || !call) throw operationFailed(Op.POKE, reply.rc);
    await this.#awaitCall(call, signal, () => this.#timeout(Op.POKE, timeoutMs));
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
    const resultTimeoutMs = options.resultTimeoutMs ?? options.timeoutMs + (options.startDelayMs ?? 0) + this.#resultGraceMs;
    const recurring = (options.intervalMs ?? 0) > 0;
    let call: PendingCall | undefined;
    const reply = await this.#request(Op.RSC_EXEC, element, options.signal ? { signal: options.signal } : {}, (r) => {
      // The result can arrive in the same chunk as the reply (fast agents): register before any await.
      if (r.rc > 0) call = this.#registerCall(r.rc, 'exec', recurring);
    });
    if (reply.rc <= 0 || !call) throw operationFailed(Op.RSC_EXEC, reply.rc, { resource: options.resource, action: options.action });
    const deadline = AbortSignal.timeout(resultTimeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    return (await this.#awaitCall(call, signal, () => this.#timeout(`${options.action} of ${options.resource}`, resultTimeoutMs))) as OpResult;
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
  async metadata(agent: Omit<ResourceDefinition, 'id'>, options: RequestOptions & { timeoutMs?: number } = {}): Promise<string> {
    const id = `pcmk-remote-metadata-${randomUUID()}`;
    await this.registerResource({ ...agent, id }, options);
    try {
      const r = await this.exec({ resource: id, action: 'meta-data', timeoutMs: options.timeoutMs ?? 10_000, ...(options.signal ? { signal: options.signal } : {}) });
      if (r.opStatus !== 0 || r.rc !== 0) {
        throw new RemoteConnError(
          ErrorCodes.OPERATION_FAILED,
          `meta-data of ${agent.standard}:${agent.provider ? `${agent.provider}:` : ''}${agent.type} failed: rc ${r.rc}, status ${r.opStatus}${r.exitReason ? ` (${r.exitReason})` : ''}`,
          { details: { op: 'meta-data', rc: r.rc, opStatus: r.opStatus } },
        );
      }
      const out = r.output ?? '';
      return this.#legacyEscaping() ? unescapeLegacyNewlines(out) : out;
    } finally {
      if (!this.#closed) await this.unregisterResource(id).catch(() => undefined);
    }
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
      await this.#transport.close();
    }
    await this.#closedPromise;
  }

  /** Tears the connection down at once (no close_notify). */
  destroy(error?: RemoteConnError): void {
    if (this.#closed) return;
    this.#closing = error === undefined;
    this.#transport.destroy(error);
  }

  // ---- internals -------------------------------------------------------------------------------

  #legacyEscaping(): boolean {
    const [maj = 0, min = 0] = this.protocolVersion.split('.').map((x) => Number.parseInt(x, 10));
    return maj < 1 || (maj === 1 && min < 2);
  }

  /** A deadline signal (AbortSignal.timeout) becomes REQUEST_TIMEOUT; anything else ABORTED. */
  #abortReason(signal: AbortSignal, what: string, timeoutMs: number): RemoteConnError {
    return isTimeoutReason(signal.reason) ? this.#timeout(what, timeoutMs) : abortedError(signal, what);
  }

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
    onReply?: (reply: InboundMessage & { type: 'reply' }) => void,
  ): Promise<InboundMessage & { type: 'reply' }> {
    if (this.#closed) return Promise.reject(new RemoteConnError(ErrorCodes.CLOSED, `Cannot send ${op}: the session is closed`, { details: { op } }));
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(abortedError(signal, op));
    const msgId = this.#nextMsgId;
    this.#nextMsgId = msgId >= MAX_MSG_ID ? 1 : msgId + 1;
    const timeoutMs = options.timeoutMs ?? this.#requestTimeoutMs;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(msgId);
      };
      const onAbort = () => {
        finish();
        reject(this.#abortReason(signal as AbortSignal, op, timeoutMs));
      };
      this.#pending.set(msgId, {
        op,
        resolve: (r) => {
          finish();
          onReply?.(r);
          resolve(r);
        },
        reject: (e) => {
          finish();
          reject(e);
        },
      });
      if (timeoutMs < Number.MAX_SAFE_INTEGER) {
        timer = setTimeout(() => {
          finish();
          reject(this.#timeout(op, timeoutMs));
        }, timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#send(element, msgId).catch((err: unknown) => {
        const pending = this.#pending.get(msgId);
        pending?.reject(err instanceof RemoteConnError ? err : new RemoteConnError(ErrorCodes.CLOSED, `Cannot send ${op}`, { cause: err }));
      });
    });
  }

  /** Registers a waiter for the notification of call `callId` (synchronously; see {@link #request}). */
  #registerCall(callId: number, kind: 'poke' | 'exec', recurring: boolean): PendingCall {
    let resolve!: (v: unknown) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined); // settled before anyone awaits (e.g. the session closes): no unhandled rejection
    const waiter: CallWaiter = { kind, recurring, settled: false, resolve, reject };
    this.#calls.set(callId, waiter);
    return { callId, waiter, promise };
  }

  /** Waits for a registered call's notification, bounded by `signal`. */
  #awaitCall(call: PendingCall, signal: AbortSignal, onTimeout: () => RemoteConnError): Promise<unknown> {
    const { callId, waiter, promise } = call;
    if (waiter.settled) return promise;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (waiter.settled) return;
        waiter.settled = true;
        if (!waiter.recurring) this.#calls.delete(callId);
        reject(isTimeoutReason(signal.reason) ? onTimeout() : abortedError(signal, waiter.kind));
      };
      promise.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }


  #onData(chunk: Buffer): void {
    let frames;
    try {
      frames = this.#decoder.push(chunk);
    } catch (err) {
      this.#fail(err as RemoteConnError);
      return;
    }
    for (const frame of frames) {
      if (this.#closed) return;
      let msg: InboundMessage;
      try {
        msg = classifyInbound(parseXml(frame.xml));
      } catch (err) {
        this.#fail(err instanceof RemoteConnError ? err : new RemoteConnError(ErrorCodes.XML_INVALID, 'Malformed message', { cause: err }));
        return;
      }
      this.#dispatch(msg);
    }
  }

  #dispatch(msg: InboundMessage): void {
    switch (msg.type) {
      case 'reply': {
        const pending = this.#pending.get(msg.msgId);
        if (pending) pending.resolve(msg);
        else debug('late or unmatched reply id %d ignored', msg.msgId);
        return;
      }
      case 'exec-result': {
        const waiter = this.#calls.get(msg.result.callId);
        if (!waiter || waiter.kind !== 'exec') {
          this.emit('foreign-op-result', msg.result);
          return;
        }
        if (!waiter.recurring || msg.result.opStatus === 1) this.#calls.delete(msg.result.callId);
        this.emit('op-result', msg.result);
        if (!waiter.settled) {
          waiter.settled = true;
          waiter.resolve(msg.result);
        }
        return;
      }
      case 'notify': {
        const waiter = this.#calls.get(msg.callId);
        const ours = !!waiter && waiter.kind === 'poke' && msg.op === Op.POKE;
        if (ours && waiter) {
          this.#calls.delete(msg.callId);
          if (!waiter.settled) {
            waiter.settled = true;
            waiter.resolve(undefined);
          }
        }
        const ev: NotifyEvent = { op: msg.op, rc: msg.rc, callId: msg.callId, ours };
        if (msg.resource !== undefined) ev.resource = msg.resource;
        this.emit('notify', ev);
        return;
      }
      case 'new-client':
        debug('%s:%d: another client connected to the daemon', this.host, this.port);
        this.emit('new-client');
        return;
      case 'proxy':
        this.#onProxy(msg.ipcOp, msg.session);
        return;
      case 'unknown':
        debug('ignoring unknown message <%s>', msg.element.name);
        return;
    }
  }

  #onProxy(ipcOp: string, session: string | undefined): void {
    if (ipcOp === IpcOp.SHUTDOWN_REQ) {
      this.#shutdownRequested = true;
      debug('%s:%d: shutdown requested by the daemon', this.host, this.port);
      const event: ShutdownRequestEvent = { ack: () => this.ackShutdown(), nack: () => this.nackShutdown() };
      if (this.listenerCount('shutdown-request') === 0) void this.ackShutdown();
      else this.emit('shutdown-request', event);
      return;
    }
    if ((ipcOp === IpcOp.NEW || ipcOp === IpcOp.REQUEST) && session) {
      // We do not relay local cluster tools of the remote node: make them fail fast (protocol.md §3.6).
      this.#request(Op.IPC_FWD, ipcDestroy(session)).catch((err: unknown) => debug('proxy destroy failed: %s', (err as Error).message));
    }
  }

  #fail(error: RemoteConnError): void {
    debug('%s:%d: closing on %s: %s', this.host, this.port, error.code, error.message);
    this.#transport.destroy(error);
  }

  #onTransportClose(err: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    // A message cut off by the end of the stream explains the close better than the socket error.
    const leftover = err instanceof RemoteConnError ? undefined : this.#decoder.finish();
    let error: RemoteConnError | undefined;
    if (err instanceof RemoteConnError) error = err;
    else if (leftover) error = leftover;
    else if (err) {
      const code = (err as NodeJS.ErrnoException).code;
      error = new RemoteConnError(ErrorCodes.CLOSED, `Connection to ${this.host}:${this.port} lost: ${code ?? err.message}`, { cause: err, details: { host: this.host, port: this.port } });
    }
    const closedErr = new RemoteConnError(
      ErrorCodes.CLOSED,
      `The session with ${this.host}:${this.port} closed${error ? ` (${error.message})` : ''}`,
      { ...(error ? { cause: error } : {}), details: { host: this.host, port: this.port } },
    );
    for (const p of [...this.#pending.values()]) p.reject(closedErr);
    this.#pending.clear();
    for (const w of [...this.#calls.values()]) {
      if (!w.settled) {
        w.settled = true;
        w.reject(closedErr);
      }
    }
    this.#calls.clear();
    const event: SessionCloseEvent = { afterShutdownRequest: this.#shutdownRequested, local: this.#closing };
    if (error) event.error = error;
    this.#closeEvent = event;
    this.emit('close', event);
    this.#resolveClosed(event);
  }
}
