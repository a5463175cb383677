/**
 * `addGuestNode` / `removeGuestNode`: the offline equivalents of `pcs cluster node add-guest` and
 * `pcs cluster node remove-guest` (pcs 0.11.5, `pcs/lib/cib/resource/guest_node.py`), checked against
 * `pcs -f` itself by `test/real/pcs-oracle.test.ts`.
 *
 * @packageDocumentation
 */
import type { Cib } from '../cib.js';
import { Cib as CibClass } from '../cib.js';
import { CibModelError, CibModelErrorCodes } from '../errors.js';
import { element, elements, findAll, type XmlElement } from '../parse/xml-tree.js';
import { IdAllocator } from './ids.js';
import { GUEST_META, guestNodeName, isRemotePrimitive, knownNodes, nvValue } from './nodes.js';
import { purgeNodeEntries } from './purge.js';
import { bumpEpoch, cloneTree, configSection, insertChild, parentMap, removeChild } from './tree.js';
import { durationText, nodeName, nonEmpty, optionalHost, portText, type DurationInput } from './values.js';

/** Options of {@link addGuestNode}. */
export interface AddGuestNodeOptions {
  /** Node name (`remote-node`). Must not be used as an id in the CIB nor as a node name or address. */
  name: string;
  /** Id of the primitive (VM or container) that will host the node. */
  resource: string;
  /** `remote-addr`. Default: the node name. Always written, as pcs does. */
  remoteAddr?: string;
  /** `remote-port`. Default: not written (Pacemaker uses 3121). */
  remotePort?: number;
  /** `remote-connect-timeout` (duration string or ms). Default: not written (Pacemaker uses 60s). */
  connectTimeout?: DurationInput;
}

function conflict(message: string, ids: string[]): CibModelError {
  return new CibModelError(CibModelErrorCodes.CONFLICT, message, { ids });
}

/**
 * Makes a primitive a guest node, as `pcs cluster node add-guest NAME RESOURCE [remote-addr=..]
 * [remote-port=..] [remote-connect-timeout=..]` does: the meta attributes `remote-node`, `remote-addr`
 * and the optional `remote-port` / `remote-connect-timeout` go into the resource's first
 * `meta_attributes` set (sorted by name, existing pairs of the same name updated); a new set
 * `<resource>-meta_attributes` is created as the first child of the primitive when it has none.
 * Returns a new `Cib` (epoch + 1); the input is not changed.
 *
 * Checks: the name is a valid id of at most 255 characters (the same rule as {@link addRemoteNode}) and is
 * not an id in the configuration, a node name, or (as the default
 * address) a node address; `remoteAddr` is not another node's address (`PCMK_CIB_CONFLICT`); port and
 * timeout are valid (`PCMK_CIB_INVALID_ARGUMENT`); the resource exists (`PCMK_CIB_NOT_FOUND`), is a
 * primitive and not already a guest node (pcs's checks), and - stricter than pcs - is not an
 * `ocf:pacemaker:remote` connection and not inside a clone or bundle (a cloned guest would be several
 * nodes with one name) (`PCMK_CIB_CONFLICT`).
 *
 * @throws {@link CibModelError}
 * @example
 * const out = addGuestNode(cib, { name: 'guest1', resource: 'vm1', remoteAddr: '192.168.122.10' });
 */
