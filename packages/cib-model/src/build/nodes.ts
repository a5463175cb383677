/**
 * Node names and addresses already in use, as the builders check them before adding a node.
 *
 * pcs (`pcs/lib/node.py`: `get_existing_nodes_names_addrs`) collects remote nodes (name = primitive id,
 * address = `server` or the id) and guest nodes (name = `remote-node`, address = `remote-addr` or the
 * name) from the CIB, and cluster nodes from corosync.conf. Offline (`pcs -f`) it has no corosync.conf and
 * skips cluster nodes; we use the CIB's `<nodes>` entries instead (their `uname` as name and address), so
 * we refuse a few names pcs -f would accept (a name equal to an existing cluster node's) - pcs refuses
 * those too when it runs against a live cluster.
 *
 * @packageDocumentation
 */
import { elements, findAll, type XmlElement } from '../parse/xml-tree.js';

/** The resource agent of remote node connections. */
export const REMOTE_AGENT = { class: 'ocf', provider: 'pacemaker', type: 'remote' } as const;

/** Meta attributes that make a primitive a guest node (pcs `GUEST_OPTIONS` + `remote-node`). */
export const GUEST_META = ['remote-node', 'remote-addr', 'remote-port', 'remote-connect-timeout'] as const;

/** True for an `ocf:pacemaker:remote` primitive. */
export function isRemotePrimitive(el: XmlElement): boolean {
  return (
    el.name === 'primitive' &&
    el.attrs['class'] === REMOTE_AGENT.class &&
    el.attrs['provider'] === REMOTE_AGENT.provider &&
    el.attrs['type'] === REMOTE_AGENT.type
  );
}

/** Value of the first `nvpair name=<name>` in the `<setName>` sets of `el` (document order). */
export function nvValue(el: XmlElement, setName: 'meta_attributes' | 'instance_attributes', name: string): string | undefined {
  for (const set of elements(el, setName)) {
    for (const nv of elements(set, 'nvpair')) if (nv.attrs['name'] === name) return nv.attrs['value'];
  }
  return undefined;
}

/** The guest node name of a primitive (non-empty `remote-node` meta attribute), if it has one. */
export function guestNodeName(el: XmlElement): string | undefined {
  if (el.name !== 'primitive') return undefined;
  const v = nvValue(el, 'meta_attributes', 'remote-node');
  return v === undefined || v === '' ? undefined : v;
}

/** A node known to the CIB with the address used to reach it. */
export interface KnownNode {
  name: string;
  addr: string;
  kind: 'cluster' | 'remote' | 'guest';
  /** The element defining it (`node`, or the primitive). */
  element: XmlElement;
}

/** Remote, guest and cluster nodes defined in the configuration. */
export function knownNodes(doc: XmlElement): KnownNode[] {
  const out: KnownNode[] = [];
  const configuration = doc.children.find((c): c is XmlElement => c.kind === 'element' && c.name === 'configuration');
  if (!configuration) return out;
  for (const p of findAll(configuration, (e) => e.name === 'primitive')) {
    const id = p.attrs['id'] ?? '';
    if (isRemotePrimitive(p)) {
      const server = nvValue(p, 'instance_attributes', 'server');
      out.push({ name: id, addr: server ? server : id, kind: 'remote', element: p });
      continue;
    }
    const guest = guestNodeName(p);
    if (guest !== undefined) {
      const addr = nvValue(p, 'meta_attributes', 'remote-addr');
      out.push({ name: guest, addr: addr ? addr : guest, kind: 'guest', element: p });
    }
  }
  const nodesSection = configuration.children.find((c): c is XmlElement => c.kind === 'element' && c.name === 'nodes');
  if (nodesSection) {
    for (const n of elements(nodesSection, 'node')) {
      const uname = n.attrs['uname'];
      if (!uname || (n.attrs['type'] !== undefined && n.attrs['type'] !== 'member' && n.attrs['type'] !== 'normal')) continue;
      out.push({ name: uname, addr: uname, kind: 'cluster', element: n });
    }
  }
  return out;
}
