/**
 * A real Pacemaker 2.1.5 cluster (the real-cluster fixture: corosync + pacemakerd in namespaces) manages a
 * SimulatedRemoteFarm: 20 remote nodes with a Dummy each, faults on four of them, and 5 guest nodes. The
 * controller's own view (crm_mon) and log are the judges.
 *
 * Runs inside `unshare -n` (npm test): the farm listens on the fixture's bridge address, which exists only
 * in this test's namespaces. Fails (never skips) when the cluster stack is missing.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedRemoteFarm, type FarmRequestEvent } from '@pcmk-remote/simulator';
import { farmCibXml } from '../../packages/cli/src/farm-cib.js';
import { startCluster, type ClusterHandle, type CrmMonView } from '../support/cluster/index.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Log lines of the cluster node (warnings and errors) that name a node of `names`. */
function complaintsAbout(log: string, names: readonly string[]): string[] {
  const re = new RegExp(`\\b(${names.join('|')})\\b`);
  return log.split('\n').filter((l) => /\b(warning|error|crit):/.test(l) && re.test(l));
}

/** Applies a farm's CIB fragment the way the CLI tells users to: `cibadmin --modify --xml-file FILE`. */
async function applyFragment(cluster: ClusterHandle, xml: string): Promise<void> {
  const file = join(cluster.dir, `farm-${Date.now()}.xml`);
  writeFileSync(file, xml);
  const r = await cluster.exec('node1', ['cibadmin', '--modify', '--xml-file', file]);
  expect(r.code, `cibadmin: ${r.stderr}`).to.equal(0);
}

const allUp = (names: readonly string[], dummy: (n: string) => string) => (v: CrmMonView) =>
  names.every((n) => v.online(n) && v.runningOn(dummy(n)).includes(n));

