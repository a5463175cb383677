/**
 * `SimulatedRemoteDaemon`: a TLS-PSK (or X.509) server on 127.0.0.1 that speaks pacemaker-remoted's
 * protocol and behaves like Pacemaker 2.1.5 (or a later version) where the reference or the real daemon
 * shows behaviour, with fault injection for client tests. Many instances can run in one process.
 */
import createDebug from 'debug';
import { EventEmitter } from 'eventemitter3';
import net from 'node:net';
import type tls from 'node:tls';
import { ErrorCodes, RemoteConnError } from '@pcmk-remote/remote-conn/protocol';
import { newClientNotify, parseDaemonRequest, withTransport } from '@pcmk-remote/remote-conn/protocol';
import { parseXml, serializeXml, type XmlElement } from '@pcmk-remote/remote-conn/protocol';
import { AgentRegistry } from './agents.js';
import { ClientSet } from './client-set.js';
import { Executor, type SimResourceInfo } from './executor.js';
import { checkKey, checkMs, resolveDaemonOptions, type PromotionScoreHook, type ResolvedDaemonOptions } from './daemon-options.js';
import { defaultGarbage } from './faults.js';
import { MainLoop } from './main-loop.js';
import { Listener } from './listener.js';
import { ShutdownSequence } from './shutdown-sequence.js';
import { StrictStall } from './strict-stall.js';
import { SimIpcProxy } from './ipc-proxy.js';
import { runSimTool, sendPromotionScore, type SimToolOptions, type SimToolResult } from './sim-tools.js';
import { dispatchRequest, type DispatchHost } from './request-dispatch.js';
import { SimConnection, type ConnectionHost } from './sim-connection.js';
import {
  type SimClientInfo,
  type SimulatedDaemonEvents,
  type SimulatedDaemonOptions,
} from './sim-options.js';
import { acceptTls, type TlsAcceptHost } from './tls-accept.js';
import type { VersionFeatures } from './versions.js';

export type { PromotionScoreHook } from './daemon-options.js';

const debug = createDebug('pcmk-remote:sim');

type State = 'running' | 'exited' | 'disposed';

/**
 * A simulated pacemaker-remoted. Create with {@link SimulatedRemoteDaemon.start}; always {@link stop} it.
 *
 * @example
 * ```ts
 * const sim = await SimulatedRemoteDaemon.start({ key, version: '2.1.5' });
 * sim.agents.set('ocf:pacemaker:Dummy', { start: { rc: 0, delayMs: 20 }, monitor: (c) => ({ rc: c.running ? 0 : 7 }) });
 * // ... connect a client to sim.host:sim.port ...
 * await sim.stop();
 * ```
 */
export class SimulatedRemoteDaemon extends EventEmitter<SimulatedDaemonEvents> {
  /** Scripted agents (default: `ocf:pacemaker:Dummy`, `ocf:heartbeat:Dummy`). Survives restarts. */
  readonly agents = new AgentRegistry();
  /** Behaviour switches of the simulated version. */
  readonly features: VersionFeatures;
  /**
   * Also told of agents' promotion scores (Stateful's `crm_attribute --promotion`). Every call also emits
   * `promotion-score`, and, with an IPC provider connected, is sent through the IPC proxy as the real tool does.
   */
  promotionScoreHook: PromotionScoreHook | undefined;
  /** The node's files (agent state files), kept across restarts like a disk. */
  readonly files = new Map<string, string>();
  readonly host: string;
  readonly nodeName: string;

  #port: number;
  #key: Buffer | undefined;
  /** Options as given (checked, defaults filled in). */
  readonly #o: ResolvedDaemonOptions;
  #replyDelayMs: number;

  #state: State = 'running';
  readonly #listener: Listener;
  #refusing = false;
  #hang = false;
  #paused = false;
  readonly #stall: StrictStall;
  readonly #clients: ClientSet;
  readonly #loop: MainLoop;
  #callId = 0;
  #headerId = 0;
  #startedAt = Date.now();
  readonly #shutdown: ShutdownSequence;
  #executor: Executor;
  readonly #running = new Map<string, boolean>();
  #exitWaiters: Array<() => void> = [];
  readonly #connHost: ConnectionHost;
  readonly #dispatchHost: DispatchHost;
  readonly #tlsHost: TlsAcceptHost;
  readonly #ipcProxy: SimIpcProxy;

