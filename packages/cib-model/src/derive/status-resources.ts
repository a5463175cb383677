/**
 * The resource configuration facts that Pacemaker 2.1.5's status unpacking depends on: which resource an
 * `lrm_resource` entry belongs to, whether it is managed, its container, whether it is a remote
 * connection, its failure timeout and the `on-fail` of its operations. Includes the resources Pacemaker
 * creates implicitly: guest node connections and bundle replicas (container and connection).
 *
 * Deliberate omissions: resource templates (`template=`) are not expanded, `<rule>`s in meta attribute
 * sets are not evaluated.
 * @packageDocumentation
 */
import { tryParseDuration } from '../parse/duration.js';
import { elements, findAll, firstElement, type XmlElement } from '../parse/xml-tree.js';
import { isTrue, readNvpairSets, type IdLookup, type StatusConfig } from './status-config.js';

/** One resource (configured, implicit or orphaned) as the status unpacking sees it. */
export interface StatusResource {
  id: string;
  variant: 'primitive' | 'group' | 'clone' | 'bundle';
  parent: StatusResource | undefined;
  meta: Map<string, string>;
  /** `pe_rsc_managed`. */
  managed: boolean;
  /** `pe_rsc_unique`: not an instance of an anonymous clone. */
  unique: boolean;
  /** The top-level clone (or bundle's inner clone) is promotable. */
  promotable: boolean;
  /** `pe_rsc_is_bundled`: inside a bundle. */
  bundled: boolean;
  /** `ocf:pacemaker:remote`: a remote or guest node connection. */
  isRemoteConn: boolean;
  /** Id of `rsc->container` (guest connections, fillers, bundle replicas). */
  containerId: string | undefined;
  /** `reconnect_interval` in ms (remote connections only). */
  reconnectMs: number;
  /** `failure-timeout` in seconds (the reconnect interval for remote connections that have one). */
  failureTimeoutS: number;
  /** `<op>` elements. */
  ops: XmlElement[];
  /** Created from status history only (`pe_rsc_orphan`). */
  orphan: boolean;
}

/** The resources of a CIB, by id. */
export interface StatusResources {
  byId: Map<string, StatusResource>;
  /**
   * Finds the resource of an `lrm_resource` id like `unpack_find_resource`: `undefined` for an orphan,
   * `null` when the id names a collective (its history is ignored).
   */
  find(lrmId: string): StatusResource | null | undefined;
  /** Creates (and remembers) the orphan resource of an `lrm_resource` entry. */
  orphan(entry: XmlElement): StatusResource;
  /** A configured, implicit or already created orphan resource by id (`pe_find_resource`). */
  get(id: string): StatusResource | undefined;
}

function isRemoteAgent(e: XmlElement): boolean {
  return e.attrs['class'] === 'ocf' && e.attrs['provider'] === 'pacemaker' && e.attrs['type'] === 'remote';
}

