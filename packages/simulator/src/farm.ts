/**
 * `SimulatedRemoteFarm`: many simulated pacemaker-remoted nodes in one process, each on its own address and
 * port with one shared key, for scale tests of a real Pacemaker cluster (or any cluster-side client)
 * without VMs. Per-node faults (kill, freeze, graceful stop, restart, wrong key), per-node agents, and one
 * event stream of what the cluster asked each node to do.
 *
 * One event loop serves the farm: a node costs a listening socket, a TLS connection and a few timers.
 * Measured under a live 2.1.5 cluster (BENCHMARKS.md, `npm run bench:farm`): 200 connected nodes used 1–2 %
 * of one core and 1,000 listening nodes about 110–140 MiB with the harness; the cluster's scheduler is the
 * limit long before the farm is.
 */
import createDebug from 'debug';
import { EventEmitter } from 'eventemitter3';
import { ErrorCodes, RemoteConnError } from '@pcmk-remote/remote-conn/protocol';
import { SimulatedRemoteDaemon } from './simulated-daemon.js';
import type { SimulatedDaemonOptions } from './sim-options.js';

const debug = createDebug('pcmk-remote:farm');

/** Options of {@link SimulatedRemoteFarm.start}. */
export interface FarmOptions {
  /** How many nodes (1 or more). */
  nodes: number;
  /** The pre-shared key every node uses (the cluster's authkey). */
  key: Buffer;
  /**
   * Address(es) to listen on: one address for every node (ports then differ), or a function of the node's
   * index (0-based) giving each node its own address. @default '127.0.0.1'
   */
  host?: string | ((index: number) => string);
  /** Port of the first node; node i listens on `basePort + i`. 0 gives every node a free port. @default 0 */
  basePort?: number;
  /** Node names are `<prefix><i>` with i from 1. @default 'sim' */
  prefix?: string;
  /** Pacemaker version the nodes behave like, or a function of the node's index. @default '2.1.5' */
  version?: string | ((index: number) => string);
  /** Further options of every node's daemon. */
  daemon?: Omit<SimulatedDaemonOptions, 'key' | 'host' | 'port' | 'nodeName' | 'version'>;
  /** Called for each node once it listens: install per-node agents (`node.daemon.agents.set(...)`), hooks... */
  setup?: (node: FarmNode) => void;
}

/** What a node is doing, from the farm's point of view. */
export type FarmNodeState = 'listening' | 'connected' | 'frozen' | 'stopped';

/** One node of the farm. */
export interface FarmNode {
  /** 0-based index. */
  readonly index: number;
  /** Node name (`<prefix><index + 1>`): the remote node's name in the cluster and its `uname -n`. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** The node's daemon, for anything the farm does not wrap. */
  readonly daemon: SimulatedRemoteDaemon;
}

/** One thing the cluster asked a node to do (an executor request). */
export interface FarmRequestEvent {
  node: string;
  /** `lrmd_op`: `register`, `lrmd_rsc_exec`, `lrmd_rsc_cancel`, `lrmd_rsc_poke`... */
  op: string;
  /** The client that asked (`lrmd_clientname`, e.g. the controller's). */
  client: string | undefined;
  resource?: string;
  /** For `lrmd_rsc_exec` / `lrmd_rsc_cancel`. */
  action?: string;
  intervalMs?: number;
  /** `Date.now()` when it arrived. */
  at: number;
}

/** Counts over the farm (see {@link SimulatedRemoteFarm.status}). */
export interface FarmStatus {
  nodes: number;
  /** Daemons serving (not killed or stopped). */
  up: number;
  /** Nodes with a registered client (the cluster's connection). */
  connected: number;
  /** Nodes that received at least one probe (a monitor with interval 0). */
  probed: number;
  /** Resources the nodes believe run, over all nodes. */
  running: number;
  /** Requests received, over all nodes. */
  requests: number;
}

/** A row of {@link SimulatedRemoteFarm.table}. */
export interface FarmNodeRow {
  name: string;
  address: string;
  state: FarmNodeState;
  clients: number;
  resources: number;
  running: number;
  probes: number;
  requests: number;
}

