/**
 * A miniature cluster controller for the remote nodes placed on one cluster node: what
 * `pacemaker-controld` does for them, reduced to the essentials, on this library.
 *
 * - Reads the remote and guest nodes from a CIB (`@pcmk-remote/cib-model`) and keeps connections to those
 *   whose connection resource runs on this node (`node`), or all of them (`all`), orphans excepted, through
 *   `ConnectionManager.sync` (idempotent: {@link MiniController.reload} applies a changed CIB).
 * - On every node that comes up it probes a resource (one-shot monitor, as Pacemaker probes) and starts it
 *   when it is not running (default `ocf:heartbeat:Dummy`, id `dummy-<node>`), then runs a recurring monitor.
 * - When a node asks to shut down, it stops the resource there, acks and closes the connection (graceful:
 *   never fenced; the node stays stopped until the controller restarts).
 * - A node that is lost is fenced (fencing-hooks) before it may reconnect; once it is back, the resource is
 *   started again.
 *
 * SAFETY: connecting to a node a live Pacemaker cluster owns makes that cluster drop it (and possibly fence
 * it). Use this on CIBs that describe nodes no cluster manages, or with `simulate` (every spec is
 * redirected to a simulated daemon on 127.0.0.1 and nothing else is contacted).
 */
import { EventEmitter } from 'node:events';
import { parseCib, type RemoteNodeSpec } from '@pcmk-remote/cib-model';
import { CallbackFencer, FencingCoordinator, type Fencer, type FencingPolicyOptions } from '@pcmk-remote/fencing-hooks';
import { ConnectionManager, ErrorCodes, RemoteConnError, type NodeSpec, type OpResult, type RemoteNodeOptions, type RemoteSession } from '@pcmk-remote/remote-conn';
import { SimulatedNodes } from '../shared/simulated-nodes.js';

/** The resource agent the controller runs on each node. */
export interface AgentSpec {
  standard: string;
  provider?: string;
  type: string;
}

/** `ocf:heartbeat:Dummy` → `{ standard: 'ocf', provider: 'heartbeat', type: 'Dummy' }`; `systemd:foo` → no provider. */
export function parseAgent(text: string): AgentSpec {
  const parts = text.split(':');
  if (parts.length === 3 && parts.every((p) => p.length > 0)) return { standard: parts[0] as string, provider: parts[1] as string, type: parts[2] as string };
  if (parts.length === 2 && parts.every((p) => p.length > 0)) return { standard: parts[0] as string, type: parts[1] as string };
  throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `An agent looks like ocf:heartbeat:Dummy or systemd:name, got ${JSON.stringify(text)}`);
}

/** Where a node's resource stands. */
export type ResourceState = 'probing' | 'starting' | 'started' | 'stopping' | 'stopped' | 'failed' | 'unknown';

/** The resource of one node. */
export interface NodeResource {
  node: string;
  resource: string;
  state: ResourceState;
  /** Last OCF rc seen (start or monitor). */
  rc?: number;
  /** How many times the controller started it. */
  starts: number;
  since: number;
  error?: string;
}

/** Events of a {@link MiniController}. */
export interface MiniControllerEvents {
  /** A node's resource changed state. */
  resource: [r: NodeResource];
  /** A progress line (the CLI prints these). */
  log: [line: string];
}

/** Options of {@link MiniController.start}. */
export interface MiniControllerOptions {
  /** The CIB XML (e.g. `cibadmin --query` output or a file of your own). */
  cibXml: string;
  /** This cluster node: keep connections to the remote nodes whose connection runs here. */
  node?: string;
  /** Keep connections to every remote and guest node in the CIB instead. */
  all?: boolean;
  /** Start simulated daemons for the selected nodes and connect to them instead of the CIB's addresses. */
  simulate?: boolean;
  /** Pacemaker version the simulated daemons behave like (2.1.5 exits right after a shutdown request; 2.1.6+ wait for the ack). @default 2.1.5 */
  simVersion?: string;
  /** Authkey (not needed with `simulate`). */
  key?: Buffer;
  keyFile?: string;
  /** Connection defaults (CIB values such as reconnect_interval win, unless overridden below). */
  connection?: Partial<RemoteNodeOptions>;
  /** Replace every node's `reconnect_interval` from the CIB. */
  reconnectIntervalMs?: number;
  /** Resource agent to run on each node. @default ocf:heartbeat:Dummy */
  agent?: AgentSpec;
  /** Interval of the resource's recurring monitor (0: none). @default 10000 */
  resourceMonitorMs?: number;
  /**
   * The fencer. Default: with `simulate`, a power cycle of the simulated daemon; otherwise a fencer that only
   * logs (and reports success): replace it with a `FenceAgentFencer` or `StonithAdminFencer` for real nodes.
   */
  fencer?: Fencer;
  /** Fencing policy (timeouts, retries, grace...). */
  fencingPolicy?: FencingPolicyOptions;
  /** Receives every progress line from the start on (they are also `log` events). */
  log?: (line: string) => void;
}

