/**
 * What `crm_node --force --remove NAME` does to the CIB for a remote or guest node, done offline.
 *
 * pcs runs that command after deleting a remote connection or unsetting a guest node on a live cluster
 * (`pcs/lib/pacemaker/live.py: remove_node`); the CIB manager then drops the node's `<node>` entry from
 * `configuration/nodes` (permanent node attributes, e.g. standby) and its `<node_state>` from `status`
 * (history, transient attributes). With `pcs -f` nothing of this happens. Cluster (corosync) nodes are
 * never touched here.
 *
 * @packageDocumentation
 */
import { elements, firstElement, type XmlElement } from '../parse/xml-tree.js';
import { removeChild } from './tree.js';

function named(el: XmlElement, name: string): boolean {
  return el.attrs['uname'] === name || (el.attrs['uname'] === undefined && el.attrs['id'] === name);
}

/**
 * Removes the `<node type="remote">` entry and the remote `<node_state>` of node `name`.
 * @returns the number of elements removed
 */
export function purgeNodeEntries(doc: XmlElement, name: string): number {
  let removed = 0;
  const configuration = firstElement(doc, 'configuration');
  const nodes = configuration ? firstElement(configuration, 'nodes') : undefined;
  if (nodes) {
    for (const n of elements(nodes, 'node')) {
      if (n.attrs['type'] === 'remote' && named(n, name)) {
        removeChild(nodes, n);
        removed++;
      }
    }
  }
  const status = firstElement(doc, 'status');
  if (status) {
    for (const s of elements(status, 'node_state')) {
      if (s.attrs['remote_node'] === 'true' && named(s, name)) {
        removeChild(status, s);
        removed++;
      }
    }
  }
  return removed;
}
