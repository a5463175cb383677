/**
 * Cluster options and name/value sets as Pacemaker 2.1.5's scheduler reads them for status derivation.
 *
 * Deliberate simplification: `<rule>` elements inside attribute sets are not evaluated; a set that has a
 * rule is read as if the rule passed (sets are still taken in score order, then document order).
 * @packageDocumentation
 */
import { elements, firstElement, type XmlElement } from '../parse/xml-tree.js';

/** `crm_is_true`: true, on, yes, y, 1 (case-insensitive). */
export function isTrue(v: string | undefined): boolean {
  if (v === undefined) return false;
  const s = v.toLowerCase();
  return s === 'true' || s === 'on' || s === 'yes' || s === 'y' || s === '1';
}

/**
 * `node_state`'s `in_ccm` as the scheduler reads it (`unpack_node_member`): a boolean (written by a DC
 * before 2.1.7) or, from 2.1.7 on, the time the node joined the membership (`in_ccm="1733548800"`).
 * True when the node is a member. 3.0.x DCs write the timestamp; reading it as a boolean (what 2.1.5's
 * `crm_is_true` does) would take every node of a 3.0 cluster for offline.
 */
export function inMembership(v: string | undefined): boolean {
  if (v === undefined) return false;
  const b = parseBool(v);
  if (b !== undefined) return b;
  return /^\d+$/.test(v.trim()) && Number(v.trim()) > 0;
}

/**
 * `node_state`'s `crmd` as the scheduler reads it (`unpack_node_online`): `online`/`offline` (a DC before
 * 2.1.7) or the time the node's controller came up (from 2.1.7; `0` when it is down). True when online.
 */
export function controllerOnline(v: string | undefined): boolean {
  if (v === undefined) return false;
  const s = v.trim().toLowerCase();
  if (s === 'online') return true;
  return /^\d+$/.test(s) && Number(s) > 0;
}

/** `crm_str_to_boolean`: undefined when the text is not a boolean. */
export function parseBool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const s = v.toLowerCase();
  if (s === 'true' || s === 'on' || s === 'yes' || s === 'y' || s === '1') return true;
  if (s === 'false' || s === 'off' || s === 'no' || s === 'n' || s === '0') return false;
  return undefined;
}

