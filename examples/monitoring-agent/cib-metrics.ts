/**
 * Metrics about nodes a Pacemaker cluster owns, read from its CIB (never by connecting to them).
 *
 * `ha_cluster_pacemaker_nodes{node,type,status}` has ha_cluster_exporter's name, labels and convention
 * (one series with value 1 per status that holds; `type` is `member` for cluster nodes and `remote` for
 * remote, guest and bundle nodes), so dashboards built for the exporter work on it. We derive the statuses
 * `online`, `standby`, `maintenance`, `pending` and `unclean` (what `crm_mon` shows, as
 * `@pcmk-remote/cib-model`'s `nodeStates()` derives it); the exporter's `standby_onfail`, `shutdown`,
 * `expected_up` and `dc` are not derived. The rest is ours: `pcmk_remote_cib_remote_node_info` (each remote
 * and guest node's connection parameters and the cluster node that holds its connection) and
 * `pcmk_remote_cib_read_success`.
 */
import { parseCib, type Cib, type NodeState, type RemoteNodeSpec } from '@pcmk-remote/cib-model';
import { diffNodeViews, LiveCib, nodeViews } from '@pcmk-remote/cib-model/live';
import { Gauge, type Registry } from 'prom-client';
import { readCib, type CibSource } from './cib-source.js';

/** The statuses exported per node (a subset of the exporter's, see the module comment). */
export const NODE_STATUSES = ['online', 'standby', 'maintenance', 'pending', 'unclean'] as const;

/** The exporter's `type` label of a node kind. */
export function exporterNodeType(kind: NodeState['kind']): 'member' | 'remote' {
  return kind === 'cluster' ? 'member' : 'remote';
}

/** Options of {@link CibMetrics}. */
export interface CibMetricsOptions {
  /**
   * Export only this cluster node and the remote/guest nodes whose connection runs on it (one agent per
   * cluster node then covers every remote node once, sharded by the scheduler's placement).
   */
  onlyRunningOn?: string;
  /** Live sources: called with one line per node change. */
  log?: (line: string) => void;
}

/** Reads a CIB at each {@link refresh} (a live source: follows it) and exposes its node states. */
export class CibMetrics {
  readonly source: CibSource;
  readonly onlyRunningOn: string | undefined;
  #states: NodeState[] = [];
  #remotes: RemoteNodeSpec[] = [];
  #ok = false;
  #lastError: Error | undefined;
  #opening: Promise<LiveCib> | undefined;
  #closed = false;
  readonly #log: (line: string) => void;

  constructor(source: CibSource, registry: Registry, options: CibMetricsOptions = {}) {
    this.source = source;
    this.onlyRunningOn = options.onlyRunningOn;
    this.#log = options.log ?? (() => undefined);
    const registers = [registry];
    const self = this;
    new Gauge({
      name: 'ha_cluster_pacemaker_nodes',
      help: 'The nodes in the cluster; one line per name, per status',
      labelNames: ['node', 'type', 'status'] as const,
      registers,
      collect() {
        this.reset();
        for (const n of self.#states) {
          for (const status of NODE_STATUSES) if (n[status]) this.set({ node: n.name, type: exporterNodeType(n.kind), status }, 1);
        }
      },
    });
    new Gauge({
      name: 'pcmk_remote_cib_remote_node_info',
      help: 'Remote and guest nodes defined in the CIB, with their connection parameters (value 1). Read from the CIB only: never connected to.',
      labelNames: ['node', 'kind', 'host', 'port', 'running_on'] as const,
      registers,
      collect() {
        this.reset();
        for (const r of self.#remotes) {
          this.set({ node: r.name, kind: r.kind, host: r.host, port: String(r.port), running_on: r.runningOn ?? '' }, 1);
        }
      },
    });
    new Gauge({
      name: 'pcmk_remote_cib_read_success',
      help: 'Whether the last read of the CIB succeeded: 1 or 0.',
      registers,
      collect() {
        this.set(self.#ok ? 1 : 0);
      },
    });
  }

  /** Node states from the last successful read (empty after a failed one). */
  get nodeStates(): NodeState[] {
    return this.#states;
  }

  /** Remote and guest nodes from the last successful read. */
  get remoteNodes(): RemoteNodeSpec[] {
    return this.#remotes;
  }

  /** The error of the last read, if it failed. */
  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /**
   * Reads and parses the CIB. On failure the node series are cleared (stale states would mislead) and
   * `pcmk_remote_cib_read_success` becomes 0; never throws.
   */
  async refresh(): Promise<boolean> {
    try {
      const cib = 'live' in this.source ? await this.#followed(this.source.live) : parseCib(await readCib(this.source));
      const node = this.onlyRunningOn;
      this.#remotes = cib.remoteNodes().filter((r) => node === undefined || r.runningOn === node);
      const mine = new Set(this.#remotes.map((r) => r.name));
      this.#states = cib.nodeStates().filter((s) => node === undefined || s.name === node || mine.has(s.name));
      this.#ok = true;
      this.#lastError = undefined;
    } catch (err) {
      this.#states = [];
      this.#remotes = [];
      this.#ok = false;
      this.#lastError = err instanceof Error ? err : new Error(String(err));
    }
    return this.#ok;
  }

  /** A live source's current CIB (opened once, at the first refresh; later refreshes read nothing). */
  async #followed(options: Parameters<typeof LiveCib.open>[0]): Promise<Cib> {
    if (this.#closed) throw new Error('the CIB reader is closed');
    this.#opening ??= LiveCib.open(options).then((live) => {
      live.on('change', (next, prev) => {
        for (const c of diffNodeViews(nodeViews(prev.cib), nodeViews(next.cib))) {
          const b = c.before;
          const a = c.after;
          this.#log(`CIB change: ${c.node} ${c.change}: ${b ? `${b.state}${b.runningOn ? ` on ${b.runningOn}` : ''}` : '-'} -> ${a ? `${a.state}${a.runningOn ? ` on ${a.runningOn}` : ''}` : '-'}`);
        }
      });
      live.on('error', (err) => this.#log(`CIB: ${err.message}`));
      return live;
    });
    // A failed first read is retried at the next refresh.
    const live = await this.#opening.catch((err: unknown) => {
      this.#opening = undefined;
      throw err;
    });
    if (this.#closed) throw new Error('the CIB reader is closed');
    return live.current.cib;
  }

  /** Stops following a live source. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const opening = this.#opening;
    this.#opening = undefined;
    await (await opening?.catch(() => undefined))?.close();
  }
}
