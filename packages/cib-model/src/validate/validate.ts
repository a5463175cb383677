/**
 * `validate()`: the rules the Pacemaker 2.1.5 documentation states for remote and guest nodes, with
 * stable codes ({@link DiagnosticCodes}), plus the value problems met while deriving the nodes.
 *
 * - `remote-node` must not overlap with any resource or node id (Pacemaker Remote, "Configuration
 *   Explained"): {@link DiagnosticCodes.REMOTE_NODE_NAME_CONFLICT}.
 * - "Never involve a remote node connection resource in a resource group, colocation constraint, or order
 *   constraint" (Pacemaker Remote, bare-metal tutorial): `REMOTE_IN_GROUP`, `REMOTE_IN_CLONE` (Pacemaker
 *   creates no node for a connection below the top level), `REMOTE_IN_CONSTRAINT`.
 * - Node names are unique (case-insensitively, as Pacemaker looks them up): `DUPLICATE_NODE_NAME`.
 * - A guest's container must be a primitive Pacemaker reads guest attributes from (top level or directly
 *   in a top-level group, not a remote connection itself), and guest containers avoid Pacemaker Remote
 *   nodes (`rsc_avoids_remote_nodes` in `pcmk_sched_primitive.c`: no guest inside a guest or remote node):
 *   `GUEST_CONTAINER_INVALID`.
 * @packageDocumentation
 */
import { elements, firstElement, type XmlElement } from '../parse/xml-tree.js';
import { isRemoteAgent, type ResourceEntry } from '../parse/resources.js';
import { char2score } from '../parse/nvpairs.js';
import { DiagnosticCodes } from '../derive/diagnostic-codes.js';
import { readRawGuestMeta, type RemoteNodeDerivation } from '../derive/remote-nodes.js';
import type { Diagnostic } from '../types.js';

interface ClusterNode { id: string | undefined; uname: string | undefined; element: XmlElement }

function clusterNodes(cib: XmlElement): ClusterNode[] {
  const cfg = firstElement(cib, 'configuration');
  const nodes = cfg && firstElement(cfg, 'nodes');
  if (nodes === undefined) return [];
  return elements(nodes, 'node')
    .filter((n) => (n.attrs['type'] ?? '').toLowerCase() !== 'remote')
    .map((n) => ({ id: n.attrs['id'], uname: n.attrs['uname'], element: n }));
}

function ancestors(entry: ResourceEntry): ResourceEntry[] {
  const out: ResourceEntry[] = [];
  for (let p = entry.parent; p !== undefined; p = p.parent) out.push(p);
  return out;
}