/** Leading integer like `sscanf("%d")` / `crm_element_value_int`; `dflt` when there is none. */
export function leadingInt(v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  // Fast path for the usual plain decimal (call ids, rc codes, timestamps): same result as below.
  const len = v.length;
  if (len > 0 && len <= 15) {
    const neg = v.charCodeAt(0) === 0x2d ? 1 : 0;
    let n = 0;
    let j = neg;
    for (; j < len; j++) {
      const d = v.charCodeAt(j) - 0x30;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (j === len && len > neg) return neg ? -n : n;
  }
  const m = /^\s*([+-]?\d+)/.exec(v);
  if (m === null) return dflt;
  const n = Number.parseInt(m[1] as string, 10);
  return Number.isFinite(n) ? n : dflt;
}

function setScore(e: XmlElement): number {
  const s = e.attrs['score'];
  if (s === undefined) return 0;
  const l = s.toLowerCase();
  if (l === 'infinity' || l === '+infinity') return 1_000_000;
  if (l === '-infinity') return -1_000_000;
  return leadingInt(s, 0);
}

/** Resolves `id-ref` on a set against a lookup of ids. */
export type IdLookup = (id: string) => XmlElement | undefined;

/**
 * Reads the nvpair sets named `setName` under `parent` into `into`, like `pe__unpack_dataset_nvpairs`:
 * sets by descending score (document order for equal scores; `firstId` first), then each nvpair; with
 * `overwrite` false the first value of a name wins, with true the last one does.
 */
export function readNvpairSets(
  parent: XmlElement | undefined,
  setName: string,
  into: Map<string, string>,
  overwrite: boolean,
  byId?: IdLookup,
  firstId?: string,
): void {
  if (parent === undefined) return;
  const sets = elements(parent, setName).map((s, i) => ({ s, i, score: setScore(s) }));
  sets.sort((a, b) => {
    if (firstId !== undefined) {
      if (a.s.attrs['id'] === firstId && b.s.attrs['id'] !== firstId) return -1;
      if (b.s.attrs['id'] === firstId && a.s.attrs['id'] !== firstId) return 1;
    }
    return b.score - a.score || a.i - b.i;
  });
  for (const { s } of sets) {
    let set = s;
    const ref = s.attrs['id-ref'];
    if (ref !== undefined && byId !== undefined) set = byId(ref) ?? s;
    for (const nv of elements(set, 'nvpair')) {
      let pair = nv;
      const r = nv.attrs['id-ref'];
      if (r !== undefined && byId !== undefined) pair = byId(r) ?? nv;
      const name = pair.attrs['name'];
      const value = pair.attrs['value'];
      if (name === undefined || value === undefined) continue;
      if (overwrite || !into.has(name)) into.set(name, value);
    }
  }
}

/** The cluster-wide settings that decide node states. */
export interface StatusConfig {
  stonithEnabled: boolean;
  startupFencing: boolean;
  maintenanceMode: boolean;
  symmetricCluster: boolean;
  stopOrphanResources: boolean;
  shutdownLock: boolean;
  haveQuorum: boolean;
  /** no-quorum-policy after Pacemaker's adjustments (`suicide` only with fencing and quorum seen). */
  noQuorumPolicy: 'stop' | 'freeze' | 'ignore' | 'demote' | 'suicide';
  /** `dc-uuid` of the `<cib>` element. */
  dcUuid: string | undefined;
  /** Every crm_config option, raw. */
  options: Map<string, string>;
  /** `rsc_defaults` meta attributes. */
  rscDefaults: Map<string, string>;
  /** `op_defaults` meta attributes. */
  opDefaults: Map<string, string>;
}

function boolOpt(options: Map<string, string>, name: string, dflt: boolean): boolean {
  const v = parseBool(options.get(name));
  return v === undefined ? dflt : v;
}

/** Reads `crm_config`, `rsc_defaults`, `op_defaults` and the `<cib>` attributes. */
export function readStatusConfig(cib: XmlElement, byId?: IdLookup, features: { fencingEnabledOption?: boolean } = {}): StatusConfig {
  const configuration = firstElement(cib, 'configuration');
  const options = new Map<string, string>();
  readNvpairSets(configuration && firstElement(configuration, 'crm_config'), 'cluster_property_set', options, false, byId, 'cib-bootstrap-options');
  const rscDefaults = new Map<string, string>();
  readNvpairSets(configuration && firstElement(configuration, 'rsc_defaults'), 'meta_attributes', rscDefaults, false, byId);
  const opDefaults = new Map<string, string>();
  readNvpairSets(configuration && firstElement(configuration, 'op_defaults'), 'meta_attributes', opDefaults, false, byId);

  // 3.0.3 reads the new name `fencing-enabled` first (see scheduler-version.ts); older versions only `stonith-enabled`.
  const fencingEnabled = features.fencingEnabledOption ? parseBool(options.get('fencing-enabled')) : undefined;
  const stonithEnabled = fencingEnabled ?? boolOpt(options, 'stonith-enabled', true);
  const haveQuorum = isTrue(cib.attrs['have-quorum']);
  let noQuorumPolicy: StatusConfig['noQuorumPolicy'] = 'stop';
  const nqp = (options.get('no-quorum-policy') ?? 'stop').toLowerCase();
  if (nqp === 'ignore' || nqp === 'freeze' || nqp === 'demote') noQuorumPolicy = nqp;
  else if (nqp === 'suicide') {
    const panic = leadingInt(cib.attrs['no-quorum-panic'], 0);
    noQuorumPolicy = stonithEnabled && (panic !== 0 || haveQuorum) ? 'suicide' : 'stop';
  }
  return {
    stonithEnabled,
    startupFencing: stonithEnabled && boolOpt(options, 'startup-fencing', true),
    maintenanceMode: boolOpt(options, 'maintenance-mode', false),
    symmetricCluster: boolOpt(options, 'symmetric-cluster', true),
    stopOrphanResources: boolOpt(options, 'stop-orphan-resources', true),
    shutdownLock: boolOpt(options, 'shutdown-lock', false),
    haveQuorum,
    noQuorumPolicy,
    dcUuid: cib.attrs['dc-uuid'],
    options,
    rscDefaults,
    opDefaults,
  };
}