/**
 * Selects the CIB's remote and guest nodes this controller is responsible for: those whose connection
 * resource runs on `node` (or all), except orphans (connection resources deleted from the configuration,
 * which Pacemaker keeps only to stop them).
 */
export function selectNodes(specs: RemoteNodeSpec[], options: { node?: string; all?: boolean }): RemoteNodeSpec[] {
  const configured = specs.filter((s) => !s.orphaned);
  if (options.all) return configured;
  if (!options.node) throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'Give this cluster node (node) or all: true');
  return configured.filter((s) => s.runningOn === options.node);
}

/** The mini controller. Create it with {@link MiniController.start}. */
export class MiniController extends EventEmitter<MiniControllerEvents> {
  readonly manager: ConnectionManager;
  readonly fencing: FencingCoordinator;
  /** The simulated daemons (with `simulate`). */
  readonly simulated: SimulatedNodes | undefined;
  readonly #options: MiniControllerOptions;
  readonly #agent: AgentSpec;
  readonly #resources = new Map<string, NodeResource>();
  /** Work per node, serialized (start after up, stop on shutdown, ...). */
  readonly #queues = new Map<string, Promise<void>>();
  #specs: RemoteNodeSpec[] = [];
  #closed = false;

  private constructor(options: MiniControllerOptions, simulated: SimulatedNodes | undefined) {
    super();
    this.#options = options;
    this.#agent = options.agent ?? { standard: 'ocf', provider: 'heartbeat', type: 'Dummy' };
    this.simulated = simulated;
    const key = simulated?.key ?? options.key;
    this.manager = new ConnectionManager({
      defaults: {
        monitorIntervalMs: 2000,
        monitorTimeoutMs: 2000,
        connectTimeoutMs: 20_000,
        ...options.connection,
        ...(key ? { key } : {}),
        ...(options.keyFile && !key ? { keyFile: options.keyFile } : {}),
      },
    });
    const sims = simulated;
    const fencer =
      options.fencer ??
      new CallbackFencer(
        async (req) => {
          if (sims) {
            this.#log(`fence          ${req.target}: power-cycling the simulated node`);
            await sims.powerCycle(req.target);
          } else {
            this.#log(`fence          ${req.target}: LOG ONLY (no fencer configured; the node was not really fenced)`);
          }
        },
        { name: sims ? 'simulated-power' : 'log-only' },
      );
    this.manager.on('node-down', (e) => {
      this.#log(`node-down      ${e.node}: ${e.reason}${e.willReconnect ? ' (will reconnect)' : ''}`);
      const r = this.#resources.get(e.node);
      // Graceful shutdown: we stopped it ourselves. Otherwise its state is unknown until the node is back.
      if (r && r.state !== 'stopped') this.#setResource(e.node, { state: 'unknown' });
    });
    this.manager.on('connect-failed', (e) => this.#log(`connect-failed ${e.node}: ${e.reason} (${e.error.code})${e.willRetry ? ', retrying' : ''}`));
    this.manager.on('node-shutdown-request', (e) => {
      this.#log(`shutdown-req   ${e.node}: stopping its resource, then ack`);
      this.#enqueue(e.node, async () => {
        await this.#stopResource(e.node);
        await e.ack();
        // Like the cluster stopping the connection resource after shutdown_ack: the daemon (2.1.6+) waits
        // for its providers to leave before it exits. The node stays stopped until the controller restarts.
        await this.manager.node(e.node)?.stop();
      });
    });
    // Created after the manager listeners above, so a loss is logged before the fence it triggers.
    this.fencing = new FencingCoordinator({
      manager: this.manager,
      fencer,
      executor: options.node ?? 'mini-controller',
      ...(options.fencingPolicy ? { policy: options.fencingPolicy } : {}),
      restartContainer: async (req) => {
        if (sims) {
          this.#log(`fence          ${req.target}: restarting its container ${req.containerResource ?? '?'} (simulated)`);
          await sims.powerCycle(req.target);
        } else {
          this.#log(`fence          ${req.target}: LOG ONLY (would restart its container ${req.containerResource ?? '?'})`);
        }
      },
    });
    this.manager.on('node-up', (e) => {
      this.#log(`node-up        ${e.node} (attempt ${e.attempt})`);
      this.#enqueue(e.node, () => this.#ensureRunning(e.node));
    });
    this.fencing.on('fence-requested', (e) => this.#log(`fence-request  ${e.target}: ${e.action} via ${e.method} (${e.reason})`));
    this.fencing.on('fence-succeeded', (e) => this.#log(`fenced         ${e.target} in ${e.durationMs} ms; it may reconnect`));
    this.fencing.on('fence-failed', (e) => this.#log(`fence-failed   ${e.target}: ${e.error.code}${e.final ? ' (giving up: the node stays down)' : ', retrying'}`));
    this.fencing.on('fence-skipped', (e) => this.#log(`fence-skipped  ${e.target}: ${e.reason}`));
  }

  /**
   * Reads the CIB, starts simulated daemons if asked, and starts connecting the selected nodes.
   * @throws RemoteConnError `INVALID_ARGUMENT` (neither node nor all); CibModelError for an unreadable CIB
   */
  static async start(options: MiniControllerOptions): Promise<MiniController> {
    const specs = selectNodes(parseCib(options.cibXml).remoteNodes(), options);
    const simulated = options.simulate
      ? await SimulatedNodes.start(specs.map((s) => s.name), options.simVersion ? { daemon: { version: options.simVersion } } : {})
      : undefined;
    const controller = new MiniController(options, simulated);
    try {
      await controller.#sync(specs);
    } catch (err) {
      await controller.close();
      throw err;
    }
    return controller;
  }

  /** The nodes currently selected from the CIB (before any simulator redirection). */
  get specs(): RemoteNodeSpec[] {
    return this.#specs;
  }

  /** The resource of each node that came up at least once. */
  resources(): NodeResource[] {
    return [...this.#resources.values()].map((r) => ({ ...r }));
  }

  /** Applies a changed CIB: new nodes are connected, removed ones disconnected, changed ones reconnected. */
  async reload(cibXml: string): Promise<void> {
    const specs = selectNodes(parseCib(cibXml).remoteNodes(), this.#options);
    if (this.simulated) {
      const missing = specs.filter((s) => !this.simulated?.get(s.name)).map((s) => s.name);
      if (missing.length) this.#log(`reload         no simulated daemon for ${missing.join(', ')} (started only at launch): skipped`);
    }
    await this.#sync(specs);
  }

  async #sync(specs: RemoteNodeSpec[]): Promise<void> {
    this.#specs = specs;
    // `{ ...s }`: a RemoteNodeSpec is structurally a NodeSpec; the copy also lets us override fields.
    let target: NodeSpec[] = (this.simulated ? this.simulated.redirect(specs) : specs).map((s) => ({ ...s }));
    if (this.#options.reconnectIntervalMs !== undefined) target = target.map((s) => ({ ...s, reconnectIntervalMs: this.#options.reconnectIntervalMs }));
    const r = await this.manager.sync(target);
    for (const name of r.removed) this.#resources.delete(name);
    this.#log(`sync           ${target.length} node(s): ${target.map((s) => `${s.name}=${s.host}:${s.port}`).join(' ') || '(none)'}`);
  }

  #log(line: string): void {
    this.#options.log?.(line);
    this.emit('log', line);
  }

  #enqueue(node: string, work: () => Promise<void>): void {
    const prev = this.#queues.get(node) ?? Promise.resolve();
    const next = prev.then(work).catch((err: unknown) => {
      this.#log(`error          ${node}: ${(err as Error).message}`);
    });
    this.#queues.set(node, next);
  }

  #setResource(node: string, patch: Partial<NodeResource>): void {
    const prev = this.#resources.get(node) ?? { node, resource: `dummy-${node}`, state: 'unknown' as const, starts: 0, since: Date.now() };
    const next: NodeResource = { ...prev, ...patch, since: patch.state && patch.state !== prev.state ? Date.now() : prev.since };
    if (patch.state && patch.state !== 'failed') delete next.error;
    this.#resources.set(node, next);
    if (patch.state && patch.state !== prev.state) this.emit('resource', { ...next });
  }

  #session(node: string): RemoteSession | undefined {
    return this.manager.node(node)?.session;
  }

  /** Probe, start when not running, then monitor. */
  async #ensureRunning(node: string): Promise<void> {
    const session = this.#session(node);
    if (!session || this.#closed) return;
    const id = `dummy-${node}`;
    const agentName = `${this.#agent.standard}${this.#agent.provider ? `:${this.#agent.provider}` : ''}:${this.#agent.type}`;
    await session.registerResource({ id, ...this.#agent });
    this.#setResource(node, { resource: id, state: 'probing' });
    const probe = await session.exec({ resource: id, action: 'monitor', timeoutMs: 20_000 });
    if (probe.opStatus === 0 && probe.rc === 0) {
      this.#log(`probe          ${node}: ${id} (${agentName}) already running`);
      this.#setResource(node, { state: 'started', rc: 0 });
    } else {
      this.#setResource(node, { state: 'starting' });
      const r = await session.exec({ resource: id, action: 'start', timeoutMs: 20_000 });
      const starts = (this.#resources.get(node)?.starts ?? 0) + 1;
      if (r.opStatus === 0 && r.rc === 0) {
        this.#log(`started        ${node}: ${id} (${agentName}) in ${r.execTimeMs} ms`);
        this.#setResource(node, { state: 'started', rc: 0, starts });
      } else {
        this.#log(`start-failed   ${node}: ${id} rc ${r.rc} status ${r.opStatus}${r.exitReason ? ` (${r.exitReason})` : ''}`);
        this.#setResource(node, { state: 'failed', rc: r.rc, starts, error: r.exitReason ?? `rc ${r.rc}, status ${r.opStatus}` });
        return;
      }
    }
    const every = this.#options.resourceMonitorMs ?? 10_000;
    if (every > 0) {
      session.on('op-result', (res: OpResult) => {
        if (res.resource !== id || res.action !== 'monitor' || res.intervalMs !== every) return;
        const current = this.#resources.get(node);
        if (res.opStatus === 0 && res.rc === 0) {
          if (current?.state === 'failed') this.#setResource(node, { state: 'started', rc: 0 });
        } else if (current?.state === 'started') {
          this.#log(`monitor-failed ${node}: ${id} rc ${res.rc}`);
          this.#setResource(node, { state: 'failed', rc: res.rc, error: `monitor rc ${res.rc}` });
        }
      });
      await session.exec({ resource: id, action: 'monitor', intervalMs: every, timeoutMs: 20_000 });
    }
  }

  async #stopResource(node: string): Promise<void> {
    const session = this.#session(node);
    const r = this.#resources.get(node);
    if (!session || !r || r.state === 'stopped') return;
    this.#setResource(node, { state: 'stopping' });
    try {
      const res = await session.exec({ resource: r.resource, action: 'stop', timeoutMs: 20_000, resultTimeoutMs: 5000 });
      this.#setResource(node, { state: res.rc === 0 && res.opStatus === 0 ? 'stopped' : 'failed', rc: res.rc });
      this.#log(`stopped        ${node}: ${r.resource}`);
    } catch (err) {
      // 2.1.5 exits right after asking: the stop cannot be delivered any more.
      this.#setResource(node, { state: 'unknown' });
      this.#log(`stop-skipped   ${node}: ${(err as Error).message}`);
    }
  }

  /** Waits until every queued resource action (probe, start, recurring monitor set-up, stop) has run. */
  async settled(): Promise<void> {
    for (;;) {
      const pending = [...this.#queues.values()];
      await Promise.all(pending);
      const now = [...this.#queues.values()];
      if (now.length === pending.length && now.every((p, i) => p === pending[i])) return;
    }
  }

  /** Stops fencing, every connection and the simulated daemons. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.fencing.close({ releaseHolds: true });
    await this.manager.close();
    await Promise.all([...this.#queues.values()]);
    await this.simulated?.stop();
  }
}