/** Returns the diagnostics of a CIB, derivation diagnostics first, each rule's in document order. */
export function validateCib(cib: XmlElement, derived: RemoteNodeDerivation): Diagnostic[] {
  const out: Diagnostic[] = [...derived.diagnostics];
  const push = (severity: Diagnostic['severity'], code: string, message: string, ids: string[]): void => {
    out.push({ severity, code, message, ids });
  };
  const { index, origins } = derived;
  const cluster = clusterNodes(cib);

  // remote-node equal to a resource id or a cluster node id/uname.
  const clusterIds = new Map<string, ClusterNode>();
  for (const n of cluster) {
    if (n.id !== undefined && !clusterIds.has(n.id)) clusterIds.set(n.id, n);
    if (n.uname !== undefined && !clusterIds.has(n.uname)) clusterIds.set(n.uname, n);
  }
  for (const o of origins) {
    const entry = o.entry;
    if (o.source !== 'guest' || entry === undefined) continue;
    const name = o.spec.name;
    const rsc = index.byId.get(name);
    if (rsc !== undefined) {
      push('error', DiagnosticCodes.REMOTE_NODE_NAME_CONFLICT,
        `Guest node name "${name}" (remote-node of ${entry.id}) is also the id of resource ${rsc.id}; Pacemaker names the guest's connection resource after the node, so the two collide`,
        [entry.id, rsc.id]);
    }
    const node = clusterIds.get(name);
    if (node !== undefined) {
      push('error', DiagnosticCodes.REMOTE_NODE_NAME_CONFLICT,
        `Guest node name "${name}" (remote-node of ${entry.id}) is also the id or name of cluster node ${node.uname ?? node.id}`,
        [entry.id, node.id ?? name]);
    }
  }

  // Remote connection primitives below the top level; remote-node where Pacemaker does not read it.
  for (const entry of index.all) {
    const e = entry.element;
    const up = ancestors(entry);
    if (entry.kind === 'primitive' && isRemoteAgent(e) && up.length > 0) {
      if (up.some((a) => a.kind === 'group')) {
        const g = up.find((a) => a.kind === 'group') as ResourceEntry;
        push('error', DiagnosticCodes.REMOTE_IN_GROUP,
          `Remote connection resource ${entry.id} is inside group ${g.id}; Pacemaker creates no remote node for it (never put a connection resource in a group)`,
          [entry.id, g.id]);
      }
      const c = up.find((a) => a.kind === 'clone' || a.kind === 'master' || a.kind === 'bundle');
      if (c !== undefined) {
        push('error', DiagnosticCodes.REMOTE_IN_CLONE,
          `Remote connection resource ${entry.id} is inside ${c.kind} ${c.id}; Pacemaker creates no remote node for it`,
          [entry.id, c.id]);
      }
    }
    if (entry.kind === 'template') continue;
    const raw = readRawGuestMeta(e, index);
    if (raw.name === undefined) continue;
    const inTopGroup = up.length === 1 && up[0]?.kind === 'group';
    if (entry.kind !== 'primitive') {
      push('error', DiagnosticCodes.GUEST_CONTAINER_INVALID,
        `${entry.kind} ${entry.id} has remote-node="${raw.name}"; only a primitive can host a guest node, Pacemaker ignores it`, [entry.id]);
    } else if (up.length > 0 && !inTopGroup) {
      const a = up[0] as ResourceEntry;
      push('error', DiagnosticCodes.GUEST_CONTAINER_INVALID,
        `Primitive ${entry.id} has remote-node="${raw.name}" but is inside ${a.kind} ${a.id}; Pacemaker only reads guest nodes from top-level primitives and primitives directly in a top-level group`,
        [entry.id, a.id]);
    } else if (isRemoteAgent(e)) {
      push('error', DiagnosticCodes.GUEST_CONTAINER_INVALID,
        `Primitive ${entry.id} is itself a remote connection (ocf:pacemaker:remote) and cannot host guest node "${raw.name}"`, [entry.id]);
    }
  }

  // Remote connections in colocation / order constraints.
  const connections = new Map<string, string>();
  for (const o of origins) if (o.source === 'remote') connections.set(o.spec.connectionResource, o.spec.name);
  const cfg = index.configuration;
  const constraints = cfg && firstElement(cfg, 'constraints');
  if (constraints !== undefined && connections.size > 0) {
    for (const c of elements(constraints)) {
      const kind = c.name === 'rsc_colocation' ? 'colocation' : c.name === 'rsc_order' ? 'order' : undefined;
      if (kind === undefined) continue;
      const refs = new Set<string>();
      for (const attr of kind === 'colocation' ? ['rsc', 'with-rsc'] : ['first', 'then']) {
        const v = c.attrs[attr];
        if (v !== undefined) refs.add(v);
      }
      for (const set of elements(c, 'resource_set')) {
        const s = index.ids.expand(set);
        if (s === undefined) continue;
        for (const r of elements(s, 'resource_ref')) if (r.attrs['id'] !== undefined) refs.add(r.attrs['id']);
      }
      for (const r of refs) {
        if (!connections.has(r)) continue;
        push('error', DiagnosticCodes.REMOTE_IN_CONSTRAINT,
          `Remote connection resource ${r} is used in ${kind} constraint ${c.attrs['id'] ?? '(no id)'}; never involve a connection resource in a colocation or order constraint`,
          [r, c.attrs['id'] ?? r]);
      }
    }
  }

  // Guest containers placed on Pacemaker Remote nodes (nested remotes).
  const remoteNames = new Map<string, string>();
  for (const o of origins) remoteNames.set(o.spec.name.toLowerCase(), o.spec.name);
  if (constraints !== undefined && origins.some((o) => o.source === 'guest')) {
    const containers = new Map<string, string>();
    for (const o of origins) if (o.source === 'guest' && o.entry !== undefined) containers.set(o.entry.id, o.spec.name);
    for (const c of elements(constraints, 'rsc_location')) {
      const rsc = c.attrs['rsc'];
      const node = c.attrs['node'];
      if (rsc === undefined || node === undefined || !containers.has(rsc)) continue;
      const target = remoteNames.get(node.toLowerCase());
      if (target === undefined || char2score(c.attrs['score']) <= 0) continue;
      push('warning', DiagnosticCodes.GUEST_CONTAINER_INVALID,
        `Location constraint ${c.attrs['id'] ?? '(no id)'} places ${rsc} (container of guest node ${containers.get(rsc)}) on Pacemaker Remote node ${target}; Pacemaker keeps guest containers off remote and guest nodes`,
        [rsc, c.attrs['id'] ?? rsc]);
    }
  }

  // Duplicate node names (case-insensitive, as pe_find_node).
  const byName = new Map<string, Array<{ name: string; id: string }>>();
  const add = (name: string, id: string): void => {
    const key = name.toLowerCase();
    const list = byName.get(key);
    if (list === undefined) byName.set(key, [{ name, id }]);
    else list.push({ name, id });
  };
  for (const n of cluster) {
    const name = n.uname ?? n.id;
    if (name !== undefined) add(name, n.id ?? name);
  }
  for (const o of origins) if (o.entry !== undefined) add(o.spec.name, o.entry.id);
  for (const list of byName.values()) {
    if (list.length < 2) continue;
    push('error', DiagnosticCodes.DUPLICATE_NODE_NAME,
      `Node name "${(list[0] as { name: string }).name}" is declared ${list.length} times (${list.map((l) => l.id).join(', ')})`,
      [...new Set(list.map((l) => l.id))]);
  }
  return out;
}
