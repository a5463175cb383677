/**
 * A miniature controller for a promotable clone on remote nodes, driven by the IPC relay.
 *
 * Every promotable agent (here `ocf:pacemaker:Stateful`) publishes its promotion score on the node with
 * `crm_attribute --promotion` (`crm_master`). On a remote node that tool reaches the owner through the
 * daemon's IPC relay: this controller owns the nodes with `ipcRelay` set to a {@link NodeAttributeStore},
 * so the scores land in the store, and it does what Pacemaker's scheduler does with them:
 *
 * - start one instance of the clone on every node that comes up (unpromoted: score 5);
 * - promote the instance with the highest score when none is promoted (`promoted-max` 1);
 * - when the promoted node is lost, its attributes go with it (`nodeDown` clears the store) and the best
 *   remaining instance is promoted.
 *
 * `crm_node -n` (ControllerInfoRelay) and `crm_attribute`'s node lookup (ReadOnlyCibRelay, a CIB listing
 * the nodes) are served too, so the real agent works on real remote nodes the controller owns.
 */
import { EventEmitter } from 'node:events';
import {
  ConnectionManager,
  ControllerInfoRelay,
  NodeAttributeStore,
  ReadOnlyCibRelay,
  composeRelays,
  type NodeSpec,
  type RemoteNodeOptions,
  type RemoteSession,
} from '@pcmk-remote/remote-conn';

/** The clone's resource id (its score attribute is `master-<id>`). */
export const CLONE = 'stateful';
const SCORE = `master-${CLONE}`;
const AGENT = { standard: 'ocf', provider: 'pacemaker', type: 'Stateful' } as const;

/** Where one node's instance stands. */
export type InstanceRole = 'starting' | 'unpromoted' | 'promoting' | 'promoted' | 'failed' | 'gone';

/** Events of a {@link RelayController}. */
export interface RelayControllerEvents {
  /** A line for a human. */
  log: [line: string];
  /** An instance changed role. */
  role: [node: string, role: InstanceRole];
}

/** A minimal CIB naming the remote nodes (crm_attribute maps node names through the CIB). */
export function nodesCib(names: string[]): string {
  const prims = names.map((n) => `<primitive id="${n}" class="ocf" provider="pacemaker" type="remote"/>`).join('');
  const states = names.map((n) => `<node_state id="${n}" uname="${n}" remote_node="true" in_ccm="true" crmd="online"/>`).join('');
  return `<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1"><configuration><crm_config/><nodes/><resources>${prims}</resources><constraints/></configuration><status>${states}</status></cib>`;
}

/** Runs a promotable clone of `ocf:pacemaker:Stateful` on the nodes it is given. */
export class RelayController extends EventEmitter<RelayControllerEvents> {
  /** The promotion scores (and every other transient attribute) the nodes publish. */
  readonly attributes = new NodeAttributeStore();
  readonly manager: ConnectionManager;
  readonly #roles = new Map<string, InstanceRole>();
  readonly #names: string[];
  #busy = false;
  #again = false;
  #closed = false;

  constructor(nodes: NodeSpec[], defaults: Partial<RemoteNodeOptions> = {}) {
    super();
    this.#names = nodes.map((n) => n.name);
    const cib = new ReadOnlyCibRelay({ cib: nodesCib(this.#names), attributes: this.attributes });
    const ipcRelay = composeRelays({ attrd: this.attributes, crmd: new ControllerInfoRelay(), cib_ro: cib, cib_rw: cib });
    this.manager = new ConnectionManager({ defaults: { monitorIntervalMs: 2000, reconnectIntervalMs: 2000, ...defaults, ipcRelay } });
    this.manager.on('node-up', ({ node }) => void this.#startInstance(node));
    this.manager.on('node-down', ({ node, reason }) => {
      this.#setRole(node, 'gone');
      this.emit('log', `${node}: down (${reason}); its attributes are forgotten`);
      this.#reconcile();
    });
    this.manager.on('relay-error', (e) => this.emit('log', `${e.node}: relay ${e.kind}: ${e.error.message}`));
    this.attributes.on('change', ({ node, name, value }) => {
      if (name !== SCORE) return;
      this.emit('log', value === undefined ? `${node}: ${name} deleted` : `${node}: ${name} = ${value} (crm_attribute --promotion on the node, through the relay)`);
      this.#reconcile();
    });
    for (const n of nodes) this.manager.addNode(n);
  }

  /** Roles of the instances by node. */
  roles(): Record<string, InstanceRole> {
    return Object.fromEntries(this.#roles);
  }

  /** The node whose instance is promoted, if any. */
  get promoted(): string | undefined {
    return [...this.#roles].find(([, r]) => r === 'promoted' || r === 'promoting')?.[0];
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.manager.close();
    this.attributes.flush();
  }

  #session(node: string): RemoteSession | undefined {
    return this.manager.node(node)?.session;
  }

  #setRole(node: string, role: InstanceRole): void {
    if (this.#roles.get(node) === role) return;
    this.#roles.set(node, role);
    this.emit('role', node, role);
  }

  /** The parameters the controller passes to every action of a clone instance on `node`. */
  #params(node: string) {
    return { CRM_meta_on_node: node, CRM_meta_on_node_uuid: node, CRM_meta_globally_unique: 'false', CRM_meta_clone_max: this.#names.length, CRM_meta_promoted_max: 1, CRM_meta_timeout: 20_000 };
  }

  async #run(node: string, action: string): Promise<number | undefined> {
    const session = this.#session(node);
    if (!session || this.#closed) return undefined;
    const r = await session.exec({ resource: CLONE, action, timeoutMs: 20_000, params: this.#params(node) }).catch(() => undefined);
    return r && r.opStatus === 0 ? r.rc : undefined;
  }

  async #startInstance(node: string): Promise<void> {
    const session = this.#session(node);
    if (!session) return;
    this.#setRole(node, 'starting');
    await session.registerResource({ id: CLONE, ...AGENT }).catch(() => undefined);
    // A probe first, as Pacemaker does: an instance may still run (promoted: rc 8) from before.
    const probe = await this.#run(node, 'monitor');
    const rc = probe === 0 || probe === 8 ? probe : await this.#run(node, 'start');
    if (rc === 8) this.#setRole(node, 'promoted');
    else this.#setRole(node, rc === 0 ? 'unpromoted' : 'failed');
    this.#reconcile();
  }

  /** Promote the best instance when none is promoted (one at a time, again after a change meanwhile). */
  #reconcile(): void {
    if (this.#closed) return;
    if (this.#busy) {
      this.#again = true;
      return;
    }
    if (this.promoted) return;
    const candidates = [...this.#roles]
      .filter(([, r]) => r === 'unpromoted')
      .map(([node]) => ({ node, score: Number(this.attributes.get(node, SCORE) ?? Number.NaN) }))
      .filter((c) => Number.isFinite(c.score) && c.score > 0)
      .sort((a, b) => b.score - a.score || (a.node < b.node ? -1 : 1));
    const best = candidates[0];
    if (!best) return;
    this.#busy = true;
    this.#setRole(best.node, 'promoting');
    this.emit('log', `${best.node}: highest promotion score (${best.score}): promote`);
    void this.#run(best.node, 'promote').then((rc) => {
      this.#busy = false;
      if (this.#roles.get(best.node) === 'promoting') this.#setRole(best.node, rc === 0 ? 'promoted' : 'failed');
      if (this.#again || rc !== 0) {
        this.#again = false;
        this.#reconcile();
      }
    });
  }
}
