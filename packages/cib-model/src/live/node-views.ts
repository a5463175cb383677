/**
 * What a live follower reports per node: its state (as crm_mon shows it) and, for remote and guest nodes,
 * which cluster node holds its connection. {@link diffNodeViews} turns two CIBs into one change per node.
 */
import type { Cib } from '../cib.js';
import type { NodeState } from '../types.js';

/** One node as a live follower sees it. */
export interface NodeView {
  name: string;
  kind: NodeState['kind'];
  /** `online`, `offline`, `UNCLEAN (online)`, `UNCLEAN (offline)`, `pending`, plus ` (standby)`/` (maintenance)` flags. */
  state: string;
  /** Remote/guest nodes: the cluster node running the connection (undefined when stopped). */
  runningOn?: string;
}

/** One change between two views. */
export interface NodeChange {
  node: string;
  kind: NodeState['kind'];
  /** `added`/`removed` (the node appeared in or left the view), `state`, or `placement` (connection moved). */
  change: 'added' | 'removed' | 'state' | 'placement';
  before?: NodeView;
  after?: NodeView;
}

/** The one-word state crm_mon would show. */
export function stateWord(s: Omit<NodeState, 'name' | 'kind'>): string {
  if (s.unclean) return s.online ? 'UNCLEAN (online)' : 'UNCLEAN (offline)';
  if (s.pending) return 'pending';
  const flags = [s.standby ? 'standby' : '', s.maintenance ? 'maintenance' : ''].filter(Boolean);
  return `${s.online ? 'online' : 'offline'}${flags.length ? ` (${flags.join(', ')})` : ''}`;
}

/** Every node's view: cluster nodes from `nodeStates()`, remote/guest nodes with their placement. */
export function nodeViews(cib: Cib): Map<string, NodeView> {
  const out = new Map<string, NodeView>();
  const remotes = new Map(cib.remoteNodes().map((r) => [r.name, r]));
  for (const s of cib.nodeStates()) {
    const r = remotes.get(s.name);
    out.set(s.name, { name: s.name, kind: s.kind, state: stateWord(s), ...(r?.runningOn ? { runningOn: r.runningOn } : {}) });
  }
  // Remote nodes the status section does not mention yet (never connected).
  for (const r of remotes.values()) {
    if (!out.has(r.name)) out.set(r.name, { name: r.name, kind: r.kind, state: 'offline', ...(r.runningOn ? { runningOn: r.runningOn } : {}) });
  }
  return out;
}

/**
 * The remote/guest nodes whose connection runs on `node` (with `node` itself), for one instance of a
 * sharded follower: every instance keeps only what the scheduler placed on its own cluster node.
 */
export function shardOf(views: ReadonlyMap<string, NodeView>, node: string): Map<string, NodeView> {
  return new Map([...views].filter(([, v]) => v.name === node || (v.kind !== 'cluster' && v.runningOn === node)));
}

/** The changes from `before` to `after` (sorted by node name). */
export function diffNodeViews(before: ReadonlyMap<string, NodeView>, after: ReadonlyMap<string, NodeView>): NodeChange[] {
  const out: NodeChange[] = [];
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const node of names) {
    const b = before.get(node);
    const a = after.get(node);
    if (!b && a) out.push({ node, kind: a.kind, change: 'added', after: a });
    else if (b && !a) out.push({ node, kind: b.kind, change: 'removed', before: b });
    else if (a && b) {
      if (a.runningOn !== b.runningOn) out.push({ node, kind: a.kind, change: 'placement', before: b, after: a });
      if (a.state !== b.state) out.push({ node, kind: a.kind, change: 'state', before: b, after: a });
    }
  }
  return out;
}
