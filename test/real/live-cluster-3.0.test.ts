/**
 * Against a LIVE Pacemaker 3.0.3 cluster (the fixture's `{ kind: 'chroot' }` stack on the `sid-cluster`
 * chroot of scripts/peers.sh) with a mixed-version set of remote nodes under it, as a rolling upgrade has:
 * remote1 is a REAL Pacemaker 2.1.5 pacemaker-remoted (the host's), sim1 our SimulatedRemoteDaemon on the
 * switch address. `pcmk-remote nodes --live` (run on node1, reading through 3.0.3's cibadmin) and
 * cib-model's nodeStates()/remoteNodes() on the live CIB equal 3.0.3's own `crm_mon --output-as=xml`,
 * with both remote nodes Online and after the real remote daemon is killed. One cluster for the file;
 * fails (never skips) without root or the chroot.
 */
import { expect } from 'chai';
import { realpathSync } from 'node:fs';
import { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';
import {
  CLI_MAIN,
  consistentRead,
  crmMonStatuses,
  locationXml,
  modelStatuses,
  plain,
  remotePrimitiveXml,
  runInNode,
  ensureChrootStack,
  startCluster,
  stopAndExpectNothingLeft,
  type ClusterHandle,
  type CrmMonView,
} from '../support/cluster/index.js';

describe('live cluster on Pacemaker 3.0.3 (chroot stack): node1 + real 2.1.5 remote1 + simulated sim1', function () {
  this.timeout(60_000);
  let cluster: ClusterHandle | undefined;
  let sim: SimulatedRemoteDaemon | undefined;
  let root: string;

  before(async function () {
    this.timeout(300_000);
    const t0 = Date.now();
    root = ensureChrootStack('sid-cluster');
    const readyMs = Date.now() - t0;
    cluster = await startCluster({ nodes: 1, remotes: 1, reconnectIntervalS: 3, stack: { kind: 'chroot', root } });
    sim = await SimulatedRemoteDaemon.start({ key: cluster.key, host: cluster.switchAddress, nodeName: 'sim1' });
    await cluster.cib.add({ resources: [remotePrimitiveXml('sim1', { server: cluster.switchAddress, port: sim.port })], constraints: [locationXml('sim1', 'node1')] });
    await cluster.waitFor((v) => v.online('remote1') && v.online('sim1'), { what: 'remote1 and sim1 Online' });
    process.stdout.write(`      (chroot ready in ${readyMs} ms; ${cluster.stack} up in ${cluster.upMs} ms)\n`);
  });

  after(async function () {
    this.timeout(60_000);
    await cluster?.stop();
    await sim?.stop();
  });

  /** cib-model on the live CIB (cibadmin --query) equals crm_mon (both 3.0.3's), node states and placement. */
  async function expectModelAgrees(what: string): Promise<CrmMonView> {
    const { cib, mon } = await consistentRead(cluster!);
    expect(plain(modelStatuses(cib)), `${what}: nodeStates() vs crm_mon 3.0.3`).to.deep.equal(plain(crmMonStatuses(mon)));
    const remotes = cib.remoteNodes();
    expect(remotes.map((r) => r.name).sort(), `${what}: remoteNodes()`).to.deep.equal(['remote1', 'sim1']);
    for (const r of remotes) {
      expect(r.runningOn, `${what}: remoteNodes() runningOn of ${r.name} vs crm_mon`).to.equal(mon.runningOn(r.connectionResource)[0]);
    }
    return mon;
  }

  /**
   * `pcmk-remote nodes --live --json` run on node1 (its PATH finds the chroot's cibadmin) vs crm_mon read
   * just before and after it; re-run while the two crm_mon reads differ (after a kill the controller keeps
   * retrying the connection, so placement changes under the reads).
   */
  async function expectCliAgrees(): Promise<void> {
    const expected = (mon: CrmMonView) => [
      { name: 'remote1', host: cluster!.address('remote1'), port: 3121, runningOn: mon.runningOn('remote1')[0] },
      { name: 'sim1', host: cluster!.switchAddress, port: sim!.port, runningOn: mon.runningOn('sim1')[0] },
    ];
    for (let attempt = 1; ; attempt++) {
      const before = expected(await cluster!.crmMon());
      const p = runInNode(cluster!, 'node1', CLI_MAIN, ['nodes', '--live', '--json']);
      const out = await p.waitLine((l) => l.startsWith('{'), { timeoutMs: 20_000 });
      await p.stop();
      const after = expected(await cluster!.crmMon());
      if (JSON.stringify(before) !== JSON.stringify(after) && attempt < 5) continue;
      const rows = (JSON.parse(out.line) as { nodes: Array<Record<string, unknown>> }).nodes;
      const got = rows.map((r) => ({ name: r.name, host: r.host, port: r.port, runningOn: r.runningOn })).sort((a, b) => String(a.name).localeCompare(String(b.name)));
      expect(got, `nodes --live vs crm_mon (attempt ${attempt})`).to.deep.equal(after);
      return;
    }
  }

  it('really is a 3.0.3 cluster with a 2.1.5 remote node: pacemakerd, crm_mon and cibadmin on node1 are 3.0.3, remote1 runs 2.1.5', async () => {
    const c = cluster!;
    expect((await c.exec('node1', ['pacemakerd', '--version'])).stdout).to.match(/^Pacemaker 3\.0\.3/);
    expect((await c.exec('node1', ['crm_mon', '--version'])).stdout).to.match(/^Pacemaker 3\.0\.3/);
    expect((await c.exec('remote1', ['/usr/sbin/pacemaker-remoted', '--version'])).stdout).to.match(/^Pacemaker 2\.1\.5/);
    // The DC's version as the cluster itself reports it, and the CIB written by 3.0.3 (feature set 3.20+).
    const xml = (await c.exec('node1', ['crm_mon', '--one-shot', '--output-as=xml'])).stdout;
    expect(xml).to.match(/<current_dc [^>]*version="3\.0\.3/);
    const cibXml = (await c.exec('node1', ['cibadmin', '--query', '--xpath', '/cib', '--no-children'])).stdout;
    const fs = /crm_feature_set="([\d.]+)"/.exec(cibXml)?.[1];
    expect(fs && Number(fs.split('.')[1]), `crm_feature_set ${fs}`).to.be.at.least(20);
  });

  it('both remote nodes Online: nodeStates()/remoteNodes() and pcmk-remote nodes --live equal 3.0.3 crm_mon', async () => {
    const mon = await expectModelAgrees('both Online');
    expect(mon.online('remote1') && mon.online('sim1')).to.equal(true);
    await expectCliAgrees();
  });

  it('after the real 2.1.5 remote daemon is killed: nodeStates()/remoteNodes() and nodes --live still equal 3.0.3 crm_mon', async () => {
    await cluster!.killRemote('remote1');
    await cluster!.waitFor((v) => !v.online('remote1') && v.online('sim1'), { what: 'remote1 down, sim1 Online', timeoutMs: 40_000 });
    const mon = await expectModelAgrees('remote1 killed');
    expect(mon.online('remote1')).to.equal(false);
    await expectCliAgrees();
  });

  it('stop() leaves nothing running or mounted: no process in the nodes namespaces, no bridge, no working directory, no mount of the chroot', async function () {
    this.timeout(60_000);
    await stopAndExpectNothingLeft(cluster!, [realpathSync(root)]);
  });
});