/** Events of {@link SimulatedRemoteFarm}. */
export interface FarmEvents {
  /** The cluster asked a node something. */
  request: (event: FarmRequestEvent) => void;
  /** A client (the cluster) registered with a node. */
  connected: (node: string, client: string | undefined) => void;
  /** A client's connection to a node closed. */
  disconnected: (node: string, client: string | undefined) => void;
  /** A node's TLS handshake failed (wrong key, aborted hello, timeout). */
  'handshake-failed': (node: string, reason: string) => void;
  /** A node's daemon exited (kill, graceful stop, restart). */
  exit: (node: string, reason: string) => void;
}

interface NodeCounters {
  probes: number;
  requests: number;
}

function invalid(message: string): RemoteConnError {
  return new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, message);
}

/**
 * A farm of simulated remote nodes. Create with {@link SimulatedRemoteFarm.start}; always {@link stop} it.
 *
 * @example
 * ```ts
 * const farm = await SimulatedRemoteFarm.start({ nodes: 20, key, basePort: 4000 });
 * const asked: string[] = [];
 * farm.on('request', (e) => asked.push(`${e.node} ${e.op} ${e.resource ?? ''} ${e.action ?? ''}`));
 * await farm.kill('sim3');      // like SIGKILL of that node's daemon
 * await farm.relaunch('sim3');  // back, fresh state
 * await farm.stop();
 * ```
 */
export class SimulatedRemoteFarm extends EventEmitter<FarmEvents> {
  readonly #nodes: FarmNode[] = [];
  readonly #byName = new Map<string, FarmNode>();
  readonly #counters = new Map<string, NodeCounters>();
  readonly #key: Buffer;
  #stopped = false;

  private constructor(key: Buffer) {
    super();
    this.#key = key;
  }

  /** Starts every node; resolves once all listen (rejects, with every node stopped, when one cannot). */
  static async start(options: FarmOptions): Promise<SimulatedRemoteFarm> {
    if (typeof options !== 'object' || options === null) throw invalid('SimulatedRemoteFarm.start needs an options object');
    const { nodes: count, key } = options;
    if (!Number.isInteger(count) || count < 1) throw invalid(`nodes must be a positive integer, got ${String(count)}`);
    if (!Buffer.isBuffer(key)) throw invalid('key must be a Buffer (the authkey bytes)');
    const basePort = options.basePort ?? 0;
    if (!Number.isInteger(basePort) || basePort < 0 || basePort + (basePort > 0 ? count - 1 : 0) > 65535) {
      throw invalid(`basePort must be 0 or a port such that basePort + nodes - 1 <= 65535, got ${String(basePort)}`);
    }
    const prefix = options.prefix ?? 'sim';
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(prefix)) throw invalid(`prefix must start a valid node name ([A-Za-z_][A-Za-z0-9_.-]*), got ${JSON.stringify(prefix)}`);
    const hostOf = typeof options.host === 'function' ? options.host : () => (options.host as string | undefined) ?? '127.0.0.1';
    const farm = new SimulatedRemoteFarm(key);
    try {
      // start in slices: each listen is cheap, but thousands at once only queue up
      const slice = 256;
      for (let from = 0; from < count; from += slice) {
        const batch = [];
        for (let i = from; i < Math.min(count, from + slice); i++) {
          batch.push(farm.#startNode(i, `${prefix}${i + 1}`, hostOf(i), basePort > 0 ? basePort + i : 0, options));
        }
        await Promise.all(batch);
      }
    } catch (err) {
      await farm.stop();
      throw err;
    }
    for (const n of farm.#nodes) options.setup?.(n);
    debug('farm of %d nodes listening', count);
    return farm;
  }

  async #startNode(index: number, name: string, host: string, port: number, o: FarmOptions): Promise<void> {
    const daemon = await SimulatedRemoteDaemon.start({
      ...o.daemon,
      key: this.#key,
      host,
      port,
      nodeName: name,
      ...(o.version === undefined ? {} : { version: typeof o.version === 'function' ? o.version(index) : o.version }),
    });
    const node: FarmNode = { index, name, host, port: daemon.port, daemon };
    this.#nodes[index] = node;
    this.#byName.set(name, node);
    const counters: NodeCounters = { probes: 0, requests: 0 };
    this.#counters.set(name, counters);
    daemon.on('request', (e) => {
      counters.requests++;
      const ev: FarmRequestEvent = { node: name, op: e.op ?? '', client: e.client.name, at: Date.now() };
      const rsc = e.request.rsc;
      if (rsc?.rscId !== undefined) ev.resource = rsc.rscId;
      if (rsc?.action !== undefined) {
        ev.action = rsc.action;
        ev.intervalMs = rsc.intervalMs;
        if (e.op === 'lrmd_rsc_exec' && rsc.action === 'monitor' && rsc.intervalMs === 0) counters.probes++;
      }
      this.emit('request', ev);
    });
    daemon.on('client-registered', (c) => this.emit('connected', name, c.name));
    daemon.on('client-closed', (c) => this.emit('disconnected', name, c.name));
    daemon.on('handshake-failed', (info) => this.emit('handshake-failed', name, info.reason));
    daemon.on('exit', (reason) => this.emit('exit', name, reason));
  }

