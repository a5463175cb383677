/**
 * Comparisons of our readings with the real cluster's own answer (crm_mon), used by the live-cluster suites.
 */
import { parseCib, type Cib } from '@pcmk-remote/cib-model';
import type { ClusterHandle } from './cluster.js';
import type { CrmMonView } from './crm-mon.js';

/** The node statuses both sides have (crm_mon attributes = `NodeState` fields = exporter statuses). */
export const STATUSES = ['online', 'standby', 'maintenance', 'pending', 'unclean'] as const;

/** `node -> sorted statuses that hold`, as crm_mon prints them. */
export function crmMonStatuses(v: CrmMonView): Map<string, string[]> {
  return new Map([...v.nodes.values()].map((n) => [n.name, STATUSES.filter((s) => n[s])]));
}

/** `node -> sorted statuses that hold`, as cib-model's `nodeStates()` derives them. */
export function modelStatuses(cib: Cib): Map<string, string[]> {
  return new Map(cib.nodeStates().map((s) => [s.name, STATUSES.filter((k) => s[k])]));
}

/** `node -> statuses` from a monitoring agent scrape's `ha_cluster_pacemaker_nodes` series. */
export function scrapeStatuses(metrics: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of metrics.matchAll(/^ha_cluster_pacemaker_nodes\{([^}]*)\} 1$/gm)) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    const list = out.get(labels.node!) ?? [];
    list.push(labels.status!);
    out.set(labels.node!, list);
  }
  for (const [k, v] of out) out.set(k, STATUSES.filter((s) => v.includes(s)));
  return out;
}

/** A Map as a sorted plain object (for deep equality with readable diffs). */
export function plain<V>(m: Map<string, V>): Record<string, V> {
  return Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));
}

/** The live CIB and crm_mon read at the same CIB version (retries while the cluster is changing). */
export async function consistentRead(cluster: ClusterHandle, node?: string): Promise<{ cib: Cib; mon: CrmMonView }> {
  const version = (c: Cib) => ['admin_epoch', 'epoch', 'num_updates'].map((k) => c.document.attrs[k]).join('.');
  for (let i = 0; ; i++) {
    const before = parseCib((await cluster.exec(node ?? cluster.liveNodes()[0]!, ['cibadmin', '--query'])).stdout);
    const mon = await cluster.crmMon(node);
    const after = parseCib((await cluster.exec(node ?? cluster.liveNodes()[0]!, ['cibadmin', '--query'])).stdout);
    if (version(before) === version(after) || i >= 10) return { cib: after, mon };
  }
}
