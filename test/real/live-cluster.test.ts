/**
 * Against a LIVE Pacemaker 2.1.5 cluster (test/support/cluster: node1 + one real pacemaker-remoted as
 * remote1, each in its own namespaces): cib-model on the live CIB vs crm_mon through node states, the live
 * CIB followers (`pcmk-remote watch --live`, the monitoring agent's `--live`) within 2 s of each change, our
 * simulated daemon as a remote and as a guest node judged by the real controller, a ConnectionManager
 * beside the real controller, and what `probe` / `probe --full` do to a node the controller owns.
 * One cluster for the whole file. Fails (never skips) without root or the cluster stack.
 */
import { expect } from 'chai';
import { LiveCib } from '@pcmk-remote/cib-model/live';
import { ConnectionManager } from '@pcmk-remote/remote-conn';
import { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';
import { runCli } from '../../packages/cli/src/program.js';
import { memoryIo } from '../../packages/cli/test/cli-io.js';
import { FULL_PROBE_WARNING } from '../../packages/cli/src/probe.js';
import {
  CLI_MAIN,
  consistentRead,
  crmMonStatuses,
  dummyXml,
  locationXml,
  modelStatuses,
  MONITORING_AGENT_MAIN,
  plain,
  remotePrimitiveXml,
  runInNode,
  scrapeStatuses,
  startCluster,
  stopAndExpectNothingLeft,
  type ClusterHandle,
  type CrmMonView,
  type NodeProgram,
} from '../support/cluster/index.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('live cluster: node1 + real remote1 (Pacemaker 2.1.5)', function () {
  this.timeout(60_000);
  let cluster: ClusterHandle;
  let watcher: NodeProgram;
  let agent: NodeProgram;
  let agentUrl: string;
  const sims: SimulatedRemoteDaemon[] = [];
  const latencies: Array<{ change: string; watchMs: number; agentMs: number }> = [];

  before(async function () {
    this.timeout(120_000);
    cluster = await startCluster({ nodes: 1, remotes: 1, reconnectIntervalS: 3 });
    process.stdout.write(`      (cluster up in ${cluster.upMs} ms: node1 Online with a DC, remote1 RemoteOnline)\n`);
    watcher = runInNode(cluster, 'node1', CLI_MAIN, ['watch', '--live', '--json']);
    agent = runInNode(cluster, 'node1', MONITORING_AGENT_MAIN, ['--live', '--bind', cluster.address('node1'), '--port', '0']);
    const serving = await agent.waitLine((l) => l.includes('serving metrics on'), { timeoutMs: 30_000 });
    agentUrl = /(http:\/\/\S+)/.exec(serving.line)![1]!;
    await watcher.waitLine((l) => l.includes('"remote1"') && l.includes('"initial"'), { timeoutMs: 30_000 });
  });

  after(async function () {
    this.timeout(60_000);
    await watcher?.stop();
    await agent?.stop();
    await cluster?.stop();
    await Promise.all(sims.map((s) => s.stop()));
    if (latencies.length) {
      process.stdout.write(`      change-to-report latency (ms): ${latencies.map((l) => `${l.change} watch=${l.watchMs} agent=${l.agentMs}`).join('; ')}\n`);
    }
  });

  /** cib-model on the live CIB equals crm_mon; the agent's series equal crm_mon too (within 2 s). */
  async function expectAllAgree(what: string): Promise<CrmMonView> {
    const { cib, mon } = await consistentRead(cluster);
    expect(plain(modelStatuses(cib)), `${what}: nodeStates() vs crm_mon`).to.deep.equal(plain(crmMonStatuses(mon)));
    for (const r of cib.remoteNodes()) {
      const conn = r.connectionResource;
      expect(r.runningOn, `${what}: remoteNodes() runningOn of ${r.name} vs crm_mon's ${conn}`).to.equal(mon.runningOn(conn)[0]);
    }
    return mon;
  }

  /** Waits until the agent's scrape equals crm_mon's view; resolves with when it did. */
  async function agentAgrees(mon: CrmMonView, what: string): Promise<number> {
    // The exporter's convention: one series per status that holds, so a node with none has no series.
    const want = plain(new Map([...crmMonStatuses(mon)].filter(([, st]) => st.length > 0)));
    let got: unknown;
    const end = Date.now() + 5000;
    while (Date.now() < end) {
      got = plain(scrapeStatuses(await (await fetch(agentUrl)).text()));
      if (JSON.stringify(got) === JSON.stringify(want)) return Date.now();
      await sleep(100);
    }
    expect(got, `${what}: the agent's ha_cluster_pacemaker_nodes vs crm_mon`).to.deep.equal(want);
    return Date.now();
  }

  /**
   * Makes a change, waits for crm_mon to show it, checks every reader, and records the latencies from the
   * change command. The 2 s budget of the followers counts from when crm_mon showed the change (the time
   * Pacemaker itself takes to carry out a stop or notice a kill is not the follower's).
   */
  async function step(name: string, change: () => Promise<unknown>, shown: (v: CrmMonView) => boolean, watchLine?: (l: Record<string, unknown>) => boolean) {
    const t0 = Date.now();
    await change();
    await cluster.waitFor(shown, { what: name, timeoutMs: 40_000 });
    const shownAt = Date.now();
    const mon = await expectAllAgree(name);
    const agentAt = await agentAgrees(mon, name);
    if (!watchLine) return;
    const seen = await watcher.waitLine((l) => watchLine(JSON.parse(l) as Record<string, unknown>), { since: t0, timeoutMs: 5000 });
    latencies.push({ change: name, watchMs: seen.at - t0, agentMs: agentAt - t0 });
    expect(seen.at - shownAt, `${name}: watch --live line ${seen.at - shownAt} ms after crm_mon showed it`).to.be.below(2000);
    expect(agentAt - shownAt, `${name}: agent series ${agentAt - shownAt} ms after crm_mon showed it`).to.be.below(2000);
  }

  it('cib-model nodeStates()/remoteNodes() on the live CIB equal crm_mon, and the followers report each change within 2 s', async () => {
    const base = await expectAllAgree('node1 and remote1 online');
    expect(base.online('node1') && base.online('remote1')).to.equal(true);
    const line = (node: string, pred: (l: Record<string, unknown>) => boolean) => (l: Record<string, unknown>) => l.node === node && pred(l);

    await step(
      'remote node stopped (target-role=Stopped)',
      () => cluster.cib.setMeta('remote1', 'target-role', 'Stopped'),
      (v) => !v.online('remote1') && v.runningOn('remote1').length === 0,
      line('remote1', (l) => l.change === 'state' && l.state === 'offline'),
    );
    await step(
      'remote node started again',
      () => cluster.cib.setMeta('remote1', 'target-role', 'Started'),
      (v) => v.online('remote1'),
      line('remote1', (l) => l.change === 'state' && l.state === 'online'),
    );
    await step(
      'remote node standby',
      () => cluster.cib.standby('remote1', true),
      (v) => v.nodes.get('remote1')?.standby === true,
      line('remote1', (l) => l.change === 'state' && l.state === 'online (standby)'),
    );
    await step(
      'remote node out of standby',
      () => cluster.cib.standby('remote1', false),
      (v) => v.nodes.get('remote1')?.standby === false,
      line('remote1', (l) => l.change === 'state' && l.state === 'online'),
    );
    await step(
      'remote node maintenance',
      () => cluster.cib.maintenance('remote1', true),
      (v) => v.nodes.get('remote1')?.maintenance === true,
      line('remote1', (l) => l.change === 'state' && l.state === 'online (maintenance)'),
    );
    await step(
      'remote node out of maintenance',
      () => cluster.cib.maintenance('remote1', false),
      (v) => v.nodes.get('remote1')?.maintenance === false,
      line('remote1', (l) => l.change === 'state' && l.state === 'online'),
    );
    await step(
      'cluster node standby',
      () => cluster.cib.standby('node1', true),
      (v) => v.nodes.get('node1')?.standby === true && !v.online('remote1'),
      line('node1', (l) => l.change === 'state' && l.state === 'online (standby)'),
    );
    await step(
      'cluster node out of standby',
      () => cluster.cib.standby('node1', false),
      (v) => v.nodes.get('node1')?.standby === false && v.online('remote1'),
      line('remote1', (l) => l.change === 'state' && l.state === 'online'),
    );
    // Killed: the controller loses the connection at once (RemoteOFFLINE; unclean until the failed
    // connection is stopped, which with fencing disabled takes a few ms) and retries every reconnect_interval.
    await step(
      'remote daemon killed (SIGKILL)',
      () => cluster.killRemote('remote1'),
      (v) => !v.online('remote1'),
      line('remote1', (l) => l.change === 'state' && l.before !== undefined && (l.before as { state: string }).state === 'online' && l.state !== 'online'),
    );
    await step(
      'remote daemon back',
      async () => {
        await cluster.startRemote('remote1');
        await cluster.cib.cleanup('remote1');
      },
      (v) => v.online('remote1') && v.resources.get('remote1')?.role === 'Started' && v.failures.length === 0,
    );
  });

  it('pcmk-remote nodes --live (run on node1) lists remote1 with the live connection parameters and placement', async () => {
    const p = runInNode(cluster, 'node1', CLI_MAIN, ['nodes', '--live', '--json']);
    const out = await p.waitLine((l) => l.startsWith('{'), { timeoutMs: 20_000 });
    await p.stop();
    const rows = (JSON.parse(out.line) as { nodes: Array<Record<string, unknown>> }).nodes;
    const mon = await cluster.crmMon();
    expect(rows.map((r) => ({ name: r.name, host: r.host, port: r.port, runningOn: r.runningOn }))).to.deep.equal([
      { name: 'remote1', host: cluster.address('remote1'), port: 3121, runningOn: mon.runningOn('remote1')[0] },
    ]);
  });

  it('the live CIB source re-reads nothing while the cluster is idle', async () => {
    const live = await LiveCib.open({ commandPrefix: cluster.enter('node1') });
    try {
      await sleep(2500); // crm_mon's first screen: one read and the follow-up version checks
      const counts = () => ({ reads: live.reads, versionChecks: live.versionChecks, notifications: live.notifications });
      const settled = counts();
      expect(settled.reads).to.be.at.most(2);
      await sleep(3000);
      expect(counts(), 'idle for 3 s').to.deep.equal(settled);
      const t0 = Date.now();
      const changed = new Promise<number>((r) => live.once('change', () => r(Date.now())));
      await cluster.cib.setProperty('cluster-recheck-interval', '14min');
      expect((await changed) - t0).to.be.below(2000);
      expect(live.reads).to.be.at.most(settled.reads + 2);
    } finally {
      await live.close();
    }
  });

  it('our SimulatedRemoteDaemon as a remote node: Online, probes answered, a Dummy started, stopped, failed and recovered', async () => {
    const sim = await SimulatedRemoteDaemon.start({ key: cluster.key, host: cluster.switchAddress, nodeName: 'sim1' });
    sims.push(sim);
    await cluster.cib.add({
      resources: [remotePrimitiveXml('sim1', { server: cluster.switchAddress, port: sim.port }), dummyXml('dsim', {}, 2)],
      constraints: [locationXml('sim1', 'node1'), locationXml('dsim', 'sim1', '100', 'exclusive')],
    });
    let v = await cluster.waitFor((x) => x.online('sim1') && x.runningOn('dsim')[0] === 'sim1' && x.resources.get('dsim')?.role === 'Started', { what: 'sim1 Online, dsim Started on it' });
    expect(v.failures.filter((f) => /sim1|dsim/.test(`${f.node} ${f.op_key}`)), 'no failed action (probes answered)').to.deep.equal([]);
    await cluster.cib.setMeta('dsim', 'target-role', 'Stopped');
    await cluster.waitFor((x) => x.resources.get('dsim')?.role === 'Stopped', { what: 'dsim Stopped' });
    expect(sim.resources().find((r) => r.id === 'dsim')?.running).to.equal(false);
    await cluster.cib.setMeta('dsim', 'target-role', 'Started');
    await cluster.waitFor((x) => x.runningOn('dsim')[0] === 'sim1' && x.resources.get('dsim')?.role === 'Started', { what: 'dsim Started again' });
    sim.setRunning('dsim', false);
    v = await cluster.waitFor((x) => x.failures.some((f) => f.op_key?.startsWith('dsim_monitor')) && x.runningOn('dsim')[0] === 'sim1' && !x.resources.get('dsim')?.failed, {
      what: 'dsim monitor failure recorded and dsim recovered',
    });
    expect(v.online('sim1')).to.equal(true);
    expect(sim.resources().find((r) => r.id === 'dsim')?.running).to.equal(true);
    await expectAllAgree('with sim1 and dsim');
  });

  it('our SimulatedRemoteDaemon as a guest node: up after its container starts, down when the container stops', async () => {
    const sim = await SimulatedRemoteDaemon.start({ key: cluster.key, host: cluster.switchAddress, nodeName: 'guest1' });
    sims.push(sim);
    await cluster.cib.add({
      resources: [dummyXml('vm1', { 'remote-node': 'guest1', 'remote-addr': cluster.switchAddress, 'remote-port': String(sim.port) })],
      constraints: [locationXml('vm1', 'node1')],
    });
    await cluster.waitFor((x) => x.online('guest1') && x.runningOn('vm1')[0] === 'node1', { what: 'guest1 Online after vm1 started' });
    const { cib } = await consistentRead(cluster);
    const guest = cib.remoteNodes().find((r) => r.name === 'guest1');
    expect(guest && { kind: guest.kind, host: guest.host, port: guest.port, runningOn: guest.runningOn, container: guest.containerResource }).to.deep.equal({
      kind: 'guest',
      host: cluster.switchAddress,
      port: sim.port,
      runningOn: 'node1',
      container: 'vm1',
    });
    await expectAllAgree('guest1 online');
    await cluster.cib.setMeta('vm1', 'target-role', 'Stopped');
    await cluster.waitFor((x) => !x.online('guest1') && x.resources.get('vm1')?.role === 'Stopped', { what: 'guest1 down after vm1 stopped' });
    expect(sim.clientCount).to.equal(0);
    await expectAllAgree('guest1 stopped');
  });

  it('a ConnectionManager controller on its own simulated daemons runs beside the real controller without disturbing it', async () => {
    const own = await Promise.all(['own1', 'own2'].map((n) => SimulatedRemoteDaemon.start({ key: cluster.key, host: cluster.switchAddress, nodeName: n })));
    sims.push(...own);
    const before = await cluster.crmMon();
    const logBefore = cluster.log('node1').length;
    const manager = new ConnectionManager({ defaults: { key: cluster.key, monitorIntervalMs: 500 } });
    try {
      await manager.sync(own.map((s, i) => ({ name: `own${i + 1}`, host: cluster.switchAddress, port: s.port })));
      const end = Date.now() + 10_000;
      while (!manager.nodes().every((n) => n.state === 'up')) {
        if (Date.now() > end) throw new Error(`not up: ${JSON.stringify(manager.nodes().map((n) => [n.name, n.state]))}`);
        await sleep(100);
      }
      await sleep(2000);
      const after = await cluster.crmMon();
      const shape = (v: CrmMonView) => ({
        nodes: plain(crmMonStatuses(v)),
        resources: [...v.resources.values()].map((r) => `${r.id}:${r.role}@${r.nodes.join('+')}`).sort(),
        failures: v.failures.length,
      });
      expect(shape(after)).to.deep.equal(shape(before));
      expect(manager.nodes().map((n) => [n.name, n.state, n.losses])).to.deep.equal([
        ['own1', 'up', 0],
        ['own2', 'up', 0],
      ]);
      for (const s of own) expect(s.clientCount, 'only our manager is connected').to.equal(1);
      const newLog = cluster.log('node1').slice(logBefore);
      expect(newLog).to.not.match(/own[12]|error|warning/i);
    } finally {
      await manager.close();
    }
  });

  it('takeover safety: probe (safe) leaves the controller undisturbed; probe --full is seen as an unexpected client takeover', async () => {
    const target = `${cluster.address('remote1')}:3121`;
    const shape = (v: CrmMonView) => ({ nodes: plain(crmMonStatuses(v)), remote1: v.runningOn('remote1'), failures: v.failures.length });
    const before = await cluster.crmMon();
    const logBefore = cluster.log('node1').length;
    const safe = memoryIo();
    const safeCode = await runCli(['probe', target, '--json'], safe.io);
    expect(JSON.parse(safe.out()).handshakeCompleted, safe.out()).to.equal(false);
    expect(safeCode).to.equal(0);
    await sleep(2000);
    expect(shape(await cluster.crmMon())).to.deep.equal(shape(before));
    expect(cluster.log('node1').slice(logBefore)).to.not.include('takeover');

    const full = memoryIo();
    await runCli(['probe', target, '--full', '--key', cluster.keyPath, '--json'], full.io);
    expect(JSON.parse(full.out()).handshakeCompleted, full.out()).to.equal(true);
    // The warning promises: the controller sees an "unexpected client takeover", drops its connection (and
    // may fence the node: fencing is disabled here, so it is left unclean/offline until it reconnects).
    expect(full.err()).to.include(FULL_PROBE_WARNING);
    const end = Date.now() + 10_000;
    while (!cluster.log('node1').slice(logBefore).includes('due to unexpected client takeover')) {
      if (Date.now() > end) throw new Error(`no takeover line in the controller log:\n${cluster.log('node1').slice(logBefore).slice(-3000)}`);
      await sleep(100);
    }
    expect(cluster.log('node1').slice(logBefore)).to.match(/Disconnecting from Pacemaker Remote node remote1 due to unexpected client takeover/);
    await cluster.waitFor((v) => v.nodes.get('remote1')?.online === false || v.nodes.get('remote1')?.unclean === true, { what: 'remote1 dropped by the controller' });
  });

  it('stop() leaves nothing behind: no process in the namespaces, no bridge, no directory', async () => {
    await watcher.stop();
    await agent.stop();
    await stopAndExpectNothingLeft(cluster);
  });
});
