/**
 * Unit tests of activeResourceLocations and the history replay behind it (unpack_rsc_op and friends of
 * Pacemaker 2.1.5's unpack.c, pe__is_newer_op, g_list_sort).
 */
import { expect } from 'chai';
import { parseXml, type XmlElement } from '../src/index.js';
import { activeResourceLocations } from '../src/derive/resource-state.js';
import { cmpOnFail, compareOps, glibSort, OnFail, sortedOps } from '../src/derive/status-history.js';
import { cibXml, clusterNodes, clusterState, DUMMY, lrm, REMOTE_AGENT, remotePrimitive, remoteState, type OpSpec } from './status-helpers.js';

/** Where d1 is active when node n1 (online) has this history for it. */
function activeOn(ops: OpSpec[], resources = DUMMY, id = 'd1'): string[] {
  const xml = cibXml({ nodes: clusterNodes(1), resources, status: clusterState('1', 'n1', undefined, lrm(id, ops)) });
  return activeResourceLocations(parseXml(xml)).get(id) ?? [];
}

describe('status: activeResourceLocations (resource role from operation history)', () => {
  it('a successful start makes the resource active; a later stop makes it inactive', () => {
    expect(activeOn([{ task: 'start', callId: 3 }])).to.deep.equal(['n1']);
    expect(activeOn([{ task: 'start', callId: 3 }, { task: 'stop', callId: 4 }])).to.deep.equal([]);
  });

  it('entries are replayed by call-id, not by document order', () => {
    expect(activeOn([{ task: 'start', callId: 9 }, { task: 'stop', callId: 4 }])).to.deep.equal(['n1']);
    expect(activeOn([{ task: 'stop', callId: 9 }, { task: 'start', callId: 4 }])).to.deep.equal([]);
  });

  it('a probe with rc 7 (expected or not) means stopped; a probe with rc 0 means active', () => {
    expect(activeOn([{ task: 'monitor', callId: 1, rc: 7, targetRc: 7 }])).to.deep.equal([]);
    expect(activeOn([{ task: 'monitor', callId: 1, rc: 0, targetRc: 7 }])).to.deep.equal(['n1']);
  });

  it('a recurring monitor with rc 0 or 8 keeps it active; an unexpected rc 7 leaves it active (failed)', () => {
    expect(activeOn([{ task: 'start', callId: 1 }, { task: 'monitor', callId: 2, interval: 10000 }])).to.deep.equal(['n1']);
    const ms = '<clone id="c"><meta_attributes id="c-m"><nvpair id="c-p" name="promotable" value="true"/></meta_attributes>'
      + '<primitive id="s" class="ocf" provider="pacemaker" type="Stateful"/></clone>';
    expect(activeOn([{ task: 'monitor', callId: 1, rc: 8, targetRc: 7 }], ms, 's')).to.deep.equal(['n1']);
    expect(activeOn([{ task: 'start', callId: 1 }, { task: 'monitor', callId: 2, interval: 10000, rc: 7, status: 4 }])).to.deep.equal(['n1']);
    // ... unless 7 was the expected result.
    expect(activeOn([{ task: 'start', callId: 1 }, { task: 'monitor', callId: 2, interval: 10000, rc: 7, targetRc: 7 }])).to.deep.equal([]);
  });

  it('a failed start or monitor leaves the resource active (failed); rc 5 (not installed) on a probe does not', () => {
    expect(activeOn([{ task: 'start', callId: 1, rc: 1, status: 4 }])).to.deep.equal(['n1']);
    expect(activeOn([{ task: 'start', callId: 1 }, { task: 'monitor', callId: 2, interval: 10000, rc: 1, status: 4 }])).to.deep.equal(['n1']);
    expect(activeOn([{ task: 'monitor', callId: 1, rc: 5, status: 0, targetRc: 7 }])).to.deep.equal([]);
  });

  it('a pending start (call-id -1, op-status -1) counts as active; a pending stop does not change the role', () => {
    expect(activeOn([{ task: 'start', callId: -1, status: -1, rc: 193 }])).to.deep.equal(['n1']);
    expect(activeOn([{ task: 'monitor', callId: 1, rc: 7, targetRc: 7 }, { task: 'start', callId: -1, status: -1, rc: 193 }])).to.deep.equal(['n1']);
  });

  it('notify and meta-data entries are ignored', () => {
    expect(activeOn([{ task: 'start', callId: 1 }, { task: 'stop', callId: 2 }, { task: 'notify', callId: 3 }])).to.deep.equal([]);
  });

  it('clone instance ids (rsc:N) are reported under their id and the primitive id', () => {
    const clone = '<clone id="c"><meta_attributes id="c-m"><nvpair id="c-u" name="globally-unique" value="true"/></meta_attributes>'
      + '<primitive id="d1" class="ocf" provider="heartbeat" type="Dummy"/></clone>';
    const xml = cibXml({ nodes: clusterNodes(2), resources: clone,
      status: clusterState('1', 'n1', undefined, lrm('d1:0', [{ task: 'start', callId: 1 }]))
        + clusterState('2', 'n2', undefined, lrm('d1:1', [{ task: 'start', callId: 1 }])) });
    const act = activeResourceLocations(parseXml(xml));
    expect(act.get('d1')).to.deep.equal(['n1', 'n2']);
    expect(act.get('d1:0')).to.deep.equal(['n1']);
    expect(act.get('d1:1')).to.deep.equal(['n2']);
  });

  it('a remote connection is reported where it runs; resources behind it are read once it is up', () => {
    const conn = lrm('r1', [{ task: 'start', callId: 1 }], REMOTE_AGENT);
    const behind = lrm('d1', [{ task: 'start', callId: 2 }]);
    const xml = cibXml({ nodes: clusterNodes(2), resources: remotePrimitive('r1') + DUMMY,
      status: clusterState('1', 'n1') + clusterState('2', 'n2', undefined, conn) + remoteState('r1', behind) });
    const act = activeResourceLocations(parseXml(xml));
    expect(act.get('r1')).to.deep.equal(['n2']);
    expect(act.get('d1')).to.deep.equal(['r1']);
  });

  it('a migration whose migrate_from has not been recorded counts on source and target', () => {
    const rsc = remotePrimitive('r1');
    const src = lrm('r1', [{ task: 'start', callId: 1 }, { task: 'migrate_to', callId: 2, extra: 'migrate_source="n1" migrate_target="n2"' }], REMOTE_AGENT);
    const xml = cibXml({ nodes: clusterNodes(2), resources: rsc, status: clusterState('1', 'n1', undefined, src) + clusterState('2', 'n2', undefined, lrm('r1', [{ task: 'monitor', callId: 1, rc: 7, targetRc: 7 }], REMOTE_AGENT)) });
    expect(activeResourceLocations(parseXml(xml)).get('r1')).to.deep.equal(['n1', 'n2']);
  });

  it('a completed migration (migrate_from rc 0 on the target) moves the resource', () => {
    const src = lrm('r1', [{ task: 'start', callId: 1 }, { task: 'migrate_to', callId: 2, extra: 'migrate_source="n1" migrate_target="n2"' }], REMOTE_AGENT);
    const dst = lrm('r1', [{ task: 'migrate_from', callId: 3, extra: 'migrate_source="n1" migrate_target="n2"' }], REMOTE_AGENT);
    const xml = cibXml({ nodes: clusterNodes(2), resources: remotePrimitive('r1'), status: clusterState('1', 'n1', undefined, src) + clusterState('2', 'n2', undefined, dst) });
    expect(activeResourceLocations(parseXml(xml)).get('r1')).to.deep.equal(['n2']);
  });

  it('an expired failure (failure-timeout passed, no fail count) is ignored', () => {
    const rsc = '<primitive id="d1" class="ocf" provider="heartbeat" type="Dummy"><meta_attributes id="d1-m">'
      + '<nvpair id="d1-ft" name="failure-timeout" value="60s"/></meta_attributes></primitive>';
    const xml = cibXml({ nodes: clusterNodes(1), resources: rsc,
      status: clusterState('1', 'n1', undefined, lrm('d1', [{ task: 'monitor', callId: 1, rc: 7, targetRc: 7 }, { task: 'start', callId: 2, rc: 1, status: 4, lastRcChange: 1000 }])) });
    expect(activeResourceLocations(parseXml(xml), { nowS: 1030 }).get('d1')).to.deep.equal(['n1']);
    expect(activeResourceLocations(parseXml(xml), { nowS: 2000 }).get('d1')).to.equal(undefined);
  });
});

