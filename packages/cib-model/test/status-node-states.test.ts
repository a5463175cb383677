/**
 * Unit tests of deriveNodeStates: one small CIB per rule of Pacemaker 2.1.5's unpack.c that decides a
 * node's online/unclean/standby/maintenance/pending (the real tools check the same on 108 real CIBs in
 * test/real/crm-simulate-oracle.test.ts).
 */
import { expect } from 'chai';
import { parseXml, type NodeState } from '../src/index.js';
import { deriveNodeStates } from '../src/derive/node-states.js';
import { cibXml, clusterNodes, clusterState, DUMMY, lrm, REMOTE_AGENT, remotePrimitive, remoteState } from './status-helpers.js';

function states(xml: string, nowS?: number): Map<string, NodeState> {
  const opts = nowS === undefined ? {} : { nowS };
  return new Map(deriveNodeStates(parseXml(xml), [], opts).map((n) => [n.name, n]));
}

function node(xml: string, name: string): NodeState {
  const n = states(xml).get(name);
  if (n === undefined) throw new Error(`no node ${name}`);
  return n;
}

const flags = (n: NodeState): string =>
  (['online', 'unclean', 'standby', 'maintenance', 'pending'] as const).filter((k) => n[k]).join(',') || 'offline';

describe('status: cluster node states (determine_online_status)', () => {
  it('a member with in_ccm/crmd online and join=member is online', () => {
    const xml = cibXml({ nodes: clusterNodes(1), status: clusterState('1', 'n1') });
    expect(node(xml, 'n1')).to.deep.equal({ name: 'n1', kind: 'cluster', online: true, unclean: false, standby: false, maintenance: false, pending: false });
  });

  it('in_ccm/crmd as the timestamps a 2.1.7+ DC writes (every 3.0 cluster): a member is online, one with both 0 and expected=down is offline', () => {
    const up = 'in_ccm="1733548800" crmd="1733548805" join="member" expected="member"';
    for (const props of [{}, { 'stonith-enabled': 'false' }] as Array<Record<string, string>>) {
      expect(flags(node(cibXml({ nodes: clusterNodes(1), props, status: clusterState('1', 'n1', up) }), 'n1')), JSON.stringify(props)).to.equal('online');
    }
    const down = clusterState('1', 'n1', 'in_ccm="0" crmd="0" join="down" expected="down"');
    expect(flags(node(cibXml({ nodes: clusterNodes(1), status: down }), 'n1'))).to.equal('offline');
  });

  it('a node without node_state is unclean with fencing (startup-fencing), clean without it', () => {
    expect(flags(node(cibXml({ nodes: clusterNodes(1) }), 'n1'))).to.equal('unclean');
    expect(flags(node(cibXml({ nodes: clusterNodes(1), props: { 'startup-fencing': 'false' } }), 'n1'))).to.equal('offline');
    expect(flags(node(cibXml({ nodes: clusterNodes(1), props: { 'stonith-enabled': 'false' } }), 'n1'))).to.equal('offline');
  });

  it('a node expected up but out of the membership is unclean; one expected down is cleanly offline', () => {
    const lost = clusterState('1', 'n1', 'in_ccm="false" crmd="offline" join="down" expected="member"');
    expect(flags(node(cibXml({ nodes: clusterNodes(1), status: lost }), 'n1'))).to.equal('unclean');
    const down = clusterState('1', 'n1', 'in_ccm="false" crmd="offline" join="down" expected="down"');
    expect(flags(node(cibXml({ nodes: clusterNodes(1), status: down }), 'n1'))).to.equal('offline');
  });

  it('in the membership but not yet joined (join=pending) is online, pending and standby', () => {
    const s = clusterState('1', 'n1', 'in_ccm="true" crmd="online" join="pending" expected="member"');
    expect(flags(node(cibXml({ nodes: clusterNodes(1), status: s }), 'n1'))).to.equal('online,standby,pending');
  });

  it('in the membership with expected=down (or missing) is pending', () => {
    const s = clusterState('1', 'n1', 'in_ccm="true" crmd="online" join="member"');
    expect(flags(node(cibXml({ nodes: clusterNodes(1), status: s }), 'n1'))).to.equal('online,standby,pending');
  });

  it('the controller gone while in the membership (crmd=offline) is unclean', () => {
    const s = clusterState('1', 'n1', 'in_ccm="true" crmd="offline" join="member" expected="member"');
    expect(flags(node(cibXml({ nodes: clusterNodes(1), status: s }), 'n1'))).to.equal('online,unclean');
  });

  it('join=banned is unclean; an unknown join state too', () => {
    const banned = clusterState('1', 'n1', 'in_ccm="true" crmd="online" join="banned" expected="member"');
    expect(node(cibXml({ nodes: clusterNodes(1), status: banned }), 'n1').unclean).to.equal(true);
    const odd = clusterState('1', 'n1', 'in_ccm="true" crmd="online" join="weird" expected="member"');
    expect(node(cibXml({ nodes: clusterNodes(1), status: odd }), 'n1').unclean).to.equal(true);
  });

  it('without fencing: online needs in_ccm, crmd online and join=member; an unexpectedly lost peer is unclean', () => {
    const props = { 'stonith-enabled': 'false' };
    const ok = clusterState('1', 'n1');
    expect(flags(node(cibXml({ props, nodes: clusterNodes(1), status: ok }), 'n1'))).to.equal('online');
    const notJoined = clusterState('1', 'n1', 'in_ccm="true" crmd="online" join="pending" expected="member"');
    expect(flags(node(cibXml({ props, nodes: clusterNodes(1), status: notJoined }), 'n1'))).to.equal('offline');
    const lostPeer = clusterState('1', 'n1', 'in_ccm="true" crmd="offline" join="member" expected="member"');
    expect(flags(node(cibXml({ props, nodes: clusterNodes(1), status: lostPeer }), 'n1'))).to.equal('unclean');
  });

  it('a shutdown request makes online follow crmd only', () => {
    const s = clusterState('1', 'n1', 'in_ccm="false" crmd="online" join="member" expected="member"', '', { shutdown: '1234' });
    expect(flags(node(cibXml({ nodes: clusterNodes(1), status: s }), 'n1'))).to.equal('online');
  });

  it('a terminate request fences an active node; a node just shot is cleanly offline', () => {
    const active = clusterState('1', 'n1', undefined, '', { terminate: 'true' });
    expect(flags(node(cibXml({ nodes: clusterNodes(1), status: active }), 'n1'))).to.equal('online,unclean');
    const shot = clusterState('1', 'n1', 'in_ccm="false" crmd="offline" join="down" expected="member"', '', { terminate: '1' });
    expect(flags(node(cibXml({ nodes: clusterNodes(1), status: shot }), 'n1'))).to.equal('offline');
  });

  it('standby/maintenance from <nodes> attributes apply only with a node_state; transient ones too', () => {
    const attrs = '<instance_attributes id="n1-a"><nvpair id="n1-s" name="standby" value="on"/></instance_attributes>';
    expect(node(cibXml({ nodes: clusterNodes(1, { 1: attrs }), status: clusterState('1', 'n1') }), 'n1').standby).to.equal(true);
    expect(node(cibXml({ nodes: clusterNodes(1, { 1: attrs }) }), 'n1').standby).to.equal(false);
    const t = clusterState('1', 'n1', undefined, '', { maintenance: 'true' });
    expect(flags(node(cibXml({ nodes: clusterNodes(1), status: t }), 'n1'))).to.equal('online,maintenance');
  });

  it('no-quorum-policy=suicide without quorum fences online nodes (once quorum was ever seen)', () => {
    const base = { props: { 'no-quorum-policy': 'suicide' }, nodes: clusterNodes(1), status: clusterState('1', 'n1') };
    expect(flags(node(cibXml({ ...base, cibAttrs: 'no-quorum-panic="1"' }).replace('have-quorum="1"', 'have-quorum="0"'), 'n1')))
      .to.equal('online,unclean');
    expect(flags(node(cibXml(base).replace('have-quorum="1"', 'have-quorum="0"'), 'n1'))).to.equal('online');
  });

  it('a failed stop fences the node (default on-fail with fencing); without fencing it only blocks', () => {
    const failedStop = lrm('d1', [{ task: 'start', callId: 1 }, { task: 'stop', callId: 2, rc: 1, status: 4 }]);
    const xml = cibXml({ nodes: clusterNodes(1), resources: DUMMY, status: clusterState('1', 'n1', undefined, failedStop) });
    expect(flags(node(xml, 'n1'))).to.equal('online,unclean');
    const noFence = cibXml({ props: { 'stonith-enabled': 'false' }, nodes: clusterNodes(1), resources: DUMMY, status: clusterState('1', 'n1', undefined, failedStop) });
    expect(flags(node(noFence, 'n1'))).to.equal('online');
  });

  it('on-fail=standby puts the node in standby', () => {
    const rsc = '<primitive id="d1" class="ocf" provider="heartbeat" type="Dummy"><operations>'
      + '<op id="d1-mon" name="monitor" interval="10s" on-fail="standby"/></operations></primitive>';
    const hist = lrm('d1', [{ task: 'start', callId: 1 }, { task: 'monitor', callId: 2, interval: 10000, rc: 1, status: 4 }]);
    const xml = cibXml({ nodes: clusterNodes(1), resources: rsc, status: clusterState('1', 'n1', undefined, hist) });
    expect(flags(node(xml, 'n1'))).to.equal('online,standby');
  });

  it('a resource active on an offline node fences that node', () => {
    const hist = lrm('d1', [{ task: 'start', callId: 1 }]);
    const down = clusterState('2', 'n2', 'in_ccm="false" crmd="offline" join="down" expected="down"', hist);
    const xml = cibXml({ nodes: clusterNodes(2), resources: DUMMY, status: clusterState('1', 'n1') + down });
    expect(flags(node(xml, 'n2'))).to.equal('unclean');
  });

  it('nodes of type ping are not reported', () => {
    const xml = cibXml({ nodes: '<node id="9" uname="p1" type="ping"/>' + clusterNodes(1), status: clusterState('1', 'n1') });
    expect([...states(xml).keys()]).to.deep.equal(['n1']);
  });
});

