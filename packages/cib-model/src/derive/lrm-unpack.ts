/**
 * `unpack_lrm_resource` + `process_rsc_state`: one node's resource histories folded into the resource
 * instances and the node, with the index of `lrm_resource` entries the history rules look up.
 */
import { elements, firstElement, type XmlElement } from '../parse/xml-tree.js';
import type { StatusConfig } from './status-config.js';
import { OnFail, Role, sortedOps, unpackHistory, type HistoryEnv, type RoleValue } from './status-history.js';
import type { StatusResources } from './status-resources.js';
import type { EngineTables } from './engine-nodes.js';
import type { NodeStatusRules } from './node-online.js';
import type { EngineNode, RscRuntime } from './status-engine.js';

/** What {@link lrmUnpacker} works on. */
export interface LrmUnpackContext {
  tables: EngineTables;
  rules: NodeStatusRules;
  resources: StatusResources;
  config: StatusConfig;
  nowS: number;
  /** The `node_state` entries of the status section. */
  states: XmlElement[];
}

/** Returns `unpackLrm(node, nodeState)`. */
export function lrmUnpacker(ctx: LrmUnpackContext): (n: EngineNode, s: XmlElement) => void {
  const { tables, rules, resources, config, nowS, states } = ctx;
  const { newNode, findByName, link, isGuest, isRemote, runtimeOf, uniqueRuntime } = tables;
  const { fenceNode } = rules;

  // Indexes of the status section.
  const stateByUname = new Map<string, XmlElement>();
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

  return unpackLrm;
}
