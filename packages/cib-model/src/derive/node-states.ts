/**
 * Node states (`cib.nodeStates()`) as Pacemaker derives them (2.1.5's semantics, or 3.0.3's: see scheduler-version.ts) and `crm_mon --output-as=xml` prints
 * them in its `<node>` elements: `online`, `unclean`, `standby`, `maintenance`, `pending`.
 *
 * The derivation follows `lib/pengine/unpack.c` (see {@link runStatusEngine}): cluster nodes from
 * `<nodes>` and their `node_state` (`in_ccm`, `crmd`, `join`, `expected`, the `shutdown` and `terminate`
 * attributes, `stonith-enabled`, `startup-fencing`, `no-quorum-policy=suicide`); remote and guest nodes
 * from their connection resource's operation history (and for guests, the container's), fencing implied
 * by resources active on offline nodes or by failed operations whose `on-fail` fences, and their
 * transient attributes.
 *
 * Field meanings are `crm_mon`'s, which differ from its text output in two ways worth knowing: a cluster
 * node that is up but not yet a member is `pending` *and* `standby` (the text shows "pending"), and
 * `standby` is also set when an operation with `on-fail=standby` failed there. Guest nodes are never
 * `unclean` (Pacemaker "fences" them by recovering their container and reports them offline).
 *
 * Deliberate omissions: nodes of type `ping` (deprecated) are not reported; rules in node attribute sets
 * are not evaluated (every set applies); see {@link runStatusEngine} for the rest.
 * @packageDocumentation
 */
import type { NodeState, RemoteNodeSpec } from '../types.js';
import type { XmlElement } from '../parse/xml-tree.js';
import { runStatusEngine, type EngineOptions } from './status-engine.js';

/** Options of {@link deriveNodeStates}. */
export interface NodeStateOptions {
  /** Current time in seconds since the epoch, for failure-timeout expiry. Default: now. */
  nowS?: number;
  /**
   * Whose scheduler semantics to follow (`'2.1.5'`, `'3.0.0'`, `'3.0.3'`, ...; see scheduler-version.ts).
   * @default the version the CIB's `crm_feature_set` stands for (`pacemakerVersionFromFeatureSet`)
   */
  pacemakerVersion?: string;
}

/**
 * Every cluster node from `<nodes>` (except type `ping`) and every remote and guest node (those in
 * `remoteNodes`, those Pacemaker creates itself, `<node type="remote">` entries and orphaned remote
 * connections found in the status section), in that order, with its state.
 *
 * `kind` is Pacemaker's: `guest` when the node's connection resource has a container, `remote` for any
 * other node of type remote (including a `remoteNodes` entry whose connection resource does not exist).
 */
export function deriveNodeStates(
  cib: XmlElement,
  remoteNodes: readonly RemoteNodeSpec[],
  options: NodeStateOptions = {},
): NodeState[] {
  const engineOptions: EngineOptions = {};
  if (options.nowS !== undefined) engineOptions.nowS = options.nowS;
  if (options.pacemakerVersion !== undefined) engineOptions.pacemakerVersion = options.pacemakerVersion;
  let result = runStatusEngine(cib, engineOptions);
  const known = new Set(result.nodes.map((n) => n.name.toLowerCase()));
  const extra = remoteNodes.map((n) => n.name).filter((name) => !known.has(name.toLowerCase()));
  if (extra.length > 0) result = runStatusEngine(cib, { ...engineOptions, extraRemoteNodes: extra });
  const out: NodeState[] = [];
  const seen = new Set<string>();
  for (const n of result.nodes) {
    if (n.type === 'ping') continue;
    if (seen.has(n.name)) continue;
    seen.add(n.name);
    out.push({
      name: n.name,
      kind: n.type === 'member' ? 'cluster' : result.isGuest(n) ? 'guest' : 'remote',
      online: n.online,
      unclean: n.unclean,
      standby: n.standby,
      maintenance: n.maintenance,
      pending: n.pending,
    });
  }
  return out;
}