  private constructor(options: SimulatedDaemonOptions) {
    super();
    const o = resolveDaemonOptions(options);
    this.#o = o;
    this.features = o.features;
    this.#key = o.key;
    this.host = o.host;
    this.#port = o.port;
    this.nodeName = o.nodeName;
    this.#replyDelayMs = o.replyDelayMs;
    this.promotionScoreHook = undefined;
    this.#clients = new ClientSet(() => this.#replyDelayMs);
    this.#loop = new MainLoop(() => this.#state === 'running', () => this.#frozen());
    this.#executor = this.#newExecutor();
    this.#ipcProxy = new SimIpcProxy({
      provider: () => this.#clients.providers.find((c) => !c.closed),
      notify: (c, n) => this.#clients.notifyOne(c, n),
    });
    const self = this;
    this.#listener = new Listener(this.nodeName);
    this.#stall = new StrictStall({
      label: this.nodeName,
      stallTimeoutMs: o.stallTimeoutMs,
      running: () => this.#state === 'running',
      flowChanged: () => this.#applyFlow(),
      released: () => {
        this.#drainAccepts();
        this.#loop.runDeferred();
      },
    });
    this.#shutdown = new ShutdownSequence({
      label: this.nodeName,
      mode: this.features.shutdown,
      fuseMs: o.fuseMs,
      get replyDelayMs() {
        return self.#replyDelayMs;
      },
      providers: () => this.#clients.providers,
      timer: (ms, fn) => this.#loop.timer(ms, fn),
      closeListener: () => void this.#closeListener(),
      exit: (reason) => this.#exit(reason),
    });
    this.#tlsHost = {
      label: this.nodeName,
      x509: this.#o.x509,
      pskIdentityCheck: this.features.pskIdentityCheck,
      guardHandshake: this.#o.guardHandshake,
      handshakeTimeoutMs: this.#o.handshakeTimeoutMs,
      key: () => this.#key,
      timer: (ms, fn) => this.#loop.timer(ms, fn),
      failed: (info) => this.emit('handshake-failed', info),
      secure: (raw, socket) => this.#onSecure(raw, socket),
    };
    this.#connHost = {
      get label() {
        return self.nodeName;
      },
      nextHeaderId: () => ++this.#headerId,
      get paused() {
        return self.#paused;
      },
      stall: (c) => {
        if (this.features.blockingReader) this.#stall.stall(c); // 3.0+: only the incomplete connection waits
      },
      unstall: (c) => this.#stall.unstall(c),
      message: (c, xml) => this.#onMessage(c, xml),
      invalid: (c, err) => {
        debug('%s: client %s: invalid message, dropping the connection: %s', this.nodeName, c.id, err instanceof Error ? err.message : String(err));
        c.destroy();
      },
      closed: (c) => this.#onConnClosed(c),
    };
    this.#dispatchHost = {
      get label() {
        return self.nodeName;
      },
      features: this.features,
      get executor() {
        return self.#executor;
      },
      get uptimeSeconds() {
        return Math.floor((Date.now() - self.#startedAt) / 1000);
      },
      nodeStartState: this.#o.nodeStartState,
      reply: (c, req, reply) => this.#clients.reply(c, req, reply),
      broadcast: (n) => this.#clients.broadcast(n),
      notifyOne: (c, n) => this.#clients.notifyOne(c, n),
      addProvider: (c) => this.#clients.addProvider(c),
      registered: (c) => this.emit('client-registered', this.#info(c)),
      ipcForward: (c, m) => this.#ipcProxy.forward(c, m),
      shutdownAnswer: (c, ack) => this.#shutdownAnswer(c, ack),
      exit: (reason) => void this.#exit(reason),
    };
  }

  /** Starts a simulated daemon and resolves once it listens. */
  static async start(options: SimulatedDaemonOptions): Promise<SimulatedRemoteDaemon> {
    const sim = new SimulatedRemoteDaemon(options);
    await sim.#listen();
    debug('%s: listening on %s:%d (version %s, %s)', sim.nodeName, sim.host, sim.#port, sim.features.version, sim.#o.x509 ? 'x509' : 'psk');
    return sim;
  }

  /** The port (fixed after the first start; restarts reuse it). */
  get port(): number {
    return this.#port;
  }

  /** The pre-shared key in use (undefined in X.509 mode). */
  get key(): Buffer | undefined {
    return this.#key;
  }

  /** Number of clients whose TLS handshake completed and that are still connected. */
  get clientCount(): number {
    return this.#clients.conns.size;
  }

  /** `running` (serving), `exited` (after shutdown/restart down-time), or `disposed` (after {@link stop}). */
  get state(): State {
    return this.#state;
  }

  /** True while {@link pause} is in effect. */
  get paused(): boolean {
    return this.#paused;
  }

  /** True while the daemon listens (false after {@link refuse}, a shutdown request, or an exit). */
  get listening(): boolean {
    return this.#listener.listening;
  }

  /** The daemon's call counter (last call id assigned). */
  get lastCallId(): number {
    return this.#callId;
  }

  /** Connected clients. */
  clients(): SimClientInfo[] {
    return [...this.#clients.conns].map((c) => this.#info(c));
  }

  /** Registered resources with their operations. */
  resources(): SimResourceInfo[] {
    return this.#executor.snapshot();
  }

  /** Sets whether a resource "runs" (what the Dummy agent's monitor reports). Kept across restarts. */
  setRunning(resourceId: string, running: boolean): void {
    this.#running.set(resourceId, running);
  }

  // ---------------------------------------------------------------- faults

  /** Stops listening: new connections get ECONNREFUSED. Existing connections stay. */
  refuse(): void {
    this.#refusing = true;
    void this.#closeListener();
  }

  /** Listens again after {@link refuse}. */
  async accept(): Promise<void> {
    this.#refusing = false;
    if (this.#state === 'running' && !this.#listener.listening && !this.#shutdown.active) await this.#listen();
  }

  /** Blackhole: accept TCP connections but never do the TLS handshake (true), or back to normal (false). */
  hang(on = true): void {
    this.#hang = on;
  }

  /** Freezes the daemon (like SIGSTOP): nothing is read, processed, answered or timed until {@link resume}. */
  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#applyFlow();
    debug('%s: paused', this.nodeName);
  }

  /** Unfreezes the daemon. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    debug('%s: resumed', this.nodeName);
    this.#applyFlow();
    for (const c of this.#clients.conns) c.pump();
    this.#drainAccepts();
    this.#loop.runDeferred();
  }

  /** Delays every message the daemon sends (replies and notifications, order kept) by `ms`. */
  setReplyDelay(ms: number): void {
    this.#replyDelayMs = checkMs(ms, 'replyDelayMs');
  }

  /** Resets every client connection (TCP RST). */
  resetConnections(): void {
    this.#clients.resetAll();
  }

  /** Closes every client connection without TLS close_notify (as when the daemon crashes). */
  killConnections(): void {
    this.#clients.killAll();
  }

  /** Sends bytes that are not a valid frame (default: a header with a wrong endian marker) to every client. */
  sendGarbage(bytes?: Buffer): void {
    const data = bytes ?? defaultGarbage();
    for (const c of this.#clients.conns) c.sendRaw(data);
  }

  /** Uses another key from now on (for new handshakes): the wrong-key fault. */
  setKey(key: Buffer): void {
    if (this.#o.x509) throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'setKey() is for PSK mode');
    this.#key = checkKey(key);
  }

  /**
   * Runs a simulated cluster tool on this node (`attrd_updater`, `crm_attribute`, `crm_node`): it reaches
   * the newest IPC provider through the daemon's IPC proxy exactly as the real tool does through the real
   * daemon (`new`, `request`, `destroy`), and prints what the real tool prints. Without a provider its
   * connection is refused at once.
   *
   * @example
   * ```ts
   * const r = await sim.runTool(['attrd_updater', '-n', 'foo', '-U', 'bar']);
   * // r.code === 0, and the provider's relay saw the update
   * ```
   */
  runTool(argv: string[], env: Record<string, string> = {}, options: SimToolOptions = {}): Promise<SimToolResult> {
    if (this.#state !== 'running') return Promise.resolve({ code: 102, stdout: '', stderr: `${argv[0] ?? 'tool'}: the node's pacemaker-remoted is not running\n` });
    return runSimTool(this.#ipcProxy, argv, env, options);
  }

  /** Kills every running simulated tool (their IPC sessions end; the provider gets `destroy`). */
  killTools(): void {
    this.#ipcProxy.closeAll();
  }

  /** Tunnelled IPC sessions of this node's tools currently open. */
  get ipcSessions(): number {
    return this.#ipcProxy.size;
  }

  /**
   * Like SIGTERM. Without an IPC provider connected the daemon exits at once. With one, the newest
   * provider gets `shutdown_req` and the listener closes; then 2.1.5 exits within milliseconds, 2.1.6–2.1.x
   * wait for shutdown_ack (then for the providers to leave), exit at once on shutdown_nack and after
   * `shutdownFuseMs` without an answer; 3.0+ wait without a fuse. Resolves once the request is sent (and,
   * for 2.1.5 or without provider, once the daemon exited). See {@link waitExit}.
   */
  async requestShutdown(): Promise<void> {
    if (this.#state !== 'running') return;
    await this.#shutdown.request();
  }

  /** Resolves when the daemon has exited (state not `running`), or rejects after `timeoutMs`. */
  waitExit(timeoutMs = 30_000): Promise<void> {
    if (this.#state !== 'running') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.#exitWaiters = this.#exitWaiters.filter((w) => w !== done);
        reject(new RemoteConnError(ErrorCodes.REQUEST_TIMEOUT, `simulated daemon did not exit within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      this.#exitWaiters.push(done);
    });
  }

  /**
   * Stops (without shutdown request, like a crash or SIGKILL) and starts again on the same port after
   * `downMs`: call ids, header ids, resources and clients reset as on a real restart. Agents and the
   * resources' running state (the state files on the node) are kept.
   */
  async restart(options: { downMs?: number } = {}): Promise<void> {
    if (this.#state === 'disposed') throw new RemoteConnError(ErrorCodes.STOPPED, 'the simulated daemon was stopped');
    await this.kill();
    const down = checkMs(options.downMs ?? 0, 'downMs');
    if (down > 0) await new Promise((r) => setTimeout(r, down));
    await this.relaunch();
  }

  /** Like SIGKILL: every connection drops (no close_notify), the port closes; `relaunch()` brings it back. */
  async kill(): Promise<void> {
    await this.#exit('killed');
  }

  /** Starts an exited daemon again on the same port, with fresh state (see {@link restart}). */
  async relaunch(): Promise<void> {
    if (this.#state === 'disposed') throw new RemoteConnError(ErrorCodes.STOPPED, 'the simulated daemon was stopped');
    if (this.#state === 'running') return;
    this.#state = 'running';
    this.#callId = 0;
    this.#headerId = 0;
    this.#startedAt = Date.now();
    this.#shutdown.reset();
    this.#clients.providers = [];
    this.#executor = this.#newExecutor();
    if (!this.#refusing) {
      try {
        await this.#listen();
      } catch (err) {
        this.#state = 'exited';
        throw err;
      }
    }
    debug('%s: (re)started on port %d', this.nodeName, this.#port);
  }

  /** Closes everything, releases the port and clears all timers. Idempotent. */
  async stop(): Promise<void> {
    if (this.#state === 'disposed') return;
    await this.#exit('stop');
    this.#state = 'disposed';
    this.removeAllListeners();
  }

  /** `await using sim = await SimulatedRemoteDaemon.start(...)`: {@link stop} when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  // ---------------------------------------------------------------- internals

  #newExecutor(): Executor {
    const self = this;
    return new Executor({
      timer: (ms, fn) => this.#loop.timer(ms, fn),
      broadcast: (n) => this.#clients.broadcast(n),
      notifyClient: (id, n) => this.#clients.notifyClient(id, n),
      agents: this.agents,
      legacyEscape: this.features.legacyEscape,
      dropRecurringMask: this.features.dropRecurringMask,
      get running() {
        return self.#running;
      },
      files: this.files,
      nodeName: this.nodeName,
      runTimeMs: this.#o.runTime,
      promotionScore: (resource, score, params) => {
        debug('%s: promotion score of %s: %s', this.nodeName, resource, score ?? '(deleted)');
        this.emit('promotion-score', resource, score);
        this.promotionScoreHook?.(resource, score);
        sendPromotionScore(this.#ipcProxy, resource, score, params);
      },
    });
  }

  #info(c: SimConnection): SimClientInfo {
    return { id: c.id, name: c.name, provider: c.provider, remoteAddress: c.raw.remoteAddress, remotePort: c.raw.remotePort };
  }

  #frozen(): boolean {
    return this.#paused || this.#stall.by !== undefined;
  }

  /** Starts TLS on connections accepted while the daemon was frozen. */
  #drainAccepts(): void {
    if (this.#frozen() || this.#state !== 'running') return;
    const accepts = this.#clients.pendingAccepts.splice(0);
    for (const s of accepts) if (!s.destroyed) this.#startTls(s);
  }

  /** Which sockets read: none while paused; only the blocking one while a strict reader waits. */
  #applyFlow(): void {
    this.#clients.setFlow(this.#paused, this.#stall.by);
  }

  async #listen(): Promise<void> {
    this.#port = await this.#listener.listen(this.host, this.#port, this.#o.noDelay, (raw) => this.#onTcp(raw));
  }

  /** Closes the listening socket now (new connects are refused); resolves when the server is fully closed. */
  #closeListener(): Promise<void> {
    return this.#listener.close();
  }

  #onTcp(raw: net.Socket): void {
    if (this.#state !== 'running') {
      raw.destroy();
      return;
    }
    raw.on('error', (err) => debug('%s: socket error: %s', this.nodeName, err.message));
    this.#clients.raw.add(raw);
    raw.once('close', () => this.#clients.raw.delete(raw));
    if (this.#hang) {
      debug('%s: hang: holding a TCP connection without TLS', this.nodeName);
      return;
    }
    if (this.#frozen()) {
      // frozen (paused, or blocked reading a partial message): the kernel accepted, the daemon did not
      this.#clients.pendingAccepts.push(raw);
      return;
    }
    this.#startTls(raw);
  }

  #startTls(raw: net.Socket): void {
    acceptTls(this.#tlsHost, raw);
  }

  #onSecure(raw: net.Socket, socket: tls.TLSSocket): void {
    this.#clients.raw.delete(raw);
    if (this.#state !== 'running') {
      socket.destroy();
      return;
    }
    const conn = new SimConnection(this.#connHost, raw, socket, this.#o.strict, this.features.dropFollowedMessage);
    const named = this.#clients.named();
    this.#clients.conns.add(conn);
    if (this.#paused || this.#stall.by) conn.setReading(false);
    debug('%s: client %s connected (%s)', this.nodeName, conn.id, socket.getProtocol());
    this.emit('client-connected', this.#info(conn));
    if (named.length > 0) {
      const xml = serializeXml(withTransport(newClientNotify(), 0, 'notify'));
      for (const c of named) c.send(xml, this.#replyDelayMs);
    }
  }

  #onConnClosed(c: SimConnection): void {
    if (!this.#clients.remove(c)) return;
    debug('%s: client %s closed', this.nodeName, c.id);
    this.#ipcProxy.providerGone(c);
    if (this.#state === 'running') {
      this.emit('client-closed', this.#info(c));
      if (this.#clients.conns.size === 0) this.#executor.lastClientGone();
      if (this.#clients.providers.length === 0) this.#shutdown.providersGone();
    }
  }

  #onMessage(c: SimConnection, text: string): void {
    if (this.#state !== 'running') return;
    let xml: XmlElement;
    try {
      xml = parseXml(text);
    } catch (err) {
      debug('%s: client %s: unparsable message ignored: %s', this.nodeName, c.id, err instanceof Error ? err.message : String(err));
      return;
    }
    const req = parseDaemonRequest(xml);
    if (c.name === undefined && req.clientName !== undefined) c.name = req.clientName;
    this.#callId = this.#callId >= 0x7fffffff ? 1 : this.#callId + 1;
    const callId = this.#callId;
    this.emit('request', { client: this.#info(c), op: req.op, callId, msgId: req.msgId, request: req });
    if (this.features.silentRejects && req.element !== 'lrmd_ipc_proxy' && (req.t !== 'lrmd' || req.op === undefined)) {
      debug('%s: ignoring a message without t="lrmd" or lrmd_op', this.nodeName);
      return;
    }
    dispatchRequest(this.#dispatchHost, c, req, callId);
  }

  #shutdownAnswer(c: SimConnection, ack: boolean): void {
    debug('%s: shutdown %s by client %s', this.nodeName, ack ? 'acknowledged' : 'denied', c.id);
    this.emit('shutdown-answer', ack, this.#info(c));
    this.#shutdown.answer(ack);
  }

  async #exit(reason: string): Promise<void> {
    if (this.#state !== 'running') return;
    this.#state = 'exited';
    debug('%s: exiting: %s', this.nodeName, reason);
    const listenerClosed = this.#closeListener();
    this.#loop.clear();
    this.#stall.clear();
    this.#shutdown.reset();
    this.#executor.clear();
    this.#ipcProxy.clear();
    const closing = this.#clients.closeAll();
    await Promise.all([closing, listenerClosed]);
    this.emit('exit', reason);
    const waiters = this.#exitWaiters;
    this.#exitWaiters = [];
    for (const w of waiters) w();
  }
}
