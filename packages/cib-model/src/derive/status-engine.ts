/**
 * A model of Pacemaker 2.1.5's status unpacking (`cluster_status()` up to the point where `crm_mon`
 * prints): nodes from `<nodes>` and from the resources that create remote, guest and bundle nodes, the
 * first pass over `node_state` entries (cluster node membership, transient attributes), the repeated
 * passes over resource histories (remote and guest nodes once their connection is known to be up), the
 * final pass over unseen nodes, and the remote/guest online checks at the end.
 *
 * Deliberate omissions (documented limits): rules in attribute sets are not evaluated; resource
 * templates are not expanded; anonymous clone instances are not numbered (each node's history is its own
 * instance); `multiple-active` recovery, tickets, shutdown locks' expiry and node health are ignored;
 * nodes of type `ping` are modelled but not reported.
 * @packageDocumentation
 */
import { elements, firstElement, type XmlElement } from '../parse/xml-tree.js';
import { isTrue, leadingInt, readNvpairSets, readStatusConfig, type StatusConfig } from './status-config.js';
import { pacemakerVersionFromFeatureSet, schedulerFeatures } from './scheduler-version.js';
import { Role, type RoleValue } from './status-history.js';
import { indexIds, readStatusResources, type StatusResource, type StatusResources } from './status-resources.js';
import { engineTables } from './engine-nodes.js';
import { lrmUnpacker } from './lrm-unpack.js';
import { nodeStatusRules } from './node-online.js';

/** A resource instance as the unpacking tracks it (`pe_resource_t` state). */
export interface RscRuntime {
  rsc: StatusResource;
  key: string;
  role: RoleValue;
  failed: boolean;
  managed: boolean;
  runningOn: string[];
  /** Other `lrm_resource` ids that mapped to this instance (`rsc:N`). */
  aliases: string[];
}

/** A node as the unpacking tracks it (`struct pe_node_shared_s`). */
export interface EngineNode {
  id: string;
  name: string;
  type: 'member' | 'remote' | 'ping';
  online: boolean;
  unclean: boolean;
  standby: boolean;
  standbyOnFail: boolean;
  maintenance: boolean;
  pending: boolean;
  shutdown: boolean;
  expectedUp: boolean;
  unseen: boolean;
  remoteRequiresReset: boolean;
  remoteWasFenced: boolean;
  unpacked: boolean;
  attrs: Map<string, string>;
  /** `remote_rsc`: the connection resource (remote and guest nodes). */
  conn: StatusResource | undefined;
  /** Declared in `<nodes>`. */
  configured: boolean;
}

/** The outcome of the unpacking. */
export interface EngineResult {
  config: StatusConfig;
  /** Nodes in creation order (`<nodes>` first, then remote, guest and bundle nodes). */
  nodes: EngineNode[];
  /** Resource instances that have history. */
  runtimes: RscRuntime[];
  isGuest(node: EngineNode): boolean;
}

/** Options of {@link runStatusEngine}. */
export interface EngineOptions {
  /** Current time in seconds since the epoch (failure-timeout expiry). Default: now. */
  nowS?: number;
  /** Extra remote/guest node names to create (e.g. from a remote node list), as Pacemaker would find them. */
  extraRemoteNodes?: readonly string[];
  /** Whose scheduler semantics to follow. Default: the version the CIB's `crm_feature_set` stands for. */
  pacemakerVersion?: string;
}

const cache = new WeakMap<XmlElement, Map<string, EngineResult>>();

/** The Pacemaker version `options` ask for, or the one the CIB's feature set stands for. */
export function resolvePacemakerVersion(cib: XmlElement, options: Pick<EngineOptions, 'pacemakerVersion'> = {}): string {
  return options.pacemakerVersion ?? pacemakerVersionFromFeatureSet(cib.attrs['crm_feature_set']);
}

/**
 * Runs the unpacking over a CIB document (treated as immutable). With default options the result is
 * computed once per document and shared (so `remoteNodes()` and `nodeStates()` of one `Cib` agree and pay
 * once); "now" is then the time of the first call.
 */
export function runStatusEngine(cib: XmlElement, options: EngineOptions = {}): EngineResult {
  const cacheable = options.nowS === undefined && (options.extraRemoteNodes === undefined || options.extraRemoteNodes.length === 0);
  const version = resolvePacemakerVersion(cib, options);
  if (cacheable) {
    const hit = cache.get(cib)?.get(version);
    if (hit !== undefined) return hit;
  }
  const result = unpackStatus(cib, { ...options, pacemakerVersion: version });
  if (cacheable) {
    let perVersion = cache.get(cib);
    if (perVersion === undefined) cache.set(cib, (perVersion = new Map()));
    perVersion.set(version, result);
  }
  return result;
}

