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
import type { XmlElement } from '../parse/xml-tree.js';
import { migrationUnpacking } from './history-migration.js';
import { actionOnFail, cmpOnFail, isProbe, maskProbeFailure } from './history-on-fail.js';
import { attrInt, targetRcOf } from './history-order.js';
import { Exec, OnFail, Ocf, Role, type HistoryEnv, type HistoryResult } from './history-types.js';
import { leadingInt } from './status-config.js';
import type { StatusResource } from './status-resources.js';

export { Role, OnFail, type RoleValue, type OnFailValue, type HistoryEnv, type HistoryResult } from './history-types.js';
export { targetRcOf, compareOps, glibSort, sortedOps } from './history-order.js';
export { cmpOnFail, actionOnFail } from './history-on-fail.js';

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

  const { migrateToSuccess, migrateToFailure, migrateFromFailure } = migrationUnpacking(rsc, env, st);

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