describe('a real cluster manages a SimulatedRemoteFarm', function () {
  this.timeout(400_000);
  let cluster: ClusterHandle | undefined;
  let farm: SimulatedRemoteFarm | undefined;

  afterEach(async () => {
    await farm?.stop();
    farm = undefined;
    await cluster?.stop();
    cluster = undefined;
  });

  it('20 remote nodes with a Dummy each; kill 2 (fenced, back after reconnect), graceful stop 1 (not fenced), freeze 1 (monitor timeout); no warning about the others', async () => {
    cluster = await startCluster({ nodes: 1, fencing: 'fence_dummy', properties: { 'node-action-limit': '40' } });
    // sim3 behaves like 2.1.6, whose graceful stop waits for the cluster (2.1.5 exits at once after its
    // shutdown request, and the controller then fences it: the real 2.1.5 daemon and the simulator alike)
    farm = await SimulatedRemoteFarm.start({ nodes: 20, key: cluster.key, host: cluster.switchAddress, basePort: 4000, version: (i) => (i === 2 ? '2.1.6' : '2.1.5') });
    const asked: FarmRequestEvent[] = [];
    farm.on('request', (e) => asked.push(e));
    const names = farm.nodes.map((n) => n.name);
    const xml = farmCibXml(farm.nodes, { placeOn: 'node1', dummies: true, reconnectInterval: '8s', monitorInterval: '5s', monitorTimeout: '5s' });
    const t0 = Date.now();
    await applyFragment(cluster, xml);
    await cluster.waitFor(allUp(names, (n) => `${n}-dummy`), { timeoutMs: 120_000, what: '20 simulated nodes Online with their Dummy Started' });
    const upMs = Date.now() - t0;
    // what the controller asked: register, probes of the Dummy (only on its own node), start, monitor
    const sim5 = asked.filter((e) => e.node === 'sim5');
    expect(sim5.map((e) => e.op)).to.include.members(['register', 'lrmd_rsc_exec']);
    expect(sim5.filter((e) => e.op === 'lrmd_rsc_exec' && e.action === 'monitor' && e.intervalMs === 0).map((e) => e.resource)).to.deep.equal(['sim5-dummy']);
    expect(farm.status()).to.include({ nodes: 20, up: 20, connected: 20, running: 20 });

    // the cluster settles first: a kill during the start-up transition can leave it idle ~20 s without fencing
    // (the same wait as the cluster-fixture suite's fencing test)
    await cluster.exec('node1', ['crm_resource', '--wait', '--timeout', '30s'], { timeoutMs: 40_000 });
    // kill 2: unclean, fenced by fence_dummy; relaunched, they come back after reconnect_interval
    await farm.kill('sim1');
    await farm.kill('sim2');
    await cluster.waitFor(() => /Operation 'reboot' targeting sim1 .*OK/.test(cluster!.log('node1')) && /Operation 'reboot' targeting sim2 .*OK/.test(cluster!.log('node1')), {
      timeoutMs: 90_000,
      what: 'sim1 and sim2 fenced',
    });
    await farm.relaunch('sim1');
    await farm.relaunch('sim2');
    await cluster.waitFor(allUp(['sim1', 'sim2'], (n) => `${n}-dummy`), { timeoutMs: 90_000, what: 'sim1 and sim2 back with their Dummy' });

    // graceful stop: the controller hears the shutdown request, stops the Dummy and the connection; never fenced
    await farm.gracefulStop('sim3');
    await cluster.waitFor((v) => !v.online('sim3') && v.runningOn('sim3-dummy').length === 0, { timeoutMs: 30_000, what: 'sim3 offline after its shutdown' });
    await farm.node('sim3').daemon.waitExit(10_000);
    expect(cluster.log('node1')).to.match(/sim3 requested shutdown of its remote connection/);
    expect(cluster.log('node1')).to.match(/Result of stop operation for sim3-dummy on sim3: ok/);

    // freeze: the connection's monitor times out
    farm.freeze('sim4');
    await cluster.waitFor(() => /Result of monitor operation for sim4 on node1: Timed Out/.test(cluster!.log('node1')), {
      timeoutMs: 60_000,
      what: 'the monitor of sim4 to time out',
    });
    farm.thaw('sim4');

    const log = cluster.log('node1');
    expect(log).to.not.match(/Operation 'reboot' targeting sim3\b/);
    const healthy = names.filter((n) => !['sim1', 'sim2', 'sim3', 'sim4'].includes(n));
    expect(complaintsAbout(log, healthy)).to.deep.equal([]);
    const v = await cluster.crmMon();
    expect(healthy.filter((n) => !(v.online(n) && v.runningOn(`${n}-dummy`).includes(n)))).to.deep.equal([]);
    // eslint-disable-next-line no-console -- figures for BENCHMARKS.md
    console.log(`      20 simulated nodes Online with a Dummy each ${(upMs / 1000).toFixed(1)} s after one cibadmin --modify`);
  });

  it('5 guest nodes: each comes up after its container starts, runs a Dummy, and goes down with its container', async () => {
    cluster = await startCluster({ nodes: 1, properties: { 'node-action-limit': '40' } });
    farm = await SimulatedRemoteFarm.start({ nodes: 5, key: cluster.key, host: cluster.switchAddress, basePort: 4100, prefix: 'guest' });
    const names = farm.nodes.map((n) => n.name);
    await applyFragment(cluster, farmCibXml(farm.nodes, { guests: true, placeOn: 'node1', dummies: true }));
    const v = await cluster.waitFor(allUp(names, (n) => `${n}-dummy`), { timeoutMs: 90_000, what: '5 guest nodes up with their Dummy' });
    for (const n of names) {
      expect(v.runningOn(`${n}-container`)).to.deep.equal(['node1']);
      expect(v.nodes.get(n)?.type).to.equal('remote');
    }
    await cluster.cib.setMeta('guest1-container', 'target-role', 'Stopped');
    await cluster.waitFor((x) => !x.online('guest1') && x.runningOn('guest1-dummy').length === 0 && x.runningOn('guest1-container').length === 0, {
      timeoutMs: 60_000,
      what: 'guest1 down with its container',
    });
    await sleep(500);
    const after = await cluster.crmMon();
    expect(names.slice(1).every((n) => after.online(n) && after.runningOn(`${n}-dummy`).includes(n))).to.equal(true);
    expect(complaintsAbout(cluster.log('node1'), names)).to.deep.equal([]);
  });
});
