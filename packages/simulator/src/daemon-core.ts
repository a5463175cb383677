/**
 * The running state of a `SimulatedRemoteDaemon` and its wiring: the listener, the TLS accept path, the
 * client connections, the executor, the IPC proxy and the shutdown sequence, with the handlers that join
 * them (accepted sockets, secured connections, messages, closes, exit). The public class holds one and
 * implements its fault and lifecycle API on top of it.
 */
import createDebug from 'debug';
import type { EventEmitter } from 'eventemitter3';
import type net from 'node:net';
import type tls from 'node:tls';
import { newClientNotify, parseDaemonRequest, withTransport } from '@pcmk-remote/remote-conn/protocol';
import { parseXml, serializeXml, type XmlElement } from '@pcmk-remote/remote-conn/protocol';
import type { AgentRegistry } from './agents.js';
import { ClientSet } from './client-set.js';
import { Executor } from './executor.js';
import type { PromotionScoreHook, ResolvedDaemonOptions } from './daemon-options.js';
import { MainLoop } from './main-loop.js';
import { Listener } from './listener.js';
import { ShutdownSequence } from './shutdown-sequence.js';
import { StrictStall } from './strict-stall.js';
import { SimIpcProxy } from './ipc-proxy.js';
import { sendPromotionScore } from './sim-tools.js';
import { dispatchRequest, type DispatchHost } from './request-dispatch.js';
import { SimConnection, type ConnectionHost } from './sim-connection.js';
import type { SimClientInfo, SimulatedDaemonEvents } from './sim-options.js';
import { acceptTls, type TlsAcceptHost } from './tls-accept.js';
import type { VersionFeatures } from './versions.js';

const debug = createDebug('pcmk-remote:sim');

/** `running` (serving), `exited` (after shutdown/restart down-time), or `disposed` (after `stop()`). */
export type DaemonState = 'running' | 'exited' | 'disposed';

/** What the core needs of the public daemon: its events, agents, files and promotion-score hook. */
export interface DaemonOwner extends EventEmitter<SimulatedDaemonEvents> {
  readonly agents: AgentRegistry;
  readonly files: Map<string, string>;
  readonly promotionScoreHook: PromotionScoreHook | undefined;
}

/** The daemon's state and wiring (internal to the simulator). */
export class DaemonCore {
  readonly features: VersionFeatures;
  readonly host: string;
  readonly nodeName: string;
  port: number;
  key: Buffer | undefined;
  /** Options as given (checked, defaults filled in). */
  readonly o: ResolvedDaemonOptions;
  replyDelayMs: number;

  state: DaemonState = 'running';
  readonly listener: Listener;
  refusing = false;
  hang = false;
  paused = false;
  readonly stall: StrictStall;
  readonly clients: ClientSet;
  readonly loop: MainLoop;
  callId = 0;
  headerId = 0;
  startedAt = Date.now();
  readonly shutdown: ShutdownSequence;
  executor: Executor;
  readonly running = new Map<string, boolean>();
  exitWaiters: Array<() => void> = [];
  readonly ipcProxy: SimIpcProxy;
  readonly #owner: DaemonOwner;
  readonly #connHost: ConnectionHost;
  readonly #dispatchHost: DispatchHost;
  readonly #tlsHost: TlsAcceptHost;

