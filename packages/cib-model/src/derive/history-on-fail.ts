/**
 * How an operation failure is handled: `on-fail` of an action as `unpack_operation` decides it (`pe_actions.c`)
 * and `cmp_on_fail`, plus the probe helpers the unpacking shares.
 */
import { tryParseDuration } from '../parse/duration.js';
import type { XmlElement } from '../parse/xml-tree.js';
import { attrInt } from './history-order.js';
import { Exec, OnFail, Ocf, type HistoryEnv, type OnFailValue } from './history-types.js';
import { leadingInt, readNvpairSets } from './status-config.js';
import type { StatusResource } from './status-resources.js';

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

export function isProbe(op: XmlElement): boolean {
  return op.attrs['operation'] === 'monitor' && leadingInt(op.attrs['interval'], 0) === 0;
}

/** `pcmk_xe_mask_probe_failure`. */
export function maskProbeFailure(op: XmlElement): boolean {
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
