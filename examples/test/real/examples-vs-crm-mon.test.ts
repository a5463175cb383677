/**
 * The examples against Pacemaker's own tools (Debian 2.1.5): the monitoring agent's
 * `ha_cluster_pacemaker_nodes` series must be exactly what `CIB_file=F crm_mon --output-as=xml -1` says for
 * every CIB of the cts-scheduler set (and for the mini controller's sample CIB), whether the CIB comes from a
 * file, from `cibadmin --query` run at scrape time, or piped to the documented command; and the mini
 * controller must pick the remote nodes whose connection resource crm_mon shows on that cluster node.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseCib, parseXml, type XmlElement } from '@pcmk-remote/cib-model';
import { findAll } from '@pcmk-remote/cib-model/internal';
import { Registry } from 'prom-client';
import { selectNodes } from '../../mini-controller/controller.js';
import { startMonitoringAgent, type MonitoringAgent } from '../../monitoring-agent/agent.js';
import { CibMetrics, NODE_STATUSES } from '../../monitoring-agent/cib-metrics.js';
import { CTS_DIR, parseMetrics, runCommand, SAMPLE_CIB, scrape, select, waitExit, waitUntil, type Sample } from '../support.js';

const run = promisify(execFile);

/** crm_mon's view of a CIB file (run once per file for the whole suite). */
const monCache = new Map<string, Promise<XmlElement>>();
function crmMon(file: string): Promise<XmlElement> {
  let p = monCache.get(file);
  if (!p) {
    p = run('crm_mon', ['--output-as=xml', '-1'], { env: { ...process.env, CIB_file: file }, maxBuffer: 64 << 20 }).then(({ stdout }) => parseXml(stdout));
    monCache.set(file, p);
  }
  return p;
}

/** `node|type|status` for every status that holds in crm_mon's `<nodes>`, as the exporter emits them. */
function expectedSeries(mon: XmlElement): string[] {
  const nodes = findAll(mon, (e) => e.name === 'node' && e.attrs.type !== undefined && e.attrs.online !== undefined);
  return nodes.flatMap((n) => NODE_STATUSES.filter((s) => n.attrs[s] === 'true').map((s) => `${n.attrs.name}|${n.attrs.type}|${s}`)).sort();
}

function seriesOf(samples: Sample[]): string[] {
  return select(samples, 'ha_cluster_pacemaker_nodes')
    .map((s) => {
      expect(s.value).to.equal(1);
      return `${s.labels.node}|${s.labels.type}|${s.labels.status}`;
    })
    .sort();
}

