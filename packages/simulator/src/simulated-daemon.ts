/**
 * `SimulatedRemoteDaemon`: a TLS-PSK (or X.509) server on 127.0.0.1 that speaks pacemaker-remoted's
 * protocol and behaves like Pacemaker 2.1.5 (or a later version) where the reference or the real daemon
 * shows behaviour, with fault injection for client tests. Many instances can run in one process.
 */
import createDebug from 'debug';
import { EventEmitter } from 'eventemitter3';
import { ErrorCodes, RemoteConnError } from '@pcmk-remote/remote-conn/protocol';
import { AgentRegistry } from './agents.js';
import type { SimResourceInfo } from './executor.js';
import { checkKey, checkMs, resolveDaemonOptions, type PromotionScoreHook } from './daemon-options.js';
import { DaemonCore, type DaemonState } from './daemon-core.js';
import { defaultGarbage } from './faults.js';
import { runSimTool, type SimToolOptions, type SimToolResult } from './sim-tools.js';
import {
  type SimClientInfo,
  type SimulatedDaemonEvents,
  type SimulatedDaemonOptions,
} from './sim-options.js';
import type { VersionFeatures } from './versions.js';

export type { PromotionScoreHook } from './daemon-options.js';

const debug = createDebug('pcmk-remote:sim');