function unpackStatus(cib: XmlElement, options: EngineOptions): EngineResult {
  const byIdXml = indexIds(cib);
  const config = readStatusConfig(cib, byIdXml, schedulerFeatures(resolvePacemakerVersion(cib, options)));
  const resources: StatusResources = readStatusResources(cib, config, byIdXml);
  const nowS = options.nowS ?? Math.floor(Date.now() / 1000);
  const configuration = firstElement(cib, 'configuration');
  const statusXml = firstElement(cib, 'status');

  const tables = engineTables(config, resources);
  const { nodes, newNode, findByName, findAny, startupFencing, containerOf, link, isGuest, runtimes, uniqueRuntime } = tables;
  const states: XmlElement[] = statusXml === undefined ? [] : elements(statusXml, 'node_state');
  const rules = nodeStatusRules(tables, config, byIdXml);
  const { transientAttrs, fenceNode, onlineStatus, remoteOnlineStatus, remoteAttrs } = rules;
  const unpackLrm = lrmUnpacker({ tables, rules, resources, config, nowS, states });

  // unpack_nodes
  const nodesXml = configuration && firstElement(configuration, 'nodes');
  if (nodesXml !== undefined) {
    for (const x of elements(nodesXml, 'node')) {
      const id = x.attrs['id'];
      if (id === undefined) continue;
      const t = x.attrs['type']?.toLowerCase();
      const type: EngineNode['type'] = t === undefined || t === 'member' ? 'member' : t === 'remote' ? 'remote' : 'ping';
      const n = newNode(id, x.attrs['uname'] ?? id, type, true);
      if (type !== 'remote') startupFencing(n);
      readNvpairSets(x, 'instance_attributes', n.attrs, false, byIdXml);
    }
  }

  // unpack_remote_nodes + bundle nodes + link_rsc2remotenode
  for (const r of resources.byId.values()) {
    if (!r.isRemoteConn) continue;
    if (r.parent !== undefined && r.parent.variant !== 'bundle') continue; // only top-level ones create nodes
    if (findByName(r.id) === undefined) newNode(r.id, r.id, 'remote', false);
  }
  for (const name of options.extraRemoteNodes ?? []) {
    if (findByName(name) === undefined) newNode(name, name, 'remote', false);
  }
  for (const r of resources.byId.values()) if (r.isRemoteConn) link(r);

  // unpack_status, first pass
  for (const s of states) {
    const id = s.attrs['id'];
    const uname = s.attrs['uname'];
    if (id === undefined || uname === undefined) continue;
    const n = findAny(id, uname);
    if (n === undefined) continue;
    if (n.type === 'remote') {
      n.remoteWasFenced = leadingInt(s.attrs['node_fenced'], 0) !== 0;
      continue;
    }
    transientAttrs(s, n);
    if (isTrue(n.attrs.get('standby'))) n.standby = true;
    if (isTrue(n.attrs.get('maintenance'))) n.maintenance = true;
    n.unclean = false;
    n.unseen = false;
    onlineStatus(s, n);
    if (!config.haveQuorum && n.online && config.noQuorumPolicy === 'suicide') fenceNode(n);
  }

  // unpack_node_history passes. The node of each node_state is looked up again only when nodes were
  // created since the last lookup (the passes revisit every node_state, 10k+ on large CIBs).
  const stateNode: Array<EngineNode | undefined> = new Array<EngineNode | undefined>(states.length).fill(undefined);
  const stateNodeGeneration: number[] = new Array<number>(states.length).fill(-1);
  const historyPass = (fence: boolean): boolean => {
    let progress = false;
    for (let k = 0; k < states.length; k++) {
      const s = states[k] as XmlElement;
      let n: EngineNode | undefined;
      if (stateNodeGeneration[k] === tables.generation) {
        n = stateNode[k];
      } else {
        const id = s.attrs['id'];
        const uname = s.attrs['uname'];
        n = id === undefined || uname === undefined ? undefined : findAny(id, uname);
        stateNode[k] = n;
        stateNodeGeneration[k] = tables.generation;
      }
      if (n === undefined || n.unpacked) continue;
      if (fence) {
        // every remaining node
      } else if (isGuest(n)) {
        const rt = uniqueRuntime(n.conn) as RscRuntime;
        const c = uniqueRuntime(containerOf(n.conn as StatusResource)) as RscRuntime;
        if (rt.role !== Role.Started || c.role !== Role.Started) continue;
      } else if (n.type === 'remote') {
        if (n.conn === undefined) continue;
        if (!config.shutdownLock && (uniqueRuntime(n.conn) as RscRuntime).role !== Role.Started) continue;
      } else if (!config.stonithEnabled && !config.shutdownLock && !n.online) {
        continue;
      }
      if (n.type === 'remote') {
        remoteOnlineStatus(n);
        remoteAttrs(n, s);
      }
      n.unpacked = true;
      unpackLrm(n, s);
      progress = true;
    }
    return progress;
  };
  while (historyPass(false)) { /* another pass */ }
  historyPass(config.stonithEnabled);

  // In name order; only remote nodes not unpacked yet are concerned (neither changes in this loop).
  const rest = nodes.filter((n) => n.type === 'remote' && !n.unpacked).map((n) => ({ n, key: n.name.toLowerCase() }));
  if (rest.length > 1) {
    const collator = new Intl.Collator(); // what String.prototype.localeCompare uses without arguments
    rest.sort((a, b) => collator.compare(a.key, b.key));
  }
  for (const { n } of rest) remoteOnlineStatus(n);

  return { config, nodes, runtimes: [...runtimes.values()], isGuest };
}