export function addGuestNode(cib: Cib, opts: AddGuestNodeOptions): Cib {
  if (typeof opts !== 'object' || opts === null) {
    throw new CibModelError(CibModelErrorCodes.INVALID_ARGUMENT, 'addGuestNode needs an options object');
  }
  const name = nodeName('name', opts.name);
  const resourceId = nonEmpty('resource', opts.resource);
  const addr = optionalHost('remoteAddr', opts.remoteAddr) ?? name;
  const port = opts.remotePort === undefined ? undefined : portText('remotePort', opts.remotePort);
  const timeout = opts.connectTimeout === undefined ? undefined : durationText('connectTimeout', opts.connectTimeout, false);

  const doc = cloneTree(cib.document);
  const resources = configSection(doc, 'resources');
  const ids = new IdAllocator(doc);
  const nodes = knownNodes(doc);
  const nameTaken = nodes.find((n) => n.name === name);
  if (nameTaken) throw conflict(`${JSON.stringify(name)} is already the name of a ${nameTaken.kind} node`, [name]);
  if (ids.has(name)) throw conflict(`${JSON.stringify(name)} already exists as an id in the CIB`, [name]);
  const addrTaken = nodes.find((n) => n.addr === addr);
  if (addrTaken) {
    throw conflict(`Address ${JSON.stringify(addr)} is already used by ${addrTaken.kind} node ${JSON.stringify(addrTaken.name)}`, [addr]);
  }

  const configuration = doc.children.find((c): c is XmlElement => c.kind === 'element' && c.name === 'configuration');
  const withId = configuration ? findAll(configuration, (e) => e.attrs['id'] === resourceId && !['obj_ref', 'resource_ref', 'role', 'acl_target'].includes(e.name)) : [];
  const prim = withId.find((e) => e.name === 'primitive');
  if (!prim) {
    if (withId.length > 0) throw conflict(`${JSON.stringify(resourceId)} is a <${withId[0]?.name}>, not a primitive`, [resourceId]);
    throw new CibModelError(CibModelErrorCodes.NOT_FOUND, `Resource ${JSON.stringify(resourceId)} does not exist`, { ids: [resourceId] });
  }
  const existing = guestNodeName(prim);
  if (existing !== undefined) throw conflict(`Resource ${JSON.stringify(resourceId)} is already a guest node (${existing})`, [resourceId]);
  if (isRemotePrimitive(prim)) throw conflict(`Resource ${JSON.stringify(resourceId)} is a remote node connection (ocf:pacemaker:remote); it cannot host a guest node`, [resourceId]);
  const parents = parentMap(doc);
  for (let p = parents.get(prim); p && p !== resources; p = parents.get(p)) {
    if (p.name === 'clone' || p.name === 'master' || p.name === 'bundle') {
      throw conflict(`Resource ${JSON.stringify(resourceId)} is inside ${p.name} ${JSON.stringify(p.attrs['id'] ?? '')}; a guest node resource must not be cloned`, [resourceId, p.attrs['id'] ?? '']);
    }
  }

  const pairs: Array<[string, string]> = [['remote-node', name], ['remote-addr', addr]];
  if (port !== undefined) pairs.push(['remote-port', port]);
  if (timeout !== undefined) pairs.push(['remote-connect-timeout', timeout]);
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let meta = elements(prim, 'meta_attributes')[0];
  const created = meta === undefined;
  if (!meta) meta = element('meta_attributes', { id: ids.child(prim, 'meta_attributes') });
  for (const [k, v] of pairs) {
    const nv = elements(meta, 'nvpair').find((e) => e.attrs['name'] === k);
    if (nv) nv.attrs['value'] = v;
    else if (created) meta.children.push(element('nvpair', { id: ids.child(meta, k), name: k, value: v }));
    else insertChild(doc, meta, element('nvpair', { id: ids.child(meta, k), name: k, value: v }));
  }
  if (created) insertChild(doc, prim, meta, 0);
  bumpEpoch(doc);
  return CibClass.fromDocument(doc);
}

/** Options of {@link removeGuestNode}. */
export interface RemoveGuestNodeOptions {
  /**
   * Also remove the node's `<node type="remote">` entry and its `node_state`, as `crm_node --force --remove`
   * does when pcs runs against a live cluster. Default `true`; `false` gives exactly what `pcs -f` writes.
   */
  purgeNode?: boolean;
  /** Unset every guest node matching `node` when there are several (pcs `--force`). Default `false`. */
  allowMultiple?: boolean;
}

/**
 * Turns a guest node back into a plain resource, as `pcs cluster node remove-guest NODE` does: `node` may
 * be the node name, its `remote-addr`, or the resource id. The `remote-node`, `remote-addr`, `remote-port`
 * and `remote-connect-timeout` meta attributes are removed from every `meta_attributes` set of the
 * resource; the sets themselves stay, even when emptied (pcs keeps them so that ACLs allowing nvpair
 * writes only still accept the change, rhbz#1642514). The resource and its constraints stay.
 * Returns a new `Cib` (epoch + 1).
 *
 * @throws {@link CibModelError} `PCMK_CIB_NOT_FOUND` when no guest node matches; `PCMK_CIB_CONFLICT` when
 *   several match and `allowMultiple` is not set.
 */
export function removeGuestNode(cib: Cib, node: string, options: RemoveGuestNodeOptions = {}): Cib {
  nonEmpty('node', node);
  const doc = cloneTree(cib.document);
  const resources = configSection(doc, 'resources');
  const matches = findAll(resources, (e) => {
    const guest = guestNodeName(e);
    if (guest === undefined) return false;
    return e.attrs['id'] === node || guest === node || nvValue(e, 'meta_attributes', 'remote-addr') === node;
  });
  if (matches.length === 0) {
    throw new CibModelError(CibModelErrorCodes.NOT_FOUND, `Guest node ${JSON.stringify(node)} does not appear to exist in configuration`, { ids: [node] });
  }
  const matchIds = matches.map((m) => m.attrs['id'] ?? '');
  if (matches.length > 1 && !options.allowMultiple) {
    throw conflict(`More than one guest node matches ${JSON.stringify(node)}: ${matchIds.join(', ')}`, matchIds);
  }
  for (const prim of matches) {
    const nodeName = guestNodeName(prim) as string;
    for (const meta of elements(prim, 'meta_attributes')) {
      for (const nv of elements(meta, 'nvpair')) {
        if ((GUEST_META as readonly string[]).includes(nv.attrs['name'] ?? '')) removeChild(meta, nv);
      }
    }
    if (options.purgeNode ?? true) purgeNodeEntries(doc, nodeName);
  }
  bumpEpoch(doc);
  return CibClass.fromDocument(doc);
}
