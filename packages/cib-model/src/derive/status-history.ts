/**
 * One resource's operation history on one node, unpacked the way Pacemaker 2.1.5's scheduler does it
 * (`lib/pengine/unpack.c`: `unpack_lrm_resource`, `unpack_rsc_op`, `remap_operation`,
 * `update_resource_state`, `unpack_rsc_op_failure`, the migration helpers; `pe__is_newer_op` and
 * `g_list_sort` for the order of the entries; `pe_actions.c` for each operation's `on-fail`).
 *
 * Deliberate omissions: fail counts are read only to keep an expired entry that still has an unexpired
 * fail count (no rules, no per-operation fail count keys); `role_after_failure`, `on-fail` rules and
 * `requires` are not evaluated; the scheduling side effects (location bans, stop actions) are not kept.
 * @packageDocumentation
 */
import { tryParseDuration } from '../parse/duration.js';
import { elements, type XmlElement } from '../parse/xml-tree.js';
import { leadingInt, readNvpairSets, type StatusConfig } from './status-config.js';
import type { StatusResource } from './status-resources.js';

/** `enum rsc_role_e`. */
export const Role = { Unknown: 0, Stopped: 1, Started: 2, Unpromoted: 3, Promoted: 4 } as const;
export type RoleValue = (typeof Role)[keyof typeof Role];

/** `enum action_fail_response`, same numbering as 2.1.5. */
export const OnFail = {
  Ignore: 0, Recover: 1, Migrate: 2, Block: 3, Stop: 4, Standby: 5, Fence: 6,
  RestartContainer: 7, ResetRemote: 8, Demote: 9,
} as const;
export type OnFailValue = (typeof OnFail)[keyof typeof OnFail];

/** Executor status codes (`enum pcmk_exec_status`). */
const Exec = {
  Pending: -1, Done: 0, Cancelled: 1, Timeout: 2, NotSupported: 3, Error: 4, ErrorHard: 5, ErrorFatal: 6,
  NotInstalled: 7, NotConnected: 8, Invalid: 9, NoFenceDevice: 10, NoSecrets: 11,
} as const;

/** OCF exit codes used below. */
const Ocf = {
  Ok: 0, InvalidParam: 2, Unimplemented: 3, InsufficientPriv: 4, NotInstalled: 5, NotConfigured: 6,
  NotRunning: 7, RunningPromoted: 8, FailedPromoted: 9, Degraded: 190, DegradedPromoted: 191,
} as const;

/** What the unpacking needs to know about the rest of the cluster. */
export interface HistoryEnv {
  config: StatusConfig;
  /** Current time in seconds since the epoch (failure-timeout expiry). */
  nowS: number;
  /** Node on whose history we are. */
  node: { name: string; online: boolean; unclean: boolean; shutdown: boolean; isRemoteOrGuest: boolean };
  /** Whether a node of that name exists and is online (migration targets). */
  nodeOnline(name: string): boolean | undefined;
  /** `pe__resource_is_remote_conn`: a remote (not guest) node is named after this resource. */
  isRemoteNodeName(name: string): boolean;
  /** `remote_was_fenced` of the remote node with that name (undefined: no such node). */
  remoteWasFenced(name: string): boolean | undefined;
  /** The `lrm_resource` of that id in the `node_state` of that uname. */
  lrmResource(rscId: string, nodeName: string): XmlElement | undefined;
  /** Transient attributes of a node (fail counts). */
  nodeAttrs(nodeName: string): Map<string, string> | undefined;
}

/** The result of unpacking one `lrm_resource` on one node. */
export interface HistoryResult {
  role: RoleValue;
  onFail: OnFailValue;
  /** `pe_rsc_failed` set while unpacking (migration failures, not-connected results). */
  failed: boolean;
  /** A `migrate_from` entry was seen (`migrate_op`). */
  migrateOp: boolean;
  /** Other nodes on which the unpacking found the resource running (migrations). */
  alsoRunningOn: { node: string; failed: boolean }[];
  /** The node's remote connection must be treated as failed (`PCMK_EXEC_NOT_CONNECTED`). */
  connectionFailed: boolean;
  /** A migration left the resource partially migrated to that target. */
  partialMigration: boolean;
}

