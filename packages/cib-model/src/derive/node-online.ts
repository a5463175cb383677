/**
 * Node status rules of the unpacking: `pe_fence_node`, `determine_online_status` (cluster nodes),
 * `determine_remote_online_status` and `unpack_handle_remote_attrs` (remote and guest nodes), and the
 * transient attributes they read.
 */
import type { XmlElement } from '../parse/xml-tree.js';
import { firstElement } from '../parse/xml-tree.js';
import { controllerOnline, inMembership, isTrue, readNvpairSets, type IdLookup, type StatusConfig } from './status-config.js';
import { Role } from './status-history.js';
import type { StatusResource } from './status-resources.js';
import type { EngineTables } from './engine-nodes.js';
import type { EngineNode, RscRuntime } from './status-engine.js';

/** The node status rules of one unpacking (see {@link nodeStatusRules}). */
export interface NodeStatusRules {
  transientAttrs(s: XmlElement, n: EngineNode): void;
  fenceNode(n: EngineNode): void;
  onlineStatus(s: XmlElement, n: EngineNode): void;
  remoteOnlineStatus(n: EngineNode): void;
  remoteAttrs(n: EngineNode, s: XmlElement): void;
}

/** The node status rules over the tables `t`. */
export function nodeStatusRules(t: EngineTables, config: StatusConfig, byIdXml: IdLookup): NodeStatusRules {
  const { findByName, containerOf, isGuest, uniqueRuntime } = t;
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

  return { transientAttrs, fenceNode, onlineStatus, remoteOnlineStatus, remoteAttrs };
}