const countBy = (series: string[]) => {
  const out: Record<string, number> = {};
  for (const s of series) {
    const [, type, status] = s.split('|');
    const k = `${type}/${status}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
};

const files = [...readdirSync(CTS_DIR).filter((f) => f.endsWith('.xml')).map((f) => join(CTS_DIR, f)), SAMPLE_CIB];

describe('examples vs the real crm_mon / cibadmin (Pacemaker 2.1.5)', function () {
  this.timeout(240_000);
  let agent: MonitoringAgent | undefined;
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
  });

  it(`ha_cluster_pacemaker_nodes equals crm_mon's node statuses for every CIB (${files.length} files)`, async () => {
    expect(files.length).to.be.at.least(100);
    const mismatches: string[] = [];
    let compared = 0;
    let series = 0;
    for (const file of files) {
      const mon = await crmMon(file);
      const registry = new Registry();
      const metrics = new CibMetrics({ file }, registry);
      expect(await metrics.refresh(), `${file}: ${metrics.lastError?.message}`).to.equal(true);
      const got = seriesOf(parseMetrics(await registry.metrics()));
      const want = expectedSeries(mon);
      compared++;
      series += want.length;
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        mismatches.push(`${file}: missing ${JSON.stringify(want.filter((w) => !got.includes(w)))}, extra ${JSON.stringify(got.filter((g) => !want.includes(g)))}`);
      }
      // The per-(type, status) counts a dashboard would sum are then equal as well.
      expect(countBy(got), file).to.deep.equal(countBy(want));
    }
    expect(mismatches, mismatches.join('\n')).to.deep.equal([]);
    expect(compared).to.equal(files.length);
    expect(series).to.be.greaterThan(files.length);
  });

  it('the same series when the agent runs `cibadmin --query` at scrape time, over HTTP', async () => {
    for (const file of [join(CTS_DIR, 'remote-fence-unclean.xml'), join(CTS_DIR, 'guest-node-host-dies.xml'), SAMPLE_CIB]) {
      agent = await startMonitoringAgent({ cib: { command: ['cibadmin', '--query'], env: { ...process.env, CIB_file: file } }, port: 0 });
      const m = parseMetrics((await scrape(agent.url)).text);
      expect(select(m, 'pcmk_remote_cib_read_success')[0]?.value, agent.cib?.lastError?.message).to.equal(1);
      const want = expectedSeries(await crmMon(file));
      expect(want.length).to.be.greaterThan(0);
      expect(seriesOf(m), file).to.deep.equal(want);
      await agent.close();
      agent = undefined;
    }
  });

  it('`cibadmin --query | npm run example:monitoring-agent -- --cib - --port 0` exports what crm_mon shows', async () => {
    const file = join(CTS_DIR, 'remote-recover-fail.xml');
    const child = runCommand('bash', ['-c', 'cibadmin --query | exec npm run -s example:monitoring-agent -- --cib - --port 0'], { env: { CIB_file: file } });
    try {
      const url = await waitUntil(() => /serving metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(child.stdout())?.[1], 30_000, 'the agent to listen');
      expect(child.stdout()).to.match(/CIB \(text \(read once\)\): \d+ nodes/);
      const m = parseMetrics((await scrape(url)).text);
      const want = expectedSeries(await crmMon(file));
      expect(want.some((w) => w.includes('|remote|'))).to.equal(true);
      expect(seriesOf(m)).to.deep.equal(want);
      // Nothing is connected: the CIB's nodes belong to a cluster.
      expect(select(m, 'pcmk_remote_connection_up')).to.deep.equal([]);
    } finally {
      child.signal('SIGTERM');
      await waitExit(child, 20_000);
    }
    expect(child.stdout()).to.include('stopped: HTTP server, connections and simulated daemons closed');
  });

  it("the mini controller picks the nodes whose connection resource crm_mon shows on that cluster node", async () => {
    let checked = 0;
    const mismatches: string[] = [];
    for (const file of files) {
      const mon = await crmMon(file);
      const specs = parseCib(readFileSync(file, 'utf8')).remoteNodes();
      const members = findAll(mon, (e) => e.name === 'node' && e.attrs.type === 'member').map((n) => n.attrs.name as string);
      // Connection resources (explicit, guest and bundle) that crm_mon shows active, with their nodes.
      const where = new Map<string, string[]>();
      // Orphans (connections deleted from the configuration, shown ORPHANED) are only there to be stopped.
      for (const r of findAll(mon, (e) => e.name === 'resource' && e.attrs.resource_agent === 'ocf:pacemaker:remote' && e.attrs.active === 'true' && e.attrs.orphaned !== 'true')) {
        where.set(r.attrs.id as string, r.children.flatMap((c) => (c.kind === 'element' && c.name === 'node' ? [c.attrs.name as string] : [])));
      }
      for (const m of members) {
        const ours = selectNodes(specs, { node: m }).map((s) => s.connectionResource).sort();
        // crm_mon shows a partially migrated connection on both nodes; the controller must pick one of them.
        const single = [...where].filter(([, nodes]) => nodes.length === 1 && nodes[0] === m).map(([id]) => id);
        const either = [...where].filter(([, nodes]) => nodes.length > 1 && nodes.includes(m)).map(([id]) => id);
        const ok = single.every((id) => ours.includes(id)) && ours.every((id) => single.includes(id) || either.includes(id));
        if (!ok) mismatches.push(`${file} ${m}: crm_mon ${JSON.stringify(single)} (+either ${JSON.stringify(either)}), ours ${JSON.stringify(ours)}`);
        checked++;
      }
      // A connection crm_mon shows on several nodes is picked by exactly one of them.
      for (const [id, nodes] of where) {
        if (nodes.length < 2) continue;
        expect(members.filter((m) => selectNodes(specs, { node: m }).some((s) => s.connectionResource === id)), `${file} ${id}`).to.have.length(1);
      }
    }
    expect(mismatches, mismatches.join('\n')).to.deep.equal([]);
    expect(checked).to.be.greaterThan(files.length);
  });
});