/** Reads the resources section. */
export function readStatusResources(cib: XmlElement, config: StatusConfig, byIdXml: IdLookup): StatusResources {
  const byId = new Map<string, StatusResource>();
  const configuration = firstElement(cib, 'configuration');
  const resources = configuration && firstElement(configuration, 'resources');

  const ownMeta = (xml: XmlElement): Map<string, string> => {
    const m = new Map<string, string>();
    readNvpairSets(xml, 'meta_attributes', m, false, byIdXml);
    return m;
  };

  const make = (
    id: string,
    variant: StatusResource['variant'],
    parent: StatusResource | undefined,
    meta: Map<string, string>,
    xml: XmlElement | undefined,
    remote: boolean,
  ): StatusResource => {
    // Parent meta attributes fill in what the child does not set; rsc_defaults last.
    for (let p = parent; p !== undefined; p = p.parent) for (const [k, v] of p.meta) if (!meta.has(k)) meta.set(k, v);
    for (const [k, v] of config.rscDefaults) if (!meta.has(k)) meta.set(k, v);
    let managed = !config.maintenanceMode;
    const im = meta.get('is-managed');
    if (im !== undefined && im.toLowerCase() !== 'default') managed = isTrue(im);
    if (isTrue(meta.get('maintenance')) || config.maintenanceMode) managed = false;
    // uber_parent: climb until the parent is a bundle or there is none.
    let top: StatusResource | undefined = parent;
    while (top !== undefined && top.parent !== undefined && top.parent.variant !== 'bundle') top = top.parent;
    const topIsClone = top !== undefined && top.variant === 'clone';
    let bundled = false;
    for (let p = parent; p !== undefined; p = p.parent) if (p.variant === 'bundle') bundled = true;
    const container = meta.get('container');
    let reconnectMs = 0;
    let failureTimeoutS = 0;
    const ft = meta.get('failure-timeout');
    if (ft !== undefined) failureTimeoutS = Math.floor((tryParseDuration(ft) ?? 0) / 1000);
    if (remote && container === undefined && xml !== undefined) {
      const params = new Map<string, string>();
      readNvpairSets(xml, 'instance_attributes', params, false, byIdXml);
      const ri = params.get('reconnect_interval');
      if (ri !== undefined) {
        reconnectMs = tryParseDuration(ri) ?? 0;
        failureTimeoutS = Math.floor(reconnectMs / 1000);
      }
    }
    const ops: XmlElement[] = [];
    const opsXml = xml && firstElement(xml, 'operations');
    if (opsXml !== undefined) for (const op of elements(opsXml, 'op')) ops.push(op);
    const r: StatusResource = {
      id,
      variant,
      parent,
      meta,
      managed,
      unique: topIsClone ? isTrue(meta.get('globally-unique')) : true,
      promotable: topIsClone ? (top as StatusResource).promotable : false,
      bundled,
      isRemoteConn: remote,
      containerId: container,
      reconnectMs,
      failureTimeoutS,
      ops,
      orphan: false,
    };
    if (!byId.has(id)) byId.set(id, r);
    return r;
  };

  const guestConnection = (prim: XmlElement, parent: StatusResource | undefined): void => {
    // expand_remote_rsc_meta: reads the primitive's own meta_attributes sets, last value wins.
    let name: string | undefined;
    let managedValue: string | undefined;
    for (const set of elements(prim, 'meta_attributes')) {
      for (const nv of elements(set, 'nvpair')) {
        const n = nv.attrs['name']?.toLowerCase();
        if (n === 'remote-node') name = nv.attrs['value'];
        else if (n === 'is-managed') managedValue = nv.attrs['value'];
      }
    }
    if (name === undefined || byId.has(name)) return;
    const meta = new Map<string, string>([['container', prim.attrs['id'] as string]]);
    if (managedValue !== undefined) meta.set('is-managed', managedValue);
    void parent;
    make(name, 'primitive', undefined, meta, undefined, true);
  };

  const walk = (xml: XmlElement, parent: StatusResource | undefined): void => {
    const id = xml.attrs['id'];
    if (id === undefined) return;
    switch (xml.name) {
      case 'primitive': {
        make(id, 'primitive', parent, ownMeta(xml), xml, isRemoteAgent(xml));
        return;
      }
      case 'group': {
        const g = make(id, 'group', parent, ownMeta(xml), undefined, false);
        for (const c of elements(xml, 'primitive')) walk(c, g);
        return;
      }
      case 'clone':
      case 'master': {
        const meta = ownMeta(xml);
        const c = make(id, 'clone', parent, meta, undefined, false);
        c.promotable = xml.name === 'master' || isTrue(meta.get('promotable'));
        for (const ch of xml.children) if (ch.kind === 'element' && (ch.name === 'primitive' || ch.name === 'group')) walk(ch, c);
        return;
      }
      case 'bundle': {
        walkBundle(xml, id, parent);
        return;
      }
      default:
        return;
    }
  };

  const walkBundle = (xml: XmlElement, id: string, parent: StatusResource | undefined): void => {
    const b = make(id, 'bundle', parent, ownMeta(xml), undefined, false);
    let agent: XmlElement | undefined;
    let agentName = '';
    for (const n of ['docker', 'rkt', 'podman']) {
      agent = firstElement(xml, n);
      if (agent !== undefined) { agentName = n; break; }
    }
    if (agent === undefined) return;
    const promotedMax = Math.max(0, Number.parseInt(agent.attrs['promoted-max'] ?? agent.attrs['masters'] ?? '0', 10) || 0);
    let replicas = 1;
    const rv = agent.attrs['replicas'];
    if (rv === undefined && promotedMax > 0) replicas = promotedMax;
    else if (rv !== undefined) replicas = Math.max(1, Number.parseInt(rv, 10) || 1);
    const network = firstElement(xml, 'network');
    const validNetwork = network !== undefined && (network.attrs['ip-range-start'] !== undefined || network.attrs['control-port'] !== undefined);
    const child = firstElement(xml, 'primitive');
    let inner: StatusResource | undefined;
    if (child !== undefined && child.attrs['id'] !== undefined) {
      const clone = make(`${id}-clone`, 'clone', b, new Map(), undefined, false);
      clone.promotable = promotedMax > 0;
      inner = make(child.attrs['id'], 'primitive', clone, ownMeta(child), child, false);
    }
    for (let i = 0; i < replicas; i++) {
      make(`${id}-${agentName}-${i}`, 'primitive', b, new Map(), undefined, false);
      if (inner !== undefined && validNetwork) {
        let connId = `${id}-${i}`;
        if (byId.has(connId)) connId = `pcmk-internal-${inner.id}-remote-${i}`;
        make(connId, 'primitive', b, new Map([['container', `${id}-${agentName}-${i}`]]), undefined, true);
      }
    }
  };

  if (resources !== undefined) {
    // unpack_remote_nodes creates guest connections before resources are unpacked.
    for (const top of elements(resources)) {
      if (top.name === 'primitive' && !isRemoteAgent(top)) guestConnection(top, undefined);
      else if (top.name === 'group') for (const p of elements(top, 'primitive')) guestConnection(p, undefined);
    }
    const implicit = new Map(byId);
    byId.clear();
    for (const top of elements(resources)) walk(top, undefined);
    for (const [k, v] of implicit) if (!byId.has(k)) byId.set(k, v);
  }

  const find = (lrmId: string): StatusResource | null | undefined => {
    const r = byId.get(lrmId);
    if (r !== undefined) return r.variant === 'primitive' ? r : null;
    const colon = lrmId.lastIndexOf(':');
    if (colon > 0) {
      const base = byId.get(lrmId.slice(0, colon));
      if (base !== undefined && base.variant === 'primitive' && base.parent !== undefined) {
        let p: StatusResource | undefined = base.parent;
        while (p !== undefined && p.variant === 'group') p = p.parent;
        if (p !== undefined && p.variant === 'clone') return base;
      }
    }
    return undefined;
  };

  const orphans = new Map<string, StatusResource>();
  const orphan = (entry: XmlElement): StatusResource => {
    const id = entry.attrs['id'] as string;
    const known = orphans.get(id);
    if (known !== undefined) return known;
    const meta = new Map<string, string>();
    for (const [k, v] of config.rscDefaults) meta.set(k, v);
    let managed = !config.maintenanceMode;
    const im = meta.get('is-managed');
    if (im !== undefined && im.toLowerCase() !== 'default') managed = isTrue(im);
    if (isTrue(meta.get('maintenance')) || config.maintenanceMode) managed = false;
    if (!config.stopOrphanResources) managed = false;
    const ft = meta.get('failure-timeout');
    const r: StatusResource = {
      id,
      variant: 'primitive',
      parent: undefined,
      meta,
      managed,
      unique: true,
      promotable: false,
      bundled: false,
      isRemoteConn: isRemoteAgent(entry),
      containerId: undefined,
      reconnectMs: 0,
      failureTimeoutS: ft === undefined ? 0 : Math.floor((tryParseDuration(ft) ?? 0) / 1000),
      ops: [],
      orphan: true,
    };
    orphans.set(id, r);
    return r;
  };

  const get = (id: string): StatusResource | undefined => byId.get(id) ?? orphans.get(id);
  return { byId, find, orphan, get };
}

/**
 * An index of every element with an `id` in the configuration section (for `id-ref`), built on the first
 * lookup: most CIBs have no `id-ref` at all, and indexing a large configuration is not free.
 */
export function indexIds(cib: XmlElement): IdLookup {
  const configuration = firstElement(cib, 'configuration');
  if (configuration === undefined) return () => undefined;
  let map: Map<string, XmlElement> | undefined;
  return (id) => {
    if (map === undefined) {
      map = new Map<string, XmlElement>();
      for (const e of findAll(configuration, (el) => el.attrs['id'] !== undefined && el.attrs['id-ref'] === undefined)) {
        const eid = e.attrs['id'] as string;
        if (!map.has(eid)) map.set(eid, e);
      }
    }
    return map.get(id);
  };
}
