/**
 * The migration helpers of the history unpacking (`unpack_migrate_to_success`, `unpack_migrate_to_failure`,
 * `unpack_migrate_from_failure` and what they look up on the other node of a migration).
 */
import { elements, type XmlElement } from '../parse/xml-tree.js';
import { attrInt, compareOps } from './history-order.js';
import { Exec, Ocf, Role, type HistoryEnv, type HistoryResult } from './history-types.js';
import type { StatusResource } from './status-resources.js';

/** The migration steps of unpacking `rsc`'s history on `env.node`; they update `st`. */
export function migrationUnpacking(rsc: StatusResource, env: HistoryEnv, st: HistoryResult): {
  migrateToSuccess(op: XmlElement): void;
  migrateToFailure(op: XmlElement): void;
  migrateFromFailure(op: XmlElement): void;
} {
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
  return { migrateToSuccess, migrateToFailure, migrateFromFailure };
}
