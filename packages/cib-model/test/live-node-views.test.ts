/**
 * `@pcmk-remote/cib-model/live`'s pure parts: node views, their diff and a node's shard (the live source
 * itself is tested against a real cluster in test/real/live-cluster.test.ts). Also LiveCib's option
 * validation and the error a missing tool gives.
 */
import { expect } from 'chai';
import { parseCib } from '@pcmk-remote/cib-model';
import { diffNodeViews, LiveCib, nodeViews, readLiveCib, shardOf, stateWord } from '@pcmk-remote/cib-model/live';
import { cibXml, clusterNodes, clusterState, lrm, remoteState } from './status-helpers.js';

const REMOTE = (id: string) =>
  `<primitive id="${id}" class="ocf" provider="pacemaker" type="remote"><instance_attributes id="${id}-ia"><nvpair id="${id}-s" name="server" value="10.0.0.9"/></instance_attributes></primitive>`;
const started = (id: string) => lrm(id, [{ task: 'start', callId: 2 }], 'class="ocf" provider="pacemaker" type="remote"');

/** n1, n2 online; r1's connection on `r1On` (or stopped), r2's on n2; `r1Transient` node attributes of r1. */
function cib(r1On: 'n1' | 'n2' | undefined, r1Transient: Record<string, string> = {}) {
  return parseCib(
    cibXml({
      nodes: clusterNodes(2),
      resources: REMOTE('r1') + REMOTE('r2'),
      status:
        clusterState('1', 'n1', undefined, r1On === 'n1' ? started('r1') : '') +
        clusterState('2', 'n2', undefined, (r1On === 'n2' ? started('r1') : '') + started('r2')) +
        (r1On ? remoteState('r1', '', r1Transient) : '') +
        remoteState('r2'),
    }),
  );
}

describe('cib-model/live: node views', () => {
  it('nodeViews gives each node its crm_mon state word and each remote node its placement', () => {
    const v = nodeViews(cib('n1'));
    expect([...v.values()]).to.deep.equal([
      { name: 'n1', kind: 'cluster', state: 'online' },
      { name: 'n2', kind: 'cluster', state: 'online' },
      { name: 'r1', kind: 'remote', state: 'online', runningOn: 'n1' },
      { name: 'r2', kind: 'remote', state: 'online', runningOn: 'n2' },
    ]);
  });

  it('diffNodeViews reports a moved connection as placement, a lost one as placement + state', () => {
    expect(diffNodeViews(nodeViews(cib('n1')), nodeViews(cib('n2'))).map((c) => [c.node, c.change, c.before?.runningOn, c.after?.runningOn])).to.deep.equal([
      ['r1', 'placement', 'n1', 'n2'],
    ]);
    // Connection stopped and r1's node_state gone: `CIB_file=... crm_mon -1` shows "RemoteNode r1: UNCLEAN (offline)".
    expect(diffNodeViews(nodeViews(cib('n1')), nodeViews(cib(undefined))).map((c) => [c.node, c.change, c.after?.state])).to.deep.equal([
      ['r1', 'placement', 'UNCLEAN (offline)'],
      ['r1', 'state', 'UNCLEAN (offline)'],
    ]);
    expect(diffNodeViews(nodeViews(cib('n1')), nodeViews(cib('n1')))).to.deep.equal([]);
  });

  it('diffNodeViews reports standby as a state change and added/removed nodes', () => {
    const standby = diffNodeViews(nodeViews(cib('n1')), nodeViews(cib('n1', { standby: 'on' })));
    expect(standby.map((c) => [c.node, c.change, c.before?.state, c.after?.state])).to.deep.equal([['r1', 'state', 'online', 'online (standby)']]);
    const before = nodeViews(cib('n1'));
    const after = new Map(before);
    after.delete('r2');
    after.set('r3', { name: 'r3', kind: 'remote', state: 'offline' });
    expect(diffNodeViews(before, after).map((c) => [c.node, c.change])).to.deep.equal([
      ['r2', 'removed'],
      ['r3', 'added'],
    ]);
  });

  it('shardOf keeps the node itself and the remote nodes placed on it; the shards cover every remote node once', () => {
    const v = nodeViews(cib('n1'));
    expect([...shardOf(v, 'n1').keys()]).to.deep.equal(['n1', 'r1']);
    expect([...shardOf(v, 'n2').keys()]).to.deep.equal(['n2', 'r2']);
  });

  it('stateWord follows crm_mon: unclean first, then pending, then online/offline with flags', () => {
    const base = { online: true, unclean: false, standby: false, maintenance: false, pending: false };
    expect(stateWord(base)).to.equal('online');
    expect(stateWord({ ...base, unclean: true, online: false })).to.equal('UNCLEAN (offline)');
    expect(stateWord({ ...base, pending: true })).to.equal('pending');
    expect(stateWord({ ...base, standby: true, maintenance: true })).to.equal('online (standby, maintenance)');
  });

  it('LiveCib validates its options and reports a missing tool as PCMK_CIB_LIVE_SOURCE', async () => {
    for (const bad of [{ notifyIntervalMs: 10 }, { debounceMs: -1 }, { followUpMs: [1.5] }, { queryTimeoutMs: 0 }]) {
      const err = await LiveCib.open(bad).catch((e: unknown) => e);
      expect(err, JSON.stringify(bad)).to.have.property('code', 'PCMK_CIB_INVALID_ARGUMENT');
    }
    const err = await readLiveCib({ commandPrefix: ['/nonexistent/pcmk-tool-prefix'] }).catch((e: unknown) => e);
    expect(err).to.have.property('code', 'PCMK_CIB_LIVE_SOURCE');
    expect((err as Error).message).to.include('is not installed');
  });
});