describe('status: remote node states (determine_remote_online_status, unpack_handle_remote_attrs)', () => {
  const startedOn = (id: string): string => lrm(id, [{ task: 'start', callId: 1 }, { task: 'monitor', callId: 2, interval: 60000 }], REMOTE_AGENT);

  it('a connection started on an online cluster node makes the remote node online', () => {
    const xml = cibXml({ nodes: clusterNodes(1), resources: remotePrimitive('r1'), status: clusterState('1', 'n1', undefined, startedOn('r1')) + remoteState('r1') });
    expect(node(xml, 'r1')).to.deep.equal({ name: 'r1', kind: 'remote', online: true, unclean: false, standby: false, maintenance: false, pending: false });
  });

  it('a connection without history leaves the node unclean (startup fencing) until seen; clean without fencing', () => {
    const xml = cibXml({ nodes: clusterNodes(1), resources: remotePrimitive('r1'), status: clusterState('1', 'n1') });
    expect(flags(node(xml, 'r1'))).to.equal('unclean');
    const noFence = cibXml({ props: { 'stonith-enabled': 'false' }, nodes: clusterNodes(1), resources: remotePrimitive('r1'), status: clusterState('1', 'n1') });
    expect(flags(node(noFence, 'r1'))).to.equal('offline');
  });

  it('a cleanly stopped connection with a node_state is offline and clean', () => {
    const hist = lrm('r1', [{ task: 'start', callId: 1 }, { task: 'stop', callId: 2 }], REMOTE_AGENT);
    const xml = cibXml({ nodes: clusterNodes(1), resources: remotePrimitive('r1'), status: clusterState('1', 'n1', undefined, hist) + remoteState('r1') });
    expect(flags(node(xml, 'r1'))).to.equal('offline');
  });

  it('a failed connection monitor (on-fail reset_remote) makes the node unclean and offline', () => {
    const hist = lrm('r1', [{ task: 'start', callId: 1 }, { task: 'monitor', callId: 2, interval: 60000, rc: 1, status: 4 }], REMOTE_AGENT);
    const xml = cibXml({ nodes: clusterNodes(1), resources: remotePrimitive('r1'), status: clusterState('1', 'n1', undefined, hist) + remoteState('r1') });
    expect(flags(node(xml, 'r1'))).to.equal('unclean');
  });

  it('an unmanaged connection puts the remote node in maintenance', () => {
    const rsc = remotePrimitive('r1', '<meta_attributes id="r1-m"><nvpair id="r1-m-im" name="is-managed" value="false"/></meta_attributes>');
    const xml = cibXml({ nodes: clusterNodes(1), resources: rsc, status: clusterState('1', 'n1', undefined, startedOn('r1')) + remoteState('r1') });
    expect(flags(node(xml, 'r1'))).to.equal('online,maintenance');
  });

  it('maintenance-mode makes every connection unmanaged, so remote nodes show maintenance', () => {
    const xml = cibXml({ props: { 'maintenance-mode': 'true' }, nodes: clusterNodes(1), resources: remotePrimitive('r1'), status: clusterState('1', 'n1', undefined, startedOn('r1')) + remoteState('r1') });
    expect(flags(node(xml, 'r1'))).to.equal('online,maintenance');
    expect(flags(node(xml, 'n1'))).to.equal('online');
  });

  it('standby and maintenance transient attributes of a remote node apply once its connection is up', () => {
    const xml = cibXml({ nodes: clusterNodes(1), resources: remotePrimitive('r1'), status: clusterState('1', 'n1', undefined, startedOn('r1')) + remoteState('r1', '', { standby: 'true', maintenance: 'on' }) });
    expect(flags(node(xml, 'r1'))).to.equal('online,standby,maintenance');
  });

  it('a resource active behind a stopped connection fences the remote node', () => {
    const conn = lrm('r1', [{ task: 'start', callId: 1 }, { task: 'stop', callId: 2 }], REMOTE_AGENT);
    const behind = lrm('d1', [{ task: 'start', callId: 3 }]);
    const xml = cibXml({ nodes: clusterNodes(1), resources: remotePrimitive('r1') + DUMMY, status: clusterState('1', 'n1', undefined, conn) + remoteState('r1', behind) });
    expect(flags(node(xml, 'r1'))).to.equal('unclean');
  });

  it('a stale <node type="remote"> without connection resource is listed offline and clean', () => {
    const xml = cibXml({ nodes: clusterNodes(1) + '<node id="old" uname="old" type="remote"/>', status: clusterState('1', 'n1') });
    expect(node(xml, 'old')).to.deep.equal({ name: 'old', kind: 'remote', online: false, unclean: false, standby: false, maintenance: false, pending: false });
  });

  it('an orphaned connection found only in the status section creates its node', () => {
    const xml = cibXml({ nodes: clusterNodes(1), status: clusterState('1', 'n1', undefined, startedOn('gone')) + remoteState('gone') });
    expect(flags(node(xml, 'gone'))).to.equal('online');
    expect(node(xml, 'gone').kind).to.equal('remote');
  });

  it('a remoteNodes entry without a connection resource is reported offline', () => {
    const xml = cibXml({ nodes: clusterNodes(1), status: clusterState('1', 'n1') });
    const out = deriveNodeStates(parseXml(xml), [{ name: 'x', kind: 'remote', host: 'x', port: 3121, reconnectIntervalMs: 0, connectTimeoutMs: 60000, connectionResource: 'x' }]);
    expect(out.map((n) => `${n.name}:${n.kind}:${flags(n)}`)).to.deep.equal(['n1:cluster:online', 'x:remote:offline']);
  });
});