  /** Every node, in index order. */
  get nodes(): readonly FarmNode[] {
    return this.#nodes;
  }

  /** The node of that name; throws `INVALID_ARGUMENT` for an unknown name. */
  node(name: string): FarmNode {
    const n = this.#byName.get(name);
    if (!n) throw invalid(`no node ${JSON.stringify(name)} in this farm`);
    return n;
  }

  /** Like SIGKILL of the node's daemon: connections drop without goodbye, the port closes. */
  async kill(name: string): Promise<void> {
    await this.node(name).daemon.kill();
  }

  /** Like SIGSTOP: the node reads, answers and times nothing until {@link thaw}. */
  freeze(name: string): void {
    this.node(name).daemon.pause();
  }

  /** Like SIGCONT after {@link freeze}. */
  thaw(name: string): void {
    this.node(name).daemon.resume();
  }

  /**
   * Graceful stop, like `systemctl stop pacemaker_remote`: the daemon asks the cluster to move its
   * resources away (`shutdown_req`) and exits as its version does (2.1.5: right after the request).
   */
  async gracefulStop(name: string): Promise<void> {
    await this.node(name).daemon.requestShutdown();
  }

  /** Starts a killed or stopped node again on its port, with fresh daemon state. */
  async relaunch(name: string): Promise<void> {
    await this.node(name).daemon.relaunch();
  }

  /** Kill, wait `downMs`, relaunch. */
  async restart(name: string, options: { downMs?: number } = {}): Promise<void> {
    await this.node(name).daemon.restart(options);
  }

  /** The node uses another key for new handshakes (the cluster's connection attempts then fail), or its right key again with `wrong = false`. */
  wrongKey(name: string, wrong = true): void {
    const d = this.node(name).daemon;
    d.setKey(wrong ? Buffer.from(this.#key.map((b) => b ^ 0xff)) : this.#key);
  }

  /** One node's state. */
  stateOf(name: string): FarmNodeState {
    const d = this.node(name).daemon;
    if (d.state !== 'running') return 'stopped';
    if (d.paused) return 'frozen';
    return d.clients().some((c) => c.name !== undefined) ? 'connected' : 'listening';
  }

  /** Counts over the whole farm. */
  status(): FarmStatus {
    const s: FarmStatus = { nodes: this.#nodes.length, up: 0, connected: 0, probed: 0, running: 0, requests: 0 };
    for (const row of this.table()) {
      if (row.state !== 'stopped') s.up++;
      if (row.state === 'connected' || (row.state === 'frozen' && row.clients > 0)) s.connected++;
      if (row.probes > 0) s.probed++;
      s.running += row.running;
      s.requests += row.requests;
    }
    return s;
  }

  /** One row per node (for a summary table). */
  table(): FarmNodeRow[] {
    return this.#nodes.map((n) => {
      const c = this.#counters.get(n.name) ?? { probes: 0, requests: 0 };
      const resources = n.daemon.resources();
      return {
        name: n.name,
        address: `${n.host}:${n.port}`,
        state: this.stateOf(n.name),
        clients: n.daemon.clientCount,
        resources: resources.length,
        running: resources.filter((r) => r.running).length,
        probes: c.probes,
        requests: c.requests,
      };
    });
  }

  /** Stops every node (every socket closed, every timer cleared). Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.all(this.#nodes.filter(Boolean).map((n) => n.daemon.stop()));
    this.removeAllListeners();
  }
}