  constructor(o: ResolvedDaemonOptions, owner: DaemonOwner) {
    this.o = o;
    this.#owner = owner;
    this.features = o.features;
    this.key = o.key;
    this.host = o.host;
    this.port = o.port;
    this.nodeName = o.nodeName;
    this.replyDelayMs = o.replyDelayMs;
    this.clients = new ClientSet(() => this.replyDelayMs);
    this.loop = new MainLoop(() => this.state === 'running', () => this.frozen());
    this.executor = this.newExecutor();
    this.ipcProxy = new SimIpcProxy({
      provider: () => this.clients.providers.find((c) => !c.closed),
      notify: (c, n) => this.clients.notifyOne(c, n),
    });
    const self = this;
    this.listener = new Listener(this.nodeName);
    this.stall = new StrictStall({
      label: this.nodeName,
      stallTimeoutMs: o.stallTimeoutMs,
      running: () => this.state === 'running',
      flowChanged: () => this.applyFlow(),
      released: () => {
        this.drainAccepts();
        this.loop.runDeferred();
      },
    });
    this.shutdown = new ShutdownSequence({
      label: this.nodeName,
      mode: this.features.shutdown,
      fuseMs: o.fuseMs,
      get replyDelayMs() {
        return self.replyDelayMs;
      },
      providers: () => this.clients.providers,
      timer: (ms, fn) => this.loop.timer(ms, fn),
      closeListener: () => void this.closeListener(),
      exit: (reason) => this.exit(reason),
    });
    this.#tlsHost = {
      label: this.nodeName,
      x509: this.o.x509,
      pskIdentityCheck: this.features.pskIdentityCheck,
      guardHandshake: this.o.guardHandshake,
      handshakeTimeoutMs: this.o.handshakeTimeoutMs,
      key: () => this.key,
      timer: (ms, fn) => this.loop.timer(ms, fn),
      failed: (info) => this.#owner.emit('handshake-failed', info),
      secure: (raw, socket) => this.#onSecure(raw, socket),
    };
    this.#connHost = {
      get label() {
        return self.nodeName;
      },
      nextHeaderId: () => ++this.headerId,
      get paused() {
        return self.paused;
      },
      stall: (c) => {
        if (this.features.blockingReader) this.stall.stall(c); // 3.0+: only the incomplete connection waits
      },
      unstall: (c) => this.stall.unstall(c),
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
        return self.executor;
      },
      get uptimeSeconds() {
        return Math.floor((Date.now() - self.startedAt) / 1000);
      },
      nodeStartState: this.o.nodeStartState,
      reply: (c, req, reply) => this.clients.reply(c, req, reply),
      broadcast: (n) => this.clients.broadcast(n),
      notifyOne: (c, n) => this.clients.notifyOne(c, n),
      addProvider: (c) => this.clients.addProvider(c),
      registered: (c) => this.#owner.emit('client-registered', this.info(c)),
      ipcForward: (c, m) => this.ipcProxy.forward(c, m),
      shutdownAnswer: (c, ack) => this.#shutdownAnswer(c, ack),
      exit: (reason) => void this.exit(reason),
    };
  }

  newExecutor(): Executor {
    const self = this;
    return new Executor({
      timer: (ms, fn) => this.loop.timer(ms, fn),
      broadcast: (n) => this.clients.broadcast(n),
      notifyClient: (id, n) => this.clients.notifyClient(id, n),
      agents: this.#owner.agents,
      legacyEscape: this.features.legacyEscape,
      dropRecurringMask: this.features.dropRecurringMask,
      get running() {
        return self.running;
      },
      files: this.#owner.files,
      nodeName: this.nodeName,
      runTimeMs: this.o.runTime,
      promotionScore: (resource, score, params) => {
        debug('%s: promotion score of %s: %s', this.nodeName, resource, score ?? '(deleted)');
        this.#owner.emit('promotion-score', resource, score);
        this.#owner.promotionScoreHook?.(resource, score);
        sendPromotionScore(this.ipcProxy, resource, score, params);
      },
    });
  }

  info(c: SimConnection): SimClientInfo {
    return { id: c.id, name: c.name, provider: c.provider, remoteAddress: c.raw.remoteAddress, remotePort: c.raw.remotePort };
  }

  frozen(): boolean {
    return this.paused || this.stall.by !== undefined;
  }

  /** Starts TLS on connections accepted while the daemon was frozen. */
  drainAccepts(): void {
    if (this.frozen() || this.state !== 'running') return;
    const accepts = this.clients.pendingAccepts.splice(0);
    for (const s of accepts) if (!s.destroyed) this.#startTls(s);
  }

  /** Which sockets read: none while paused; only the blocking one while a strict reader waits. */
  applyFlow(): void {
    this.clients.setFlow(this.paused, this.stall.by);
  }

  async listen(): Promise<void> {
    this.port = await this.listener.listen(this.host, this.port, this.o.noDelay, (raw) => this.#onTcp(raw));
  }

  /** Closes the listening socket now (new connects are refused); resolves when the server is fully closed. */
  closeListener(): Promise<void> {
    return this.listener.close();
  }

  #onTcp(raw: net.Socket): void {
    if (this.state !== 'running') {
      raw.destroy();
      return;
    }
    raw.on('error', (err) => debug('%s: socket error: %s', this.nodeName, err.message));
    this.clients.raw.add(raw);
    raw.once('close', () => this.clients.raw.delete(raw));
    if (this.hang) {
      debug('%s: hang: holding a TCP connection without TLS', this.nodeName);
      return;
    }
    if (this.frozen()) {
      // frozen (paused, or blocked reading a partial message): the kernel accepted, the daemon did not
      this.clients.pendingAccepts.push(raw);
      return;
    }
    this.#startTls(raw);
  }

  #startTls(raw: net.Socket): void {
    acceptTls(this.#tlsHost, raw);
  }

  #onSecure(raw: net.Socket, socket: tls.TLSSocket): void {
    this.clients.raw.delete(raw);
    if (this.state !== 'running') {
      socket.destroy();
      return;
    }
    const conn = new SimConnection(this.#connHost, raw, socket, this.o.strict, this.features.dropFollowedMessage);
    const named = this.clients.named();
    this.clients.conns.add(conn);
    if (this.paused || this.stall.by) conn.setReading(false);
    debug('%s: client %s connected (%s)', this.nodeName, conn.id, socket.getProtocol());
    this.#owner.emit('client-connected', this.info(conn));
    if (named.length > 0) {
      const xml = serializeXml(withTransport(newClientNotify(), 0, 'notify'));
      for (const c of named) c.send(xml, this.replyDelayMs);
    }
  }

  #onConnClosed(c: SimConnection): void {
    if (!this.clients.remove(c)) return;
    debug('%s: client %s closed', this.nodeName, c.id);
    this.ipcProxy.providerGone(c);
    if (this.state === 'running') {
      this.#owner.emit('client-closed', this.info(c));
      if (this.clients.conns.size === 0) this.executor.lastClientGone();
      if (this.clients.providers.length === 0) this.shutdown.providersGone();
    }
  }

  #onMessage(c: SimConnection, text: string): void {
    if (this.state !== 'running') return;
    let xml: XmlElement;
    try {
      xml = parseXml(text);
    } catch (err) {
      debug('%s: client %s: unparsable message ignored: %s', this.nodeName, c.id, err instanceof Error ? err.message : String(err));
      return;
    }
    const req = parseDaemonRequest(xml);
    if (c.name === undefined && req.clientName !== undefined) c.name = req.clientName;
    this.callId = this.callId >= 0x7fffffff ? 1 : this.callId + 1;
    const callId = this.callId;
    this.#owner.emit('request', { client: this.info(c), op: req.op, callId, msgId: req.msgId, request: req });
    if (this.features.silentRejects && req.element !== 'lrmd_ipc_proxy' && (req.t !== 'lrmd' || req.op === undefined)) {
      debug('%s: ignoring a message without t="lrmd" or lrmd_op', this.nodeName);
      return;
    }
    dispatchRequest(this.#dispatchHost, c, req, callId);
  }

  #shutdownAnswer(c: SimConnection, ack: boolean): void {
    debug('%s: shutdown %s by client %s', this.nodeName, ack ? 'acknowledged' : 'denied', c.id);
    this.#owner.emit('shutdown-answer', ack, this.info(c));
    this.shutdown.answer(ack);
  }

  async exit(reason: string): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'exited';
    debug('%s: exiting: %s', this.nodeName, reason);
    const listenerClosed = this.closeListener();
    this.loop.clear();
    this.stall.clear();
    this.shutdown.reset();
    this.executor.clear();
    this.ipcProxy.clear();
    const closing = this.clients.closeAll();
    await Promise.all([closing, listenerClosed]);
    this.#owner.emit('exit', reason);
    const waiters = this.exitWaiters;
    this.exitWaiters = [];
    for (const w of waiters) w();
  }
}
