/**
 * The order of an `lrm_resource`'s entries as Pacemaker 2.1.5 replays them (`pe__is_newer_op`,
 * `decode_transition_key`, glib's `g_list_sort`).
 */
import { elements, type XmlElement } from '../parse/xml-tree.js';
import { leadingInt } from './status-config.js';

/** An integer attribute (leading digits, as `crm_parse_int`), `dflt` when absent. */
export function attrInt(e: XmlElement, name: string, dflt: number): number {
  return leadingInt(e.attrs[name], dflt);
}

/** `decode_transition_key`: `action:transition:target_rc:uuid`. */
function decodeKey(key: string | undefined): { transition: number; targetRc: number; uuid: string } | undefined {
  if (key === undefined) return undefined;
  const m = /^(-?\d+):(-?\d+):(-?\d+):(.{1,36})/.exec(key);
  if (m === null) return undefined;
  return { transition: Number(m[2]), targetRc: Number(m[3]), uuid: m[4] as string };
}

/** `pe__target_rc_from_xml`. */
export function targetRcOf(op: XmlElement): number {
  const key = op.attrs['transition-key'];
  if (key === undefined) return -1;
  const d = decodeKey(key);
  return d === undefined ? 0 : d.targetRc;
}

function lastChange(op: XmlElement): number {
  const v = op.attrs['last-rc-change'];
  if (v === undefined) return -1;
  const n = leadingInt(v, -1);
  return n;
}

/** `pe__is_newer_op`: >0 when `a` is newer than `b`. */
export function compareOps(a: XmlElement, b: XmlElement, sameNodeDefault: boolean): number {
  const aNode = a.attrs['on_node'];
  const bNode = b.attrs['on_node'];
  const sameNode = aNode === undefined || bNode === undefined ? sameNodeDefault : aNode.toLowerCase() === bNode.toLowerCase();
  if (sameNode && a.attrs['id'] === b.attrs['id']) return 0;
  const aCall = attrInt(a, 'call-id', -1);
  const bCall = attrInt(b, 'call-id', -1);
  if (aCall === -1 && bCall === -1) return 0;
  if (sameNode && aCall >= 0 && aCall < bCall) return -1;
  if (sameNode && bCall >= 0 && aCall > bCall) return 1;
  if (aCall >= 0 && bCall >= 0 && (!sameNode || aCall === bCall)) {
    const la = lastChange(a);
    const lb = lastChange(b);
    if (la >= 0 && la < lb) return -1;
    if (lb >= 0 && la > lb) return 1;
    return 0;
  }
  const am = a.attrs['transition-magic'];
  const bm = b.attrs['transition-magic'];
  if (am === undefined || bm === undefined) return 0;
  const ak = decodeKey(/^-?\d+:-?\d+;(.*)$/.exec(am)?.[1]);
  const bk = decodeKey(/^-?\d+:-?\d+;(.*)$/.exec(bm)?.[1]);
  if (ak === undefined || bk === undefined) return 0;
  if (ak.uuid.toLowerCase() !== bk.uuid.toLowerCase() || ak.transition === bk.transition) {
    if (bCall === -1) return -1;
    if (aCall === -1) return 1;
  } else if ((ak.transition >= 0 && ak.transition < bk.transition) || bk.transition === -1) {
    return -1;
  } else if ((bk.transition >= 0 && ak.transition > bk.transition) || ak.transition === -1) {
    return 1;
  }
  return 0;
}

/** glib's `g_list_sort` (a stable top-down merge sort), so ties and odd comparisons land where Pacemaker puts them. */
export function glibSort<T>(list: T[], cmp: (a: T, b: T) => number): T[] {
  if (list.length <= 1) return list.slice();
  const half = Math.floor(list.length / 2);
  const left = glibSort(list.slice(0, half), cmp);
  const right = glibSort(list.slice(half), cmp);
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    if (cmp(left[i] as T, right[j] as T) <= 0) out.push(left[i++] as T);
    else out.push(right[j++] as T);
  }
  while (i < left.length) out.push(left[i++] as T);
  while (j < right.length) out.push(right[j++] as T);
  return out;
}

/** The entries of an `lrm_resource` in the order Pacemaker replays them. */
export function sortedOps(entry: XmlElement): XmlElement[] {
  const ops = elements(entry, 'lrm_rsc_op').reverse(); // g_list_prepend
  return glibSort(ops, (a, b) => compareOps(a, b, true));
}
