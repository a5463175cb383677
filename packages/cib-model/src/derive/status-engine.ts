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
import { controllerOnline, inMembership, isTrue, leadingInt, readNvpairSets, readStatusConfig, type StatusConfig } from './status-config.js';
import { pacemakerVersionFromFeatureSet, schedulerFeatures } from './scheduler-version.js';
import { OnFail, Role, sortedOps, unpackHistory, type HistoryEnv, type RoleValue } from './status-history.js';
import { indexIds, readStatusResources, type StatusResource, type StatusResources } from './status-resources.js';

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

  const nodes: EngineNode[] = [];
  // data_set->nodes is kept sorted by name and g_list_insert_sorted puts a new node before equal ones,
  // so among nodes of the same name (or id) the last one created is the one found.
  const byName = new Map<string, EngineNode>();
  const byNodeId = new Map<string, EngineNode>();
  let nodeGeneration = 0; // bumped whenever a node is created (cached lookups are then redone)
  const newNode = (id: string, name: string, type: EngineNode['type'], configured: boolean): EngineNode => {
    const n: EngineNode = {
      id, name, type, online: false, unclean: false, standby: false, standbyOnFail: false, maintenance: false,
      pending: false, shutdown: false, expectedUp: false, unseen: false, remoteRequiresReset: false,
      remoteWasFenced: false, unpacked: false, attrs: new Map(), conn: undefined, configured,
    };
    nodes.push(n);
    nodeGeneration++;
    byName.set(name.toLowerCase(), n);
    byNodeId.set(id.toLowerCase(), n);
    return n;
  };
  const findByName = (name: string): EngineNode | undefined => byName.get(name.toLowerCase());
  const findAny = (id: string, uname: string): EngineNode | undefined => byNodeId.get(id.toLowerCase()) ?? findByName(uname);
  const startupFencing = (n: EngineNode): void => {
    n.unclean = config.startupFencing;
    n.unseen = true;
  };

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
  const containerOf = (r: StatusResource): StatusResource | undefined => {
    if (r.containerId === undefined || r.containerId === r.id) return undefined;
    return resources.get(r.containerId);
  };
  const link = (r: StatusResource): void => {
    const n = findByName(r.id);
    if (n === undefined) return;
    n.conn = r;
    if (containerOf(r) === undefined) startupFencing(n);
  };
  for (const r of resources.byId.values()) if (r.isRemoteConn) link(r);

  const isGuest = (n: EngineNode): boolean => n.type === 'remote' && n.conn !== undefined && containerOf(n.conn) !== undefined;
  const isRemote = (n: EngineNode): boolean => n.type === 'remote' && !isGuest(n);

  // Resource instances.
  const runtimes = new Map<string, RscRuntime>();
  const runtimeOf = (r: StatusResource, node: string, lrmId: string = r.id): RscRuntime => {
    // Unique resources (and unique clone instances, `rsc:N`) are one instance each; an anonymous clone
    // has an instance per node.
    const key = r.unique ? lrmId : `${r.id}\u0000${node}`;
    let rt = runtimes.get(key);
    if (rt === undefined) {
      rt = { rsc: r, key, role: Role.Unknown, failed: false, managed: r.managed, runningOn: [], aliases: [] };
      runtimes.set(key, rt);
    }
    return rt;
  };
  const uniqueRuntime = (r: StatusResource | undefined): RscRuntime | undefined => (r === undefined ? undefined : runtimeOf(r, ''));

  // Indexes of the status section.
  const stateByUname = new Map<string, XmlElement>();
  const states: XmlElement[] = statusXml === undefined ? [] : elements(statusXml, 'node_state');
  for (const s of states) {
    const u = s.attrs['uname'];
    if (u !== undefined && !stateByUname.has(u)) stateByUname.set(u, s);
  }
  const lrmResourcesOf = (s: XmlElement): XmlElement[] => {
    const lrm = firstElement(s, 'lrm');
    const lrs = lrm && firstElement(lrm, 'lrm_resources');
    return lrs === undefined ? [] : elements(lrs, 'lrm_resource');
  };
  const lrmIndex = new Map<string, Map<string, XmlElement>>();
  const lrmResource = (rscId: string, nodeName: string): XmlElement | undefined => {
    let index = lrmIndex.get(nodeName);
    if (index === undefined) {
      index = new Map();
      const s = stateByUname.get(nodeName);
      if (s !== undefined) for (const e of lrmResourcesOf(s)) { const id = e.attrs['id']; if (id !== undefined && !index.has(id)) index.set(id, e); }
      lrmIndex.set(nodeName, index);
    }
    return index.get(rscId);
  };
  const transientAttrs = (s: XmlElement, n: EngineNode): void => {
    const t = firstElement(s, 'transient_attributes');
    if (t !== undefined) readNvpairSets(t, 'instance_attributes', n.attrs, true, byIdXml);
  };
  const shutdownRequested = (n: EngineNode): boolean => {
    const v = n.attrs.get('shutdown');
    return v !== undefined && v !== '0';
  };

  // pe_fence_node
  const fenceNode = (n: EngineNode): void => {
    if (isGuest(n)) {
      const container = uniqueRuntime(containerOf(n.conn as StatusResource));
      if (container !== undefined && !container.failed && container.managed) {
        n.remoteRequiresReset = true;
        container.failed = true;
      }
    } else if (n.type === 'remote' && n.conn !== undefined && n.conn.orphan && n.conn.containerId !== undefined) {
      uniqueRuntime(n.conn)!.failed = true; // dangling guest connection
    } else if (n.type === 'remote') {
      const conn = n.conn === undefined ? undefined : uniqueRuntime(n.conn);
      if (!(conn !== undefined && !conn.managed) && !n.remoteRequiresReset) n.remoteRequiresReset = true;
      n.unclean = true;
    } else if (!n.unclean) {
      n.unclean = true;
    }
  };

  // determine_online_status
  const onlineStatus = (s: XmlElement, n: EngineNode): void => {
    const exp = s.attrs['expected'];
    n.shutdown = false;
    n.expectedUp = false;
    if (shutdownRequested(n)) n.shutdown = true;
    else if (exp !== undefined && exp.toLowerCase() === 'member') n.expectedUp = true;
    let online = false;
    const join = s.attrs['join']?.toLowerCase();
    const isPeer = s.attrs['crmd'];
    const inCluster = s.attrs['in_ccm'];
    if (n.type === 'ping') {
      n.unclean = false;
    } else if (!config.stonithEnabled) {
      if (!inMembership(inCluster)) {
        // down
      } else if (controllerOnline(isPeer)) {
        if (join === 'member') online = true;
      } else if (!n.expectedUp) {
        // controller down
      } else {
        fenceNode(n);
      }
    } else {
      const terminate = n.attrs.get('terminate');
      let doTerminate = false;
      if (isTrue(terminate)) doTerminate = true;
      else if (terminate !== undefined && terminate.length > 0) {
        const c = terminate[0] as string;
        if (c !== '0' && c >= '0' && c <= '9') doTerminate = true;
      }
      online = inMembership(inCluster);
      const crmdOnline = controllerOnline(isPeer);
      const expState = (exp ?? 'down').toLowerCase();
      if (n.shutdown) {
        online = crmdOnline;
      } else if (inCluster === undefined) {
        fenceNode(n);
      } else if (join === 'banned') {
        fenceNode(n);
      } else if (!doTerminate && expState === 'down') {
        if (inMembership(inCluster) || crmdOnline) { n.standby = true; n.pending = true; }
      } else if (doTerminate && join === 'down' && !inMembership(inCluster) && !crmdOnline) {
        online = false;
      } else if (!inMembership(inCluster)) {
        fenceNode(n);
      } else if (!crmdOnline) {
        fenceNode(n);
      } else if (doTerminate) {
        fenceNode(n);
      } else if (join === 'member') {
        // active
      } else if (join === 'pending' || join === 'down') {
        n.standby = true;
        n.pending = true;
      } else {
        fenceNode(n);
      }
    }
    if (online) n.online = true;
  };

  // determine_remote_online_status
  const remoteOnlineStatus = (n: EngineNode): void => {
    if (n.conn === undefined) { n.online = false; return; }
    const rt = uniqueRuntime(n.conn) as RscRuntime;
    const containerRsc = containerOf(n.conn);
    const container = uniqueRuntime(containerRsc);
    let host: EngineNode | undefined;
    if (container !== undefined && rt.runningOn.length === 1) host = findByName(rt.runningOn[0] as string);
    if (rt.role === Role.Started) n.online = true;
    if (container !== undefined && container.failed) {
      n.online = false;
      n.remoteRequiresReset = true;
    } else if (rt.failed) {
      n.online = false;
    } else if (rt.role === Role.Stopped || (container !== undefined && container.role === Role.Stopped)) {
      n.online = false;
      n.remoteRequiresReset = false;
    } else if (host !== undefined && !host.online && host.unclean) {
      n.online = false;
      n.remoteRequiresReset = true;
    }
  };

  // unpack_handle_remote_attrs
  const remoteAttrs = (n: EngineNode, s: XmlElement): void => {
    if (!n.remoteRequiresReset) { n.unclean = false; n.unseen = false; }
    transientAttrs(s, n);
    if (shutdownRequested(n)) n.shutdown = true;
    if (isTrue(n.attrs.get('standby'))) n.standby = true;
    const conn = n.conn === undefined ? undefined : uniqueRuntime(n.conn);
    if (isTrue(n.attrs.get('maintenance')) || (conn !== undefined && !conn.managed)) n.maintenance = true;
  };

  const addRunning = (rt: RscRuntime, nodeName: string): void => {
    if (rt.runningOn.includes(nodeName)) return;
    rt.runningOn.push(nodeName);
    const n = findByName(nodeName);
    if (n !== undefined && n.maintenance) rt.managed = false;
  };

  // The callbacks do not depend on the node: made once, not once per history (10k+ on large CIBs).
  const nodeOnline = (name: string): boolean | undefined => findByName(name)?.online;
  const isRemoteNodeName = (name: string): boolean => { const x = findByName(name); return x !== undefined && isRemote(x); };
  const remoteWasFenced = (name: string): boolean | undefined => findByName(name)?.remoteWasFenced;
  const nodeAttrs = (name: string): Map<string, string> | undefined => findByName(name)?.attrs;
  const env = (n: EngineNode): HistoryEnv => ({
    config,
    nowS,
    node: { name: n.name, online: n.online, unclean: n.unclean, shutdown: n.shutdown, isRemoteOrGuest: n.type === 'remote' },
    nodeOnline,
    isRemoteNodeName,
    remoteWasFenced,
    lrmResource,
    nodeAttrs,
  });

  // unpack_lrm_resource + process_rsc_state
  const unpackLrm = (n: EngineNode, s: XmlElement): void => {
    for (const entry of lrmResourcesOf(s)) {
      const id = entry.attrs['id'];
      if (id === undefined) continue;
      if (firstElement(entry, 'lrm_rsc_op') === undefined) continue;
      let rsc = resources.find(id);
      if (rsc === null) continue;
      if (rsc === undefined) {
        rsc = resources.orphan(entry);
        if (rsc.isRemoteConn) {
          let rn = findByName(id);
          if (rn === undefined) rn = newNode(id, id, 'remote', false);
          link(rsc);
          rn.shutdown = true;
        }
        if (entry.attrs['container'] !== undefined) rsc.containerId = entry.attrs['container'];
      }
      const rt = runtimeOf(rsc, n.name, id);
      if (id !== rsc.id && !rt.aliases.includes(id)) rt.aliases.push(id);
      const saved = rt.role;
      const h = unpackHistory(rsc, sortedOps(entry), env(n));
      if (h.failed) rt.failed = true;
      if (h.connectionFailed && n.conn !== undefined) {
        const c = uniqueRuntime(n.conn) as RscRuntime;
        if (c.managed) c.failed = true;
      }
      // process_rsc_state
      const role = h.role;
      if (role > Role.Stopped && !n.online && !n.maintenance && rt.managed) {
        if (isGuest(n)) {
          rt.failed = true;
          fenceNode(n);
        } else if (config.stonithEnabled) {
          if (isRemote(n) && n.conn !== undefined && !(uniqueRuntime(n.conn) as RscRuntime).failed) n.unseen = true;
          fenceNode(n);
        }
      }
      const onFail = n.unclean ? OnFail.Ignore : h.onFail;
      switch (onFail) {
        case OnFail.Demote: rt.failed = true; break;
        case OnFail.Fence: fenceNode(n); break;
        case OnFail.Standby: n.standby = true; n.standbyOnFail = true; break;
        case OnFail.Block: rt.managed = false; break;
        case OnFail.Recover:
          if (role !== Role.Stopped && role !== Role.Unknown) rt.failed = true;
          break;
        case OnFail.RestartContainer: rt.failed = true; break;
        case OnFail.ResetRemote:
          rt.failed = true;
          if (config.stonithEnabled && rsc.isRemoteConn) {
            const tmp = findByName(rsc.id);
            if (tmp !== undefined && isRemote(tmp) && !tmp.remoteWasFenced) fenceNode(tmp);
          }
          break;
        default: break;
      }
      if (rt.failed && rsc.isRemoteConn) {
        const tmp = findByName(rsc.id);
        if (tmp !== undefined && tmp.unclean) tmp.unseen = false;
      }
      let finalRole: RoleValue = role;
      if (role !== Role.Stopped && role !== Role.Unknown) {
        addRunning(rt, n.name);
        if (onFail !== OnFail.Ignore) rt.failed = true;
      }
      for (const also of h.alsoRunningOn) addRunning(rt, also.node);
      if (finalRole === Role.Stopped && h.partialMigration && rt.runningOn.length > 0) finalRole = Role.Started;
      rt.role = saved > finalRole ? saved : finalRole;
    }
  };

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
      if (stateNodeGeneration[k] === nodeGeneration) {
        n = stateNode[k];
      } else {
        const id = s.attrs['id'];
        const uname = s.attrs['uname'];
        n = id === undefined || uname === undefined ? undefined : findAny(id, uname);
        stateNode[k] = n;
        stateNodeGeneration[k] = nodeGeneration;
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
