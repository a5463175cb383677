/**
 * The IPC relay against a LIVE Pacemaker 2.1.5 cluster (test/support/cluster: node1 + a real
 * pacemaker-remoted as remote1):
 *
 * - the same tools on remote1 (served by Pacemaker's own relay, the controller) and on a real daemon we
 *   own (served by our relays, with the live CIB) print the same lines and exit the same way;
 * - a promotable ocf:pacemaker:Stateful clone on two SIMULATED remote nodes is promoted by the real
 *   controller: the simulated agents publish their promotion scores with the simulator's tools, through
 *   the simulator's IPC proxy, to the real controller's relay and the real attrd.
 *
 * Fails (never skips) without root or the cluster stack.
 */
import { expect } from 'chai';
import { RemoteSession } from '@pcmk-remote/remote-conn';
import { ControllerInfoRelay, FencingHistoryRelay, NodeAttributeStore, ReadOnlyCibRelay, composeRelays } from '@pcmk-remote/remote-conn/relay';
import { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';
import { CRM_NODE, runProgram } from '../../packages/remote-conn/test/conformance/relay-suite.js';
import { startRealDaemon, type RealDaemon } from '../../packages/remote-conn/test/support/real-daemon.js';
import { locationXml, remotePrimitiveXml, startCluster, type ClusterHandle } from '../support/cluster/index.js';

describe('IPC relay with a live cluster (Pacemaker 2.1.5)', function () {
  this.timeout(120_000);
  let cluster: ClusterHandle;
  const sims: SimulatedRemoteDaemon[] = [];
  let own: RealDaemon | undefined;
  let session: RemoteSession | undefined;

  before(async function () {
    this.timeout(150_000);
    cluster = await startCluster({ nodes: 1, remotes: 1 });
  });
  after(async function () {
    this.timeout(60_000);
    await session?.close();
    await own?.dispose();
    await cluster?.stop();
    await Promise.all(sims.map((s) => s.stop()));
  });

  it("tools print the same through Pacemaker's relay (remote1) and through ours", async () => {
    // Our node: a real daemon we own, named remote1 to its tools, served with the live CIB.
    own = await startRealDaemon();
    const store = new NodeAttributeStore();
    const cib = new ReadOnlyCibRelay({ cib: await cluster.cib.query(), attributes: store });
    const relay = composeRelays({ attrd: store, crmd: new ControllerInfoRelay({ members: () => [{ id: 1, name: 'node1' }] }), cib_ro: cib, cib_rw: cib, 'stonith-ng': new FencingHistoryRelay() });
    session = await RemoteSession.connect({ host: own.host, port: own.port, key: own.key, ipcRelay: relay, nodeName: 'remote1' });
    const steps = [
      ['attrd_updater', '-n', 'cmp', '-U', 'one'],
      ['attrd_updater', '-n', 'cmp', '-Q'],
      ['attrd_updater', '-n', 'never-set', '-Q'],
      [CRM_NODE, '-n'],
      [CRM_NODE, '-q'],
      [CRM_NODE, '-l'],
      ['crm_attribute', '-N', 'remote1', '-l', 'reboot', '-n', 'color', '-v', 'blue'],
      ['crm_attribute', '-N', 'remote1', '-l', 'reboot', '-n', 'color', '-G'],
      ['cibadmin', '-Q', '-o', 'nodes'],
      ['attrd_updater', '-n', 'cmp', '-D'],
    ];
    for (const argv of steps) {
      // crm_attribute -G reads the CIB, where attrd writes a moment later on the cluster.
      if (argv.includes('-G')) await new Promise((r) => setTimeout(r, 1500));
      const theirs = await cluster.exec('remote1', argv, { timeoutMs: 20_000 });
      const ours = await runProgram(argv[0] as string, argv.slice(1));
      const what = argv.join(' ');
      expect(ours.code, `${what}: ${ours.stderr}`).to.equal(theirs.code);
      expect(ours.stdout, what).to.equal(theirs.stdout);
    }
    expect(store.get('remote1', 'cmp')).to.equal(undefined);
    expect(store.get('remote1', 'color')).to.equal('blue');
  });

  it('a promotable Stateful clone on two simulated nodes is promoted by the real controller (scores through the simulated relay)', async () => {
    for (const name of ['sim1', 'sim2']) {
      const sim = await SimulatedRemoteDaemon.start({ key: cluster.key, host: cluster.switchAddress, nodeName: name, noDelay: true });
      sims.push(sim);
    }
    const clone =
      '<clone id="st-clone"><meta_attributes id="st-clone-meta"><nvpair id="st-clone-promotable" name="promotable" value="true"/>' +
      '<nvpair id="st-clone-pmax" name="promoted-max" value="1"/></meta_attributes>' +
      '<primitive id="st" class="ocf" provider="pacemaker" type="Stateful"><operations>' +
      '<op id="st-mon-p" name="monitor" interval="10s" role="Promoted" timeout="20s"/><op id="st-mon-u" name="monitor" interval="11s" role="Unpromoted" timeout="20s"/>' +
      '</operations></primitive></clone>';
    await cluster.cib.add({
      resources: [...sims.map((s) => remotePrimitiveXml(s.nodeName, { server: cluster.switchAddress, port: s.port })), clone],
      constraints: [...sims.map((s) => locationXml(s.nodeName, 'node1')), ...sims.map((s) => locationXml('st-clone', s.nodeName, '100', 'exclusive'))],
    });
    // The clone's instances all have the id `st` (an anonymous clone): read their roles from crm_mon's XML.
    const roles = (xml: string) =>
      [...xml.matchAll(/<resource id="st" [^>]*role="(\w+)"[^>]*>\s*<node name="([^"]+)"/g)].map((m) => ({ role: m[1], node: m[2] }));
    const view = await cluster.waitFor(
      (v) => {
        const r = roles(v.xml);
        return r.filter((x) => x.role === 'Promoted').length === 1 && r.filter((x) => x.role === 'Unpromoted').length === 1;
      },
      { timeoutMs: 60_000, what: 'one Promoted and one Unpromoted Stateful instance on sim1/sim2' },
    );
    const promoted = roles(view.xml).find((x) => x.role === 'Promoted')?.node as string;
    expect(promoted).to.be.oneOf(['sim1', 'sim2']);
    // The scores the simulated agents set on their nodes are in the real attrd, under the nodes' names.
    const q = await cluster.exec('node1', ['attrd_updater', '-n', 'master-st', '-Q', '-A']);
    const scores = Object.fromEntries([...q.stdout.matchAll(/host="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const other = promoted === 'sim1' ? 'sim2' : 'sim1';
    expect(scores).to.deep.include({ [promoted]: '10', [other]: '5' });
  });
});
