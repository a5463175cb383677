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
import { parseCib, type NodeState, type RemoteNodeSpec } from '@pcmk-remote/cib-model';
import { Gauge, type Registry } from 'prom-client';
import { readCib, type CibSource } from './cib-source.js';

/** The statuses exported per node (a subset of the exporter's, see the module comment). */
export const NODE_STATUSES = ['online', 'standby', 'maintenance', 'pending', 'unclean'] as const;

/** The exporter's `type` label of a node kind. */
export function exporterNodeType(kind: NodeState['kind']): 'member' | 'remote' {
  return kind === 'cluster' ? 'member' : 'remote';
}

/** Reads a CIB at each {@link refresh} and exposes its node states. */
export class CibMetrics {
  readonly source: CibSource;
  #states: NodeState[] = [];
  #remotes: RemoteNodeSpec[] = [];
  #ok = false;
  #lastError: Error | undefined;

  constructor(source: CibSource, registry: Registry) {
    this.source = source;
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
      const cib = parseCib(await readCib(this.source));
      this.#states = cib.nodeStates();
      this.#remotes = cib.remoteNodes();
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
}