describe('status: guest node states', () => {
  const vm = (meta = ''): string => '<primitive id="vm1" class="ocf" provider="heartbeat" type="VirtualDomain">'
    + `<meta_attributes id="vm1-m"><nvpair id="vm1-rn" name="remote-node" value="g1"/>${meta}</meta_attributes></primitive>`;
  const started = (id: string, agent?: string): string => lrm(id, [{ task: 'start', callId: 1 }], agent);

  it('container and connection started: the guest is online', () => {
    const xml = cibXml({ nodes: clusterNodes(1), resources: vm(), status: clusterState('1', 'n1', undefined, started('vm1') + started('g1', REMOTE_AGENT)) + remoteState('g1') });
    expect(node(xml, 'g1')).to.deep.equal({ name: 'g1', kind: 'guest', online: true, unclean: false, standby: false, maintenance: false, pending: false });
  });

  it('a stopped container: the guest is offline and never unclean', () => {
    const stopped = lrm('vm1', [{ task: 'start', callId: 1 }, { task: 'stop', callId: 2 }]);
    const xml = cibXml({ nodes: clusterNodes(1), resources: vm(), status: clusterState('1', 'n1', undefined, stopped) + remoteState('g1') });
    expect(flags(node(xml, 'g1'))).to.equal('offline');
  });

  it('a failed container takes the guest offline (fenced by recovery, not unclean)', () => {
    const failed = lrm('vm1', [{ task: 'start', callId: 1 }, { task: 'monitor', callId: 2, interval: 10000, rc: 1, status: 4 }]);
    const xml = cibXml({ nodes: clusterNodes(1), resources: vm(), status: clusterState('1', 'n1', undefined, failed + started('g1', REMOTE_AGENT)) + remoteState('g1') });
    expect(flags(node(xml, 'g1'))).to.equal('offline');
  });

  it('the guest connection inherits is-managed=false from the container: maintenance', () => {
    const meta = '<nvpair id="vm1-im" name="is-managed" value="false"/>';
    const xml = cibXml({ nodes: clusterNodes(1), resources: vm(meta), status: clusterState('1', 'n1', undefined, started('vm1') + started('g1', REMOTE_AGENT)) + remoteState('g1') });
    expect(flags(node(xml, 'g1'))).to.equal('online,maintenance');
  });

  it('bundle replicas with a control port are guest nodes named <bundle>-<i>', () => {
    const bundle = '<bundle id="b"><docker image="x" replicas="2"/><network control-port="3121"/>'
      + '<primitive id="app" class="ocf" provider="heartbeat" type="Dummy"/></bundle>';
    const hist = started('b-docker-0') + started('b-0', REMOTE_AGENT);
    const xml = cibXml({ nodes: clusterNodes(1), resources: bundle, status: clusterState('1', 'n1', undefined, hist) + remoteState('b-0') });
    const s = states(xml);
    expect(`${s.get('b-0')?.kind}:${flags(s.get('b-0') as NodeState)}`).to.equal('guest:online');
    expect(`${s.get('b-1')?.kind}:${flags(s.get('b-1') as NodeState)}`).to.equal('guest:offline');
  });
});
