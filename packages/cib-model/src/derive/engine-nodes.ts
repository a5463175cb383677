/**
 * The tables the status unpacking works on: nodes (`data_set->nodes`, looked up by name or id) and
 * resource instances (`pe_resource_t` state), with the links between remote/guest nodes and their
 * connection and container resources.
 */
import type { StatusConfig } from './status-config.js';
import { Role } from './status-history.js';
import type { StatusResource, StatusResources } from './status-resources.js';
import type { EngineNode, RscRuntime } from './status-engine.js';

/** Nodes and resource instances of one unpacking (see {@link engineTables}). */
export interface EngineTables {
  /** Nodes in creation order. */
  nodes: EngineNode[];
  newNode(id: string, name: string, type: EngineNode['type'], configured: boolean): EngineNode;
  findByName(name: string): EngineNode | undefined;
  findAny(id: string, uname: string): EngineNode | undefined;
  startupFencing(n: EngineNode): void;
  containerOf(r: StatusResource): StatusResource | undefined;
  /** `link_rsc2remotenode`. */
  link(r: StatusResource): void;
  isGuest(n: EngineNode): boolean;
  isRemote(n: EngineNode): boolean;
  runtimes: Map<string, RscRuntime>;
  runtimeOf(r: StatusResource, node: string, lrmId?: string): RscRuntime;
  uniqueRuntime(r: StatusResource | undefined): RscRuntime | undefined;
  /** Bumped whenever a node is created (cached lookups are then redone). */
  readonly generation: number;
}

/** Empty node and instance tables over `resources`. */
export function engineTables(config: StatusConfig, resources: StatusResources): EngineTables {
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

  return {
    nodes, newNode, findByName, findAny, startupFencing, containerOf, link, isGuest, isRemote, runtimes, runtimeOf, uniqueRuntime,
    get generation() {
      return nodeGeneration;
    },
  };
}