describe('status: history order and on-fail ranking', () => {
  const op = (attrs: Record<string, string>): XmlElement => ({ kind: 'element', name: 'lrm_rsc_op', attrs, children: [] });

  it('compareOps orders by call-id on the same node and by last-rc-change across nodes', () => {
    expect(compareOps(op({ id: 'a', 'call-id': '3' }), op({ id: 'b', 'call-id': '5' }), true)).to.be.below(0);
    expect(compareOps(op({ id: 'a', 'call-id': '7' }), op({ id: 'b', 'call-id': '5' }), true)).to.be.above(0);
    expect(compareOps(op({ id: 'a', 'call-id': '7', 'last-rc-change': '10' }), op({ id: 'b', 'call-id': '5', 'last-rc-change': '20' }), false)).to.be.below(0);
    expect(compareOps(op({ id: 'a', 'call-id': '-1' }), op({ id: 'b', 'call-id': '-1' }), true)).to.equal(0);
  });

  it('a pending entry is ordered against a completed one by the transition number in its magic', () => {
    const pending = op({ id: 'p', 'call-id': '-1', 'transition-magic': '-1:193;1:9:0:aaaa' });
    const older = op({ id: 'o', 'call-id': '4', 'transition-magic': '0:0;1:8:0:aaaa' });
    expect(compareOps(pending, older, true)).to.be.above(0);
    expect(compareOps(older, pending, true)).to.be.below(0);
  });

  it('glibSort is a stable merge sort (equal elements keep their order)', () => {
    const items = [{ k: 1, t: 'a' }, { k: 0, t: 'b' }, { k: 1, t: 'c' }, { k: 0, t: 'd' }, { k: 1, t: 'e' }];
    expect(glibSort(items, (x, y) => x.k - y.k).map((x) => x.t).join('')).to.equal('bdace');
  });

  it('sortedOps replays a history in call-id order, ties in reverse document order (g_list_prepend)', () => {
    const entry = parseXml(lrm('d1', [{ task: 'stop', callId: 5 }, { task: 'start', callId: 2 }, { task: 'monitor', callId: 5 }]));
    expect(sortedOps(entry).map((o) => o.attrs['operation'])).to.deep.equal(['start', 'monitor', 'stop']);
  });

  it('cmpOnFail ranks fence above recover, reset_remote and restart_container above recover, demote just above ignore', () => {
    expect(cmpOnFail(OnFail.Recover, OnFail.Fence)).to.be.below(0);
    expect(cmpOnFail(OnFail.Recover, OnFail.ResetRemote)).to.be.below(0);
    expect(cmpOnFail(OnFail.ResetRemote, OnFail.RestartContainer)).to.be.below(0);
    expect(cmpOnFail(OnFail.RestartContainer, OnFail.Block)).to.be.below(0);
    expect(cmpOnFail(OnFail.Demote, OnFail.Ignore)).to.be.above(0);
    expect(cmpOnFail(OnFail.Demote, OnFail.Recover)).to.be.below(0);
  });
});
