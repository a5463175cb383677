/**
 * `manager.sync(parseCib(xml).remoteNodes())`: a CIB built with cib-model's pcs-style builders, whose
 * remote and guest nodes point at simulated daemons, drives the manager.
 */
import { expect } from 'chai';
import { addGuestNode, addRemoteNode, parseCib, type Cib, type RemoteNodeSpec } from '@pcmk-remote/cib-model';
import { ConnectionManager } from '../../src/index.js';
import type { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';
import { KEY, allUp, recordManager, sleep, startSims } from './support.js';

const BASE = `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes>
      <node id="1" uname="node1"/>
      <node id="2" uname="node2"/>
    </nodes>
    <resources>
      <primitive id="vm1" class="ocf" type="Dummy" provider="pacemaker"/>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>`;

/**
 * What a controller does after a CIB change: serialize, parse again, read the nodes. The CIB holds
 * documentation addresses (192.0.2.x, port 3121); tests bind only 127.0.0.1, so each address is rewritten
 * to the simulator standing in for it.
 */
function reread(cib: Cib, at: Record<string, SimulatedRemoteDaemon>): RemoteNodeSpec[] {
  return parseCib(cib.toXml())
    .remoteNodes()
    .map((n) => {
      const sim = at[n.host];
      if (!sim || n.port !== 3121) throw new Error(`no simulator for ${n.host}:${n.port}`);
      return { ...n, host: sim.host, port: sim.port };
    });
}

describe('ConnectionManager.sync(parseCib(xml).remoteNodes())', function () {
  this.timeout(30_000);
  let sims: SimulatedRemoteDaemon[] = [];
  let m: ConnectionManager | undefined;
  afterEach(async () => {
    await m?.close();
    await Promise.all(sims.splice(0).map((s) => s.stop()));
  });

  it('connects the remote and guest nodes of a CIB, and re-syncing after each change only applies the change', async () => {
    sims = await startSims(3);
    const [s0, s1, s2] = sims as [SimulatedRemoteDaemon, SimulatedRemoteDaemon, SimulatedRemoteDaemon];
    const at = { '192.0.2.10': s0, '192.0.2.11': s1, '192.0.2.12': s2 };
    let cib = parseCib(BASE);
    cib = addRemoteNode(cib, { name: 'rnode1', server: '192.0.2.10', reconnectInterval: '2s' });
    cib = addGuestNode(cib, { name: 'guest1', resource: 'vm1', remoteAddr: '192.0.2.11' });
    const specs = reread(cib, at);
    expect(specs.map((s) => s.name).sort()).to.deep.equal(['guest1', 'rnode1']);

    m = new ConnectionManager({ defaults: { key: KEY, monitorIntervalMs: 100 } });
    const first = await m.sync(specs);
    expect(first.added.sort()).to.deep.equal(['guest1', 'rnode1']);
    await allUp(m, ['rnode1', 'guest1']);
    const snaps = Object.fromEntries(m.nodes().map((s) => [s.name, s]));
    expect(snaps.rnode1).to.include({ kind: 'remote', host: s0.host, port: s0.port, connectionResource: 'rnode1', state: 'up' });
    expect(snaps.guest1).to.include({ kind: 'guest', host: s1.host, port: s1.port, containerResource: 'vm1', state: 'up' });
    expect(m.node('rnode1')?.options.reconnectIntervalMs).to.equal(2000);
    expect([s0.clientCount, s1.clientCount]).to.deep.equal([1, 1]);

    // the same CIB read again: nothing to do
    const recs = recordManager(m);
    const again = await m.sync(reread(cib, at));
    expect(again).to.deep.equal({ added: [], removed: [], updated: [], unchanged: again.unchanged });
    expect(again.unchanged.sort()).to.deep.equal(['guest1', 'rnode1']);
    await sleep(200);
    expect(recs.filter((r) => r.event !== 'monitor')).to.deep.equal([]);

    // a CIB change: rnode1 moves to another address, a second remote node appears (on rnode1's old daemon)
    let changed = parseCib(BASE);
    changed = addRemoteNode(changed, { name: 'rnode1', server: '192.0.2.12', reconnectInterval: '2s' });
    changed = addGuestNode(changed, { name: 'guest1', resource: 'vm1', remoteAddr: '192.0.2.11' });
    changed = addRemoteNode(changed, { name: 'rnode2', server: '192.0.2.10' });
    const r = await m.sync(reread(changed, at));
    expect(r).to.deep.equal({ added: ['rnode2'], removed: [], updated: ['rnode1'], unchanged: ['guest1'] });
    await allUp(m, ['rnode1', 'guest1', 'rnode2']);
    expect(m.node('rnode1')?.options.port).to.equal(s2.port);
    expect(recs.some((x) => x.node === 'guest1' && x.event === 'state')).to.equal(false);

    // the guest's container resource is gone from the CIB: the guest node goes away
    const removed = await m.sync(reread(changed, at).filter((s) => s.name !== 'guest1'));
    expect(removed.removed).to.deep.equal(['guest1']);
    expect(m.nodes().map((s) => s.name).sort()).to.deep.equal(['rnode1', 'rnode2']);
  });
});
