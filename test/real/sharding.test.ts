/**
 * Sharding by the real scheduler's placement, on three real cluster nodes (test/support/cluster, Pacemaker
 * 2.1.5): six remote connections (to simulated daemons on the switch), one monitoring agent per cluster node
 * running `--live --only-running-on <its node>`. Together they report every remote node exactly once; after
 * a cluster node is killed (every process in its namespaces, its agent included), the survivors' union
 * covers every remote node exactly once again within 10 s of the move appearing in the CIB.
 * Prints the failover coverage time (recorded in BENCHMARKS.md).
 */
import { expect } from 'chai';
import { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';
import { CLI_MAIN, MONITORING_AGENT_MAIN, remotePrimitiveXml, runInNode, startCluster, type ClusterHandle, type CrmMonView, type NodeProgram } from '../support/cluster/index.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const REMOTES = ['rn1', 'rn2', 'rn3', 'rn4', 'rn5', 'rn6'];

/** The online remote nodes an agent's scrape reports (`ha_cluster_pacemaker_nodes{type="remote",status="online"}`). */
function reportedRemotes(metrics: string): string[] {
  return [...metrics.matchAll(/^ha_cluster_pacemaker_nodes\{node="([^"]+)",type="remote",status="online"\} 1$/gm)].map((m) => m[1]!);
}

describe('sharding by the scheduler: 3 real cluster nodes, 6 remote connections, one --live --only-running-on agent per node', function () {
  this.timeout(120_000);
  let cluster: ClusterHandle;
  const sims: SimulatedRemoteDaemon[] = [];
  const agents = new Map<string, { program: NodeProgram; url: string }>();

  before(async function () {
    this.timeout(180_000);
    cluster = await startCluster({ nodes: 3, properties: { 'symmetric-cluster': 'true' } });
    process.stdout.write(`      (3-node cluster up in ${cluster.upMs} ms)\n`);
    for (const name of REMOTES) sims.push(await SimulatedRemoteDaemon.start({ key: cluster.key, host: cluster.switchAddress, nodeName: name }));
    const t0 = Date.now();
    await cluster.cib.add({ resources: REMOTES.map((r, i) => remotePrimitiveXml(r, { server: cluster.switchAddress, port: sims[i]!.port, reconnectIntervalS: 5 })) });
    await cluster.waitFor((v) => REMOTES.every((r) => v.online(r) && v.resources.get(r)?.role === 'Started'), { what: 'six remote nodes Online', timeoutMs: 60_000 });
    process.stdout.write(`      (six connections Started ${Date.now() - t0} ms after one cibadmin change)\n`);
    await Promise.all(
      cluster.nodes.map(async (n) => {
        const program = runInNode(cluster, n, MONITORING_AGENT_MAIN, ['--live', '--only-running-on', n, '--bind', cluster.address(n), '--port', '0']);
        const serving = await program.waitLine((l) => l.includes('serving metrics on'), { timeoutMs: 60_000 });
        agents.set(n, { program, url: /(http:\/\/\S+)/.exec(serving.line)![1]! });
      }),
    );
  });

  after(async function () {
    this.timeout(60_000);
    await Promise.all([...agents.values()].map((a) => a.program.stop()));
    await cluster?.stop();
    await Promise.all(sims.map((s) => s.stop()));
  });

  async function scrapeAll(nodes: readonly string[]): Promise<Map<string, string[]>> {
    return new Map(await Promise.all(nodes.map(async (n) => [n, reportedRemotes(await (await fetch(agents.get(n)!.url)).text())] as const)));
  }
  const union = (m: Map<string, string[]>) => [...m.values()].flat().sort();
  const placement = (v: CrmMonView, n: string) => REMOTES.filter((r) => v.runningOn(r)[0] === n).sort();

  it('the agents together report every remote node exactly once, each the ones the scheduler placed on its node', async () => {
    let got = new Map<string, string[]>();
    const end = Date.now() + 5000;
    while (Date.now() < end) {
      got = await scrapeAll(cluster.nodes);
      if (JSON.stringify(union(got)) === JSON.stringify(REMOTES)) break;
      await sleep(100);
    }
    expect(union(got)).to.deep.equal(REMOTES);
    const mon = await cluster.crmMon();
    for (const n of cluster.nodes) expect(got.get(n)!.sort(), `${n}'s agent vs crm_mon's placement`).to.deep.equal(placement(mon, n));
  });

  it('a connection moved with crm_resource --move: watch --live prints the placement within 2 s, the agents re-shard', async () => {
    const mon = await cluster.crmMon();
    const rsc = REMOTES[0]!;
    const from = mon.runningOn(rsc)[0]!;
    const to = cluster.nodes.find((n) => n !== from)!;
    const watcher = runInNode(cluster, from, CLI_MAIN, ['watch', '--live', '--json']);
    try {
      await watcher.waitLine((l) => l.includes(`"${rsc}"`) && l.includes('"initial"'), { timeoutMs: 30_000 });
      const t0 = Date.now();
      await cluster.cib.move(rsc, to);
      await cluster.waitFor((v) => v.runningOn(rsc)[0] === to && v.resources.get(rsc)?.role === 'Started', { what: `${rsc} Started on ${to}` });
      const shownAt = Date.now();
      const line = await watcher.waitLine(
        (l) => {
          const j = JSON.parse(l) as { node: string; change: string; runningOn?: string };
          return j.node === rsc && j.change === 'placement' && j.runningOn === to;
        },
        { since: t0, timeoutMs: 5000 },
      );
      process.stdout.write(`      (${rsc} moved ${from} -> ${to}: watch --live placement line ${line.at - t0} ms after crm_resource --move)\n`);
      expect(line.at - shownAt).to.be.below(2000);
      let got = new Map<string, string[]>();
      const end = Date.now() + 2000;
      do {
        got = await scrapeAll(cluster.nodes);
        if (got.get(to)!.includes(rsc) && !got.get(from)!.includes(rsc)) break;
        await sleep(100);
      } while (Date.now() < end);
      expect(union(got)).to.deep.equal(REMOTES);
      expect(got.get(to)).to.include(rsc);
    } finally {
      await watcher.stop();
      await cluster.exec(cluster.nodes[0]!, ['crm_resource', '--resource', rsc, '--clear']);
    }
  });

  it('after a cluster node is killed, the survivors cover every remote node exactly once within 10 s of the move appearing in the CIB', async () => {
    const mon = await cluster.crmMon();
    // Kill the node with the most connections (ties: the DC), so the scheduler has the most to move.
    const victim = [...cluster.nodes].sort((a, b) => placement(mon, b).length - placement(mon, a).length || (b === mon.dc ? 1 : 0) - (a === mon.dc ? 1 : 0))[0]!;
    const moved = placement(mon, victim);
    expect(moved.length, 'the victim holds connections').to.be.greaterThan(0);
    const survivors = cluster.nodes.filter((n) => n !== victim);
    const tKill = Date.now();
    await cluster.killNode(victim);
    let tMoved = 0;
    let tCovered = 0;
    const placed = (v: CrmMonView) => REMOTES.every((r) => v.resources.get(r)?.role === 'Started' && survivors.includes(v.runningOn(r)[0] ?? ''));
    const watchCib = (async () => {
      await cluster.waitFor(placed, { node: survivors[0], timeoutMs: 60_000, what: `every connection Started on ${survivors.join('/')}` });
      tMoved = Date.now();
    })();
    const watchAgents = (async () => {
      const end = Date.now() + 70_000;
      while (Date.now() < end) {
        const got = await scrapeAll(survivors).catch(() => new Map<string, string[]>());
        if (JSON.stringify(union(got)) === JSON.stringify(REMOTES)) {
          tCovered = Date.now();
          return;
        }
        await sleep(100);
      }
    })();
    await Promise.all([watchCib, watchAgents]);
    expect(tCovered, 'the survivors covered every remote node').to.be.greaterThan(0);
    process.stdout.write(
      `      failover (${victim} killed, ${moved.length} connections moved): in the CIB ${tMoved - tKill} ms after the kill; survivors report every remote node once ${tCovered - tKill} ms after the kill (${tCovered - tMoved} ms after crm_mon showed the move)\n`,
    );
    expect(tCovered - tMoved).to.be.below(10_000);
    const final = await cluster.crmMon(survivors[0]);
    const got = await scrapeAll(survivors);
    for (const n of survivors) expect(got.get(n)!.sort(), `${n}'s agent vs crm_mon's placement`).to.deep.equal(placement(final, n));
  });
});