type State = DaemonState;

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

  /** State and wiring (listener, connections, executor, IPC proxy, shutdown). */
  readonly #core: DaemonCore;

  private constructor(options: SimulatedDaemonOptions) {
    super();
    const o = resolveDaemonOptions(options);
    this.features = o.features;
    this.host = o.host;
    this.nodeName = o.nodeName;
    this.promotionScoreHook = undefined;
    this.#core = new DaemonCore(o, this);
  }

  /** Starts a simulated daemon and resolves once it listens. */
  static async start(options: SimulatedDaemonOptions): Promise<SimulatedRemoteDaemon> {
    const sim = new SimulatedRemoteDaemon(options);
    await sim.#core.listen();
    debug('%s: listening on %s:%d (version %s, %s)', sim.nodeName, sim.host, sim.#core.port, sim.features.version, sim.#core.o.x509 ? 'x509' : 'psk');
    return sim;
  }

  /** The port (fixed after the first start; restarts reuse it). */
  get port(): number {
    return this.#core.port;
  }

  /** The pre-shared key in use (undefined in X.509 mode). */
  get key(): Buffer | undefined {
    return this.#core.key;
  }

  /** Number of clients whose TLS handshake completed and that are still connected. */
  get clientCount(): number {
    return this.#core.clients.conns.size;
  }

  /** `running` (serving), `exited` (after shutdown/restart down-time), or `disposed` (after {@link stop}). */
  get state(): State {
    return this.#core.state;
  }

  /** True while {@link pause} is in effect. */
  get paused(): boolean {
    return this.#core.paused;
  }

  /** True while the daemon listens (false after {@link refuse}, a shutdown request, or an exit). */
  get listening(): boolean {
    return this.#core.listener.listening;
  }

  /** The daemon's call counter (last call id assigned). */
  get lastCallId(): number {
    return this.#core.callId;
  }

  /** Connected clients. */
  clients(): SimClientInfo[] {
    return [...this.#core.clients.conns].map((c) => this.#core.info(c));
  }

  /** Registered resources with their operations. */
  resources(): SimResourceInfo[] {
    return this.#core.executor.snapshot();
  }

  /** Sets whether a resource "runs" (what the Dummy agent's monitor reports). Kept across restarts. */
  setRunning(resourceId: string, running: boolean): void {
    this.#core.running.set(resourceId, running);
  }

  // ---------------------------------------------------------------- faults

  /** Stops listening: new connections get ECONNREFUSED. Existing connections stay. */
  refuse(): void {
    this.#core.refusing = true;
    void this.#core.closeListener();
  }

  /** Listens again after {@link refuse}. */
  async accept(): Promise<void> {
    this.#core.refusing = false;
    if (this.#core.state === 'running' && !this.#core.listener.listening && !this.#core.shutdown.active) await this.#core.listen();
  }

  /** Blackhole: accept TCP connections but never do the TLS handshake (true), or back to normal (false). */
  hang(on = true): void {
    this.#core.hang = on;
  }

  /** Freezes the daemon (like SIGSTOP): nothing is read, processed, answered or timed until {@link resume}. */
  pause(): void {
    if (this.#core.paused) return;
    this.#core.paused = true;
    this.#core.applyFlow();
    debug('%s: paused', this.nodeName);
  }

  /** Unfreezes the daemon. */
  resume(): void {
    if (!this.#core.paused) return;
    this.#core.paused = false;
    debug('%s: resumed', this.nodeName);
    this.#core.applyFlow();
    for (const c of this.#core.clients.conns) c.pump();
    this.#core.drainAccepts();
    this.#core.loop.runDeferred();
  }

  /** Delays every message the daemon sends (replies and notifications, order kept) by `ms`. */
  setReplyDelay(ms: number): void {
    this.#core.replyDelayMs = checkMs(ms, 'replyDelayMs');
  }

  /** Resets every client connection (TCP RST). */
  resetConnections(): void {
    this.#core.clients.resetAll();
  }

  /** Closes every client connection without TLS close_notify (as when the daemon crashes). */
  killConnections(): void {
    this.#core.clients.killAll();
  }

  /** Sends bytes that are not a valid frame (default: a header with a wrong endian marker) to every client. */
  sendGarbage(bytes?: Buffer): void {
    const data = bytes ?? defaultGarbage();
    for (const c of this.#core.clients.conns) c.sendRaw(data);
  }

  /** Uses another key from now on (for new handshakes): the wrong-key fault. */
  setKey(key: Buffer): void {
    if (this.#core.o.x509) throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'setKey() is for PSK mode');
    this.#core.key = checkKey(key);
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
    if (this.#core.state !== 'running') return Promise.resolve({ code: 102, stdout: '', stderr: `${argv[0] ?? 'tool'}: the node's pacemaker-remoted is not running\n` });
    return runSimTool(this.#core.ipcProxy, argv, env, options);
  }

  /** Kills every running simulated tool (their IPC sessions end; the provider gets `destroy`). */
  killTools(): void {
    this.#core.ipcProxy.closeAll();
  }

  /** Tunnelled IPC sessions of this node's tools currently open. */
  get ipcSessions(): number {
    return this.#core.ipcProxy.size;
  }

  /**
   * Like SIGTERM. Without an IPC provider connected the daemon exits at once. With one, the newest
   * provider gets `shutdown_req` and the listener closes; then 2.1.5 exits within milliseconds, 2.1.6–2.1.x
   * wait for shutdown_ack (then for the providers to leave), exit at once on shutdown_nack and after
   * `shutdownFuseMs` without an answer; 3.0+ wait without a fuse. Resolves once the request is sent (and,
   * for 2.1.5 or without provider, once the daemon exited). See {@link waitExit}.
   */
  async requestShutdown(): Promise<void> {
    if (this.#core.state !== 'running') return;
    await this.#core.shutdown.request();
  }

  /** Resolves when the daemon has exited (state not `running`), or rejects after `timeoutMs`. */
  waitExit(timeoutMs = 30_000): Promise<void> {
    if (this.#core.state !== 'running') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.#core.exitWaiters = this.#core.exitWaiters.filter((w) => w !== done);
        reject(new RemoteConnError(ErrorCodes.REQUEST_TIMEOUT, `simulated daemon did not exit within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(t);
        resolve();
      };
      this.#core.exitWaiters.push(done);
    });
  }

  /**
   * Stops (without shutdown request, like a crash or SIGKILL) and starts again on the same port after
   * `downMs`: call ids, header ids, resources and clients reset as on a real restart. Agents and the
   * resources' running state (the state files on the node) are kept.
   */
  async restart(options: { downMs?: number } = {}): Promise<void> {
    if (this.#core.state === 'disposed') throw new RemoteConnError(ErrorCodes.STOPPED, 'the simulated daemon was stopped');
    await this.kill();
    const down = checkMs(options.downMs ?? 0, 'downMs');
    if (down > 0) await new Promise((r) => setTimeout(r, down));
    await this.relaunch();
  }

  /** Like SIGKILL: every connection drops (no close_notify), the port closes; `relaunch()` brings it back. */
  async kill(): Promise<void> {
    await this.#core.exit('killed');
  }

  /** Starts an exited daemon again on the same port, with fresh state (see {@link restart}). */
  async relaunch(): Promise<void> {
    if (this.#core.state === 'disposed') throw new RemoteConnError(ErrorCodes.STOPPED, 'the simulated daemon was stopped');
    if (this.#core.state === 'running') return;
    this.#core.state = 'running';
    this.#core.callId = 0;
    this.#core.headerId = 0;
    this.#core.startedAt = Date.now();
    this.#core.shutdown.reset();
    this.#core.clients.providers = [];
    this.#core.executor = this.#core.newExecutor();
    if (!this.#core.refusing) {
      try {
        await this.#core.listen();
      } catch (err) {
        this.#core.state = 'exited';
        throw err;
      }
    }
    debug('%s: (re)started on port %d', this.nodeName, this.#core.port);
  }

  /** Closes everything, releases the port and clears all timers. Idempotent. */
  async stop(): Promise<void> {
    if (this.#core.state === 'disposed') return;
    await this.#core.exit('stop');
    this.#core.state = 'disposed';
    this.removeAllListeners();
  }

  /** `await using sim = await SimulatedRemoteDaemon.start(...)`: {@link stop} when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