function attrInt(e: XmlElement, name: string, dflt: number): number {
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

/** `cmp_on_fail`. */
export function cmpOnFail(firstValue: OnFailValue, secondValue: OnFailValue): number {
  const first: number = firstValue;
  const second: number = secondValue;
  switch (first) {
    case OnFail.Demote:
      return second === OnFail.Ignore ? 1 : second === OnFail.Demote ? 0 : -1;
    case OnFail.ResetRemote:
      if (second === OnFail.Ignore || second === OnFail.Demote || second === OnFail.Recover) return 1;
      return second === OnFail.ResetRemote ? 0 : -1;
    case OnFail.RestartContainer:
      if (second === OnFail.Ignore || second === OnFail.Demote || second === OnFail.Recover || second === OnFail.ResetRemote) return 1;
      return second === OnFail.RestartContainer ? 0 : -1;
    default:
      break;
  }
  switch (second) {
    case OnFail.Demote:
      return first === OnFail.Ignore ? -1 : 1;
    case OnFail.ResetRemote:
      return first === OnFail.Ignore || first === OnFail.Demote || first === OnFail.Recover ? -1 : 1;
    case OnFail.RestartContainer:
      return first === OnFail.Ignore || first === OnFail.Demote || first === OnFail.Recover || first === OnFail.ResetRemote ? -1 : 1;
    default:
      return first - second;
  }
}

function intervalOf(op: XmlElement): number {
  const v = op.attrs['interval'];
  if (v === undefined) return 0;
  return tryParseDuration(v) ?? 0;
}

function isProbe(op: XmlElement): boolean {
  return op.attrs['operation'] === 'monitor' && leadingInt(op.attrs['interval'], 0) === 0;
}

/** `pcmk_xe_mask_probe_failure`. */
function maskProbeFailure(op: XmlElement): boolean {
  if (!isProbe(op)) return false;
  const status = attrInt(op, 'op-status', -2);
  const rc = attrInt(op, 'rc-code', 0);
  return rc === Ocf.NotInstalled || rc === Ocf.InvalidParam || status === Exec.NotInstalled;
}

/** The configured `<op>` for an action (`find_rsc_op_entry`), enabled ones only. */
function findOpEntry(rsc: StatusResource, task: string, intervalMs: number): XmlElement | undefined {
  for (const op of rsc.ops) {
    if (op.attrs['name'] !== task) continue;
    if (intervalOf(op) !== intervalMs) continue;
    const en = op.attrs['enabled'];
    if (en !== undefined && ['false', 'no', 'off', 'n', '0'].includes(en.toLowerCase())) continue;
    return op;
  }
  return undefined;
}

/** `on-fail` and `fail_role` of an action, as `unpack_operation` decides them. */
export function actionOnFail(
  rsc: StatusResource,
  task: string,
  intervalMs: number,
  env: Pick<HistoryEnv, 'config' | 'isRemoteNodeName'>,
): { onFail: OnFailValue; failRoleStopped: boolean } {
  const meta = new Map<string, string>(env.config.opDefaults);
  const entry = findOpEntry(rsc, task, intervalMs);
  if (entry !== undefined) {
    readNvpairSets(entry, 'meta_attributes', meta, true);
    for (const [k, v] of Object.entries(entry.attrs)) meta.set(k, v);
  }
  let value: string | undefined = meta.get('on-fail')?.toLowerCase();
  if (task === 'stop' && (value === 'standby' || value === 'demote' || value === 'stop')) value = undefined;
  else if (task === 'demote' && value === undefined) {
    for (const op of rsc.ops) {
      const of = op.attrs['on-fail']?.toLowerCase();
      if (of === undefined || of === 'demote') continue;
      if (op.attrs['name'] !== 'monitor') continue;
      const role = op.attrs['role'];
      if (role !== 'Promoted' && role !== 'Master') continue;
      if (intervalOf(op) === 0) continue;
      value = of;
      break;
    }
  } else if (value === 'demote') {
    const role = entry?.attrs['role'];
    const ok = task === 'promote' || (task === 'monitor' && (role === 'Promoted' || role === 'Master') && intervalMs > 0);
    if (!ok) value = undefined;
  }
  let onFail: OnFailValue = OnFail.Recover;
  let failRoleStopped = false;
  let decided = true;
  switch (value) {
    case 'block': onFail = OnFail.Block; break;
    case 'fence':
      if (env.config.stonithEnabled) onFail = OnFail.Fence;
      else { onFail = OnFail.Stop; failRoleStopped = true; }
      break;
    case 'standby': onFail = OnFail.Standby; break;
    case 'ignore': case 'nothing': onFail = OnFail.Ignore; break;
    case 'migrate': onFail = OnFail.Migrate; break;
    case 'stop': onFail = OnFail.Stop; failRoleStopped = true; break;
    case 'restart': onFail = OnFail.Recover; break;
    case 'restart-container':
      if (rsc.containerId !== undefined) onFail = OnFail.RestartContainer;
      else decided = false;
      break;
    case 'demote': onFail = OnFail.Demote; break;
    default: decided = false; break;
  }
  if (!decided && rsc.containerId !== undefined) {
    onFail = OnFail.RestartContainer;
  } else if ((!decided || !rsc.managed) && rsc.isRemoteConn && env.isRemoteNodeName(rsc.id)
    && !(task === 'monitor' && intervalMs === 0) && task !== 'start') {
    if (!rsc.managed) { onFail = OnFail.Stop; failRoleStopped = true; }
    else {
      if (rsc.reconnectMs > 0) failRoleStopped = true;
      onFail = OnFail.ResetRemote;
    }
  } else if (!decided && task === 'stop') {
    onFail = env.config.stonithEnabled ? OnFail.Fence : OnFail.Block;
  } else if (!decided) {
    onFail = OnFail.Recover;
  }
  return { onFail, failRoleStopped };
}

/** Unpacks one `lrm_resource` (already sorted entries) of `rsc` on `env.node`. */
export function unpackHistory(rsc: StatusResource, ops: XmlElement[], env: HistoryEnv): HistoryResult {
  const st: HistoryResult = {
    role: Role.Unknown, onFail: OnFail.Ignore, failed: false, migrateOp: false, alsoRunningOn: [],
    connectionFailed: false, partialMigration: false,
  };
  let lastFailure: XmlElement | undefined;
  const setActive = (): void => { st.role = rsc.promotable ? Role.Unpromoted : Role.Started; };
  const opKey = (op: XmlElement): string | undefined => op.attrs['operation_key'] ?? op.attrs['id'];

  const updateState = (op: XmlElement, task: string, rc: number): void => {
    let clear = false;
    if (rc === Ocf.NotInstalled || (!rsc.bundled && maskProbeFailure(op))) {
      st.role = Role.Stopped;
    } else if (rc === Ocf.NotRunning) {
      clear = true;
    } else if (task === 'monitor') {
      if (lastFailure !== undefined && opKey(op) === opKey(lastFailure)) clear = true;
      if (st.role < Role.Started) setActive();
    } else if (task === 'start') {
      st.role = Role.Started; clear = true;
    } else if (task === 'stop') {
      st.role = Role.Stopped; clear = true;
    } else if (task === 'promote') {
      st.role = Role.Promoted; clear = true;
    } else if (task === 'demote') {
      if (st.onFail === OnFail.Demote) clear = true;
      st.role = Role.Unpromoted;
    } else if (task === 'migrate_from') {
      st.role = Role.Started; clear = true;
    } else if (task === 'migrate_to') {
      migrateToSuccess(op);
    } else if (st.role < Role.Started) {
      setActive();
    }
    if (clear) {
      switch (st.onFail) {
        case OnFail.Stop: case OnFail.Fence: case OnFail.Migrate: case OnFail.Standby:
          break;
        case OnFail.ResetRemote:
          if (rsc.reconnectMs === 0) st.onFail = OnFail.Ignore;
          break;
        default:
          st.onFail = OnFail.Ignore;
      }
    }
  };

  const findLrmOp = (node: string, task: string, source: string | undefined, targetRc: number): XmlElement | undefined => {
    const entry = env.lrmResource(rsc.id, node);
    if (entry === undefined) return undefined;
    let found: XmlElement | undefined;
    for (const op of elements(entry, 'lrm_rsc_op')) {
      if (op.attrs['operation'] !== task) continue;
      if (source !== undefined && task === 'migrate_to' && op.attrs['migrate_target'] !== source) continue;
      if (source !== undefined && task === 'migrate_from' && op.attrs['migrate_source'] !== source) continue;
      found = op;
      break;
    }
    if (found !== undefined && targetRc >= 0) {
      if (attrInt(found, 'rc-code', 1) !== targetRc || attrInt(found, 'op-status', Exec.Error) !== Exec.Done) return undefined;
    }
    return found;
  };
  const unknownOn = (node: string): boolean => {
    const e = env.lrmResource(rsc.id, node);
    return e === undefined || elements(e, 'lrm_rsc_op').length === 0;
  };
  const nonMonitorAfter = (node: string, xmlOp: XmlElement, sameNode: boolean): boolean => {
    const e = env.lrmResource(rsc.id, node);
    if (e === undefined) return false;
    for (const op of elements(e, 'lrm_rsc_op')) {
      if (op === xmlOp) continue;
      const t = op.attrs['operation'];
      if ((t === 'start' || t === 'stop' || t === 'migrate_to' || t === 'migrate_from') && compareOps(op, xmlOp, sameNode) > 0) return true;
    }
    return false;
  };
  const monitorNotRunningAfter = (node: string, xmlOp: XmlElement, sameNode: boolean): boolean => {
    const m = findLrmOp(node, 'monitor', undefined, Ocf.NotRunning);
    return m !== undefined && compareOps(m, xmlOp, sameNode) > 0;
  };
  const newerStateAfterMigrate = (node: string, migrateTo: XmlElement | undefined, migrateFrom: XmlElement | undefined): boolean => {
    let xmlOp = (migrateFrom ?? migrateTo) as XmlElement;
    const source = xmlOp.attrs['migrate_source'];
    const target = xmlOp.attrs['migrate_target'];
    let sameNode = false;
    if (node === target) {
      if (migrateFrom !== undefined) { xmlOp = migrateFrom; sameNode = true; } else xmlOp = migrateTo as XmlElement;
    } else if (node === source) {
      if (migrateTo !== undefined) { xmlOp = migrateTo; sameNode = true; } else xmlOp = migrateFrom as XmlElement;
    }
    return nonMonitorAfter(node, xmlOp, sameNode) || monitorNotRunningAfter(node, xmlOp, sameNode);
  };

  const migrateToSuccess = (op: XmlElement): void => {
    const source = op.attrs['migrate_source'];
    const target = op.attrs['migrate_target'];
    if (source === undefined || target === undefined || source !== env.node.name) return;
    const sourceNewerOp = nonMonitorAfter(source, op, true);
    const migrateFrom = findLrmOp(target, 'migrate_from', source, -1);
    if (sourceNewerOp && migrateFrom !== undefined) return;
    const targetNewerState = newerStateAfterMigrate(target, op, migrateFrom);
    if (sourceNewerOp && targetNewerState) return;
    st.role = Role.Started;
    const targetOnline = env.nodeOnline(target) === true;
    if (migrateFrom !== undefined) {
      const fromRc = attrInt(migrateFrom, 'rc-code', 0);
      const fromStatus = attrInt(migrateFrom, 'op-status', 0);
      if (fromRc === Ocf.Ok && fromStatus === Exec.Done) {
        st.role = Role.Stopped;
        return;
      }
      if (fromStatus !== Exec.Pending) {
        if (!targetNewerState && targetOnline) st.alsoRunningOn.push({ node: target, failed: true });
        else st.failed = true;
        return;
      }
    }
    if (!targetNewerState && targetOnline) {
      st.alsoRunningOn.push({ node: target, failed: false });
      if (env.nodeOnline(source) === true) st.partialMigration = true;
    } else if (!sourceNewerOp) {
      st.failed = true;
    }
  };

  const migrateToFailure = (op: XmlElement): void => {
    const source = op.attrs['migrate_source'];
    const target = op.attrs['migrate_target'];
    if (source === undefined || target === undefined || source !== env.node.name) return;
    st.role = Role.Started;
    const targetMigrateFrom = findLrmOp(target, 'migrate_from', source, Ocf.Ok);
    if (!unknownOn(target) && !newerStateAfterMigrate(target, op, targetMigrateFrom)) {
      if (env.nodeOnline(target) === true) st.alsoRunningOn.push({ node: target, failed: false });
    }
  };

  const migrateFromFailure = (op: XmlElement): void => {
    const source = op.attrs['migrate_source'];
    const target = op.attrs['migrate_target'];
    if (source === undefined || target === undefined || target !== env.node.name) return;
    st.role = Role.Started;
    const sourceMigrateTo = findLrmOp(source, 'migrate_to', target, Ocf.Ok);
    if (!unknownOn(source) && !newerStateAfterMigrate(source, sourceMigrateTo, op)) {
      if (env.nodeOnline(source) === true) st.alsoRunningOn.push({ node: source, failed: true });
    }
  };

  const opFailure = (op: XmlElement, task: string, rc: number, intervalMs: number): void => {
    lastFailure = op;
    const action = actionOnFail(rsc, task, intervalMs, env);
    if (cmpOnFail(st.onFail, action.onFail) < 0) st.onFail = action.onFail;
    if (task === 'migrate_to') migrateToFailure(op);
    else if (task === 'migrate_from') migrateFromFailure(op);
    else if (task === 'promote') st.role = Role.Promoted;
    else if (task === 'demote') {
      if (action.onFail === OnFail.Block) st.role = Role.Promoted;
      else if (rc === Ocf.NotRunning) st.role = Role.Stopped;
      else st.role = Role.Unpromoted;
    }
    if (isProbe(op) && rc === Ocf.NotInstalled) st.role = Role.Stopped;
    else if (st.role < Role.Started) setActive();
  };

  const failCountUnexpired = (): boolean => {
    const attrs = env.nodeAttrs(env.node.name);
    if (attrs === undefined) return false;
    let unexpired = false;
    for (const [k, v] of attrs) {
      if (!k.startsWith(`fail-count-${rsc.id}`)) continue;
      const rest = k.slice(`fail-count-${rsc.id}`.length);
      if (rest !== '' && !rest.startsWith('#')) continue;
      if (leadingInt(v, 0) === 0 && v.toLowerCase() !== 'infinity') continue;
      const lf = attrs.get(`last-failure-${rsc.id}${rest}`);
      const last = lf === undefined ? 0 : leadingInt(lf, 0);
      if (last === 0 || env.nowS < last + rsc.failureTimeoutS) unexpired = true;
    }
    return unexpired;
  };

  const checkExpiry = (op: XmlElement, task: string, rc: number, intervalMs: number): boolean => {
    let expired = false;
    const lastRun = op.attrs['last-rc-change'];
    if (rsc.failureTimeoutS > 0 && lastRun !== undefined) {
      const last = leadingInt(lastRun, 0);
      let ignore = false;
      if (rsc.reconnectMs > 0 && env.config.stonithEnabled && intervalMs !== 0 && task === 'monitor') {
        const fenced = env.remoteWasFenced(rsc.id);
        if (fenced === false) ignore = true;
      }
      if (env.nowS >= last + rsc.failureTimeoutS && !ignore) expired = true;
      if (expired && failCountUnexpired()) expired = false;
    }
    if (expired && intervalMs === 0 && task === 'monitor') {
      if (rc === Ocf.Ok || rc === Ocf.NotRunning || rc === Ocf.RunningPromoted || rc === Ocf.Degraded || rc === Ocf.DegradedPromoted) expired = false;
    }
    return expired;
  };

  for (const op of ops) {
    const task = op.attrs['operation'];
    if (task === undefined) continue;
    if (task === 'migrate_from') st.migrateOp = true;
    const targetRc = targetRcOf(op);
    let rc = attrInt(op, 'rc-code', 0);
    let status = attrInt(op, 'op-status', -2);
    const intervalMs = attrInt(op, 'interval', 0);
    if (status < Exec.Pending || status > Exec.NoSecrets) continue;
    if (task === 'notify' || task === 'meta-data') continue;

    const expired = status !== Exec.NotInstalled && checkExpiry(op, task, rc, intervalMs);
    const oldRc = rc;
    const oldTargetRc = targetRc;

    // remap_operation
    if (task === 'monitor') {
      const eff = rc === Ocf.Degraded ? Ocf.Ok : rc === Ocf.DegradedPromoted ? Ocf.RunningPromoted : rc;
      rc = eff;
    }
    if (!rsc.bundled && maskProbeFailure(op)) { status = Exec.Done; rc = Ocf.NotRunning; }
    if (status === Exec.Done || status === Exec.Error) {
      status = Exec.Done;
      const probe = isProbe(op);
      if (targetRc < 0 || targetRc !== rc) status = Exec.Error;
      switch (rc) {
        case Ocf.Ok:
          if (probe && targetRc === Ocf.NotRunning) status = Exec.Done;
          break;
        case Ocf.NotRunning:
          if (probe || targetRc === rc || !rsc.managed) {
            status = Exec.Done;
            st.role = Role.Stopped;
            st.onFail = OnFail.Ignore;
          }
          break;
        case Ocf.RunningPromoted:
          if (probe && rc !== targetRc) status = Exec.Done;
          st.role = Role.Promoted;
          break;
        case Ocf.DegradedPromoted:
        case Ocf.FailedPromoted:
          st.role = Role.Promoted;
          status = Exec.Error;
          break;
        case Ocf.NotConfigured:
          status = Exec.ErrorFatal;
          break;
        case Ocf.Unimplemented:
          status = intervalMs === 0 ? Exec.ErrorHard : Exec.NotSupported;
          break;
        case Ocf.NotInstalled:
        case Ocf.InvalidParam:
        case Ocf.InsufficientPriv:
          status = Exec.ErrorHard;
          break;
        default:
          if (status === Exec.Done) status = Exec.Error;
      }
    }
    const maskable = !rsc.bundled && maskProbeFailure(op);
    if (expired && maskable && oldRc !== oldTargetRc) {
      if (st.role <= Role.Stopped) st.role = Role.Unknown;
      continue;
    } else if (expired && rc !== targetRc) {
      if (intervalMs === 0) continue;
      if (env.node.online && !env.node.unclean) continue;
    }
    if (maskable) {
      updateState(op, task, targetRc);
      continue;
    }
    let handled = false;
    switch (status) {
      case Exec.Cancelled:
        handled = true;
        break;
      case Exec.Pending:
        if (task === 'start') setActive();
        else if (task === 'promote') st.role = Role.Promoted;
        handled = true;
        break;
      case Exec.Done:
        updateState(op, task, rc);
        handled = true;
        break;
      case Exec.NotInstalled: {
        const a = actionOnFail(rsc, task, intervalMs, env);
        if (a.onFail === OnFail.Ignore) st.onFail = OnFail.Migrate;
        opFailure(op, task, rc, intervalMs);
        handled = true;
        break;
      }
      case Exec.NotConnected:
        if (env.node.isRemoteOrGuest) st.connectionFailed = true;
        break;
      case Exec.NoFenceDevice:
      case Exec.NoSecrets:
        status = Exec.ErrorHard;
        break;
      default:
        break;
    }
    if (handled) continue;
    const strategy = actionOnFail(rsc, task, intervalMs, env).onFail;
    if (strategy === OnFail.Ignore || (strategy === OnFail.RestartContainer && task === 'stop')) {
      updateState(op, task, targetRc);
      if (strategy === OnFail.RestartContainer && cmpOnFail(st.onFail, OnFail.Recover) <= 0) st.onFail = strategy;
    } else {
      opFailure(op, task, rc, intervalMs);
    }
  }
  return st;
}
