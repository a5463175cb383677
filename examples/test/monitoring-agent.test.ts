/**
 * The monitoring agent (examples/monitoring-agent) against simulated daemons: scrape /metrics over HTTP and
 * check series and values against what the manager, the fencing coordinator and the simulator did.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { addRemoteNode, parseCib } from '@pcmk-remote/cib-model';
import { isRemoteConnError } from '@pcmk-remote/remote-conn';
import { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';
import { startMonitoringAgent, type MonitoringAgent } from '../monitoring-agent/agent.js';
import { exporterNodeType, NODE_STATUSES } from '../monitoring-agent/cib-metrics.js';
import { CONNECTION_STATES } from '../monitoring-agent/connection-metrics.js';
import { closedPort, CountingListener, parseMetrics, runCommand, SAMPLE_CIB, scrape, select, value, waitExit, waitUntil } from './support.js';

const fast = { monitorIntervalMs: 150, monitorTimeoutMs: 1500, reconnectIntervalMs: 400, connectTimeoutMs: 8000 };

describe('examples/monitoring-agent', function () {
  this.timeout(30_000);
  let agent: MonitoringAgent | undefined;
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
    for (const c of cleanup.splice(0)) await c();
  });

  it('serves up/state/latency metrics for the simulated nodes it owns, on 127.0.0.1', async () => {
    agent = await startMonitoringAgent({ simulate: 3, port: 0, connection: fast });
    expect(agent.url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const a = agent;
    const pokes = new Map<string, number>();
    a.manager.on('monitor', (e) => pokes.set(e.node, (pokes.get(e.node) ?? 0) + 1));
    await Promise.all(['sim1', 'sim2', 'sim3'].map((n) => a.manager.node(n)?.waitFor('up', { timeoutMs: 10_000 })));
    await waitUntil(() => ['sim1', 'sim2', 'sim3'].every((n) => (pokes.get(n) ?? 0) >= 2), 10_000, 'two pokes per node');
    const pokesBefore = new Map(pokes);
    const res = await scrape(a.url);
    expect(res.status).to.equal(200);
    expect(res.type).to.match(/^text\/plain; version=0\.0\.4/);
    const m = parseMetrics(res.text);
    for (const node of ['sim1', 'sim2', 'sim3']) {
      expect(value(m, 'pcmk_remote_connection_up', { node, kind: 'remote' }), node).to.equal(1);
      for (const state of CONNECTION_STATES) {
        expect(value(m, 'pcmk_remote_connection_state', { node, state }), `${node} ${state}`).to.equal(state === 'up' ? 1 : 0);
      }
      expect(value(m, 'pcmk_remote_connection_connect_duration_seconds_count', { node })).to.equal(1);
      const connectSum = value(m, 'pcmk_remote_connection_connect_duration_seconds_sum', { node }) ?? -1;
      expect(connectSum).to.be.greaterThan(0).and.lessThan(8);
      // Every poke the manager reported was observed (a poke may land between our count and the scrape).
      const observed = value(m, 'pcmk_remote_connection_poke_duration_seconds_count', { node }) ?? 0;
      expect(observed).to.be.at.least(2).and.at.least(pokesBefore.get(node) ?? 0);
      expect(value(m, 'pcmk_remote_connection_poke_duration_seconds_bucket', { node, le: '+Inf' })).to.equal(
        value(m, 'pcmk_remote_connection_poke_duration_seconds_count', { node }),
      );
      expect(value(m, 'pcmk_remote_connection_reconnects_total', { node })).to.equal(0);
      expect(value(m, 'pcmk_remote_connection_reconnect_held', { node })).to.equal(0);
    }
    // The agent's connections are the simulator's clients.
    for (const n of ['sim1', 'sim2', 'sim3']) expect(a.simulated?.get(n)?.clientCount, n).to.equal(1);
    // Other paths.
    expect((await scrape(a.url.replace('/metrics', '/nope'))).status).to.equal(404);
    expect((await scrape(a.url.replace('/metrics', '/'))).text).to.include('/metrics');
  });

  it('counts a loss, the fencing it triggers, reconnects and connect failures as they happened', async () => {
    agent = await startMonitoringAgent({ simulate: 2, port: 0, fencing: true, connection: fast });
    const a = agent;
    const events: string[] = [];
    a.manager.on('node-down', (e) => events.push(`down:${e.node}:${e.reason}`));
    a.manager.on('node-reconnecting', (e) => events.push(`reconnecting:${e.node}`));
    a.manager.on('connect-failed', (e) => events.push(`failed:${e.node}:${e.reason}`));
    a.manager.on('node-up', (e) => events.push(`up:${e.node}`));
    a.fencing?.on('fence-succeeded', (e) => events.push(`fenced:${e.target}`));
    await Promise.all(['sim1', 'sim2'].map((n) => a.manager.node(n)?.waitFor('up', { timeoutMs: 10_000 })));

    a.simulated?.get('sim1')?.resetConnections();
    await waitUntil(() => events.includes('fenced:sim1') && events.filter((e) => e === 'up:sim1').length === 2, 15_000, 'sim1 fenced and back up');
    const m = parseMetrics((await scrape(a.url)).text);
    const count = (prefix: string) => events.filter((e) => e.startsWith(prefix)).length;
    expect(value(m, 'pcmk_remote_connection_losses_total', { node: 'sim1', reason: 'connection-lost' })).to.equal(count('down:sim1:connection-lost'));
    expect(count('down:sim1:connection-lost')).to.equal(1);
    expect(value(m, 'pcmk_remote_fencing_requests_total', { node: 'sim1', method: 'fencer', origin: 'loss' })).to.equal(1);
    expect(value(m, 'pcmk_remote_fencing_operations_total', { node: 'sim1', result: 'success' })).to.equal(1);
    expect(value(m, 'pcmk_remote_fencing_operations_total', { node: 'sim1', result: 'failed' })).to.equal(undefined);
    expect(value(m, 'pcmk_remote_connection_reconnects_total', { node: 'sim1' })).to.equal(count('reconnecting:sim1'));
    expect(count('reconnecting:sim1')).to.be.at.least(1);
    expect(value(m, 'pcmk_remote_connection_connect_duration_seconds_count', { node: 'sim1' })).to.equal(2);
    const refused = count('failed:sim1:refused');
    expect(value(m, 'pcmk_remote_connection_connect_failures_total', { node: 'sim1', reason: 'refused' })).to.equal(refused === 0 ? undefined : refused);
    expect(value(m, 'pcmk_remote_connection_up', { node: 'sim1', kind: 'remote' })).to.equal(1);
    // sim2 untouched.
    expect(select(m, 'pcmk_remote_connection_losses_total', { node: 'sim2' })).to.have.length(0);
    expect(value(m, 'pcmk_remote_connection_connect_duration_seconds_count', { node: 'sim2' })).to.equal(1);

    // A graceful shutdown is not fenced, and the skip is counted.
    await a.simulated?.get('sim2')?.requestShutdown();
    await waitUntil(() => events.some((e) => e.startsWith('down:sim2:')), 10_000, 'sim2 down');
    const m2 = parseMetrics((await scrape(a.url)).text);
    expect(value(m2, 'pcmk_remote_fencing_skipped_total', { node: 'sim2', reason: 'graceful-shutdown' })).to.equal(1);
    expect(select(m2, 'pcmk_remote_fencing_requests_total', { node: 'sim2' })).to.have.length(0);
    expect(value(m2, 'pcmk_remote_connection_up', { node: 'sim2', kind: 'remote' })).to.equal(0);
  });

  it('reports a node it cannot reach: up 0 and connect failures by reason', async () => {
    const port = await closedPort();
    agent = await startMonitoringAgent({ nodes: [{ name: 'gone', host: '127.0.0.1', port }], key: randomBytes(32), port: 0, connection: { ...fast, connectTimeoutMs: 30_000 } });
    const a = agent;
    let failures = 0;
    a.manager.on('connect-failed', (e) => {
      if (e.reason === 'refused') failures++;
    });
    await waitUntil(() => failures >= 2, 10_000, 'two refused attempts');
    const m = parseMetrics((await scrape(a.url)).text);
    expect(value(m, 'pcmk_remote_connection_up', { node: 'gone', kind: 'remote' })).to.equal(0);
    expect(value(m, 'pcmk_remote_connection_state', { node: 'gone', state: 'connecting' })).to.equal(1);
    const counted = value(m, 'pcmk_remote_connection_connect_failures_total', { node: 'gone', reason: 'refused' }) ?? 0;
    // Scrape and event count race by at most the attempts made between them.
    expect(counted).to.be.at.least(2).and.at.most(failures + 1);
  });

  it('exports node states from a CIB with ha_cluster_exporter names, and never connects to its nodes', async () => {
    // A CIB whose remote node points at a listener of ours: any connection attempt would be counted.
    const listener = await CountingListener.start();
    cleanup.push(() => listener.close());
    const base = parseCib(readFileSync(SAMPLE_CIB, 'utf8'));
    const xml = addRemoteNode(base, { name: 'remote-watch', server: '127.0.0.1', port: listener.port }).toXml();
    agent = await startMonitoringAgent({ cib: { xml }, port: 0, connection: fast });
    const m = parseMetrics((await scrape(agent.url)).text);
    await new Promise((r) => setTimeout(r, 300));
    expect(listener.connections).to.equal(0);
    expect(agent.manager.size).to.equal(0);

    const cib = parseCib(xml);
    const states = cib.nodeStates();
    expect(states.length).to.be.greaterThan(0);
    const expected = states.flatMap((n) => NODE_STATUSES.filter((s) => n[s]).map((s) => `${n.name}|${exporterNodeType(n.kind)}|${s}`)).sort();
    const got = select(m, 'ha_cluster_pacemaker_nodes').map((s) => {
      expect(s.value).to.equal(1);
      return `${s.labels.node}|${s.labels.type}|${s.labels.status}`;
    });
    expect(got.sort()).to.deep.equal(expected);
    // Guests and remotes are type="remote" like the exporter; cluster nodes are "member".
    expect(got).to.include('guest1|remote|online');
    expect(got).to.include('node1|member|online');
    expect(value(m, 'pcmk_remote_cib_read_success')).to.equal(1);
    const info = select(m, 'pcmk_remote_cib_remote_node_info');
    expect(info.map((s) => s.labels.node).sort()).to.deep.equal(cib.remoteNodes().map((r) => r.name).sort());
    expect(value(m, 'pcmk_remote_cib_remote_node_info', { node: 'remote-watch', host: '127.0.0.1', port: String(listener.port) })).to.equal(1);
    expect(value(m, 'pcmk_remote_cib_remote_node_info', { node: 'remote1', running_on: 'node1' })).to.equal(1);
  });

  it('refuses to own a node the CIB says a cluster owns (by name or address), before any connection', async () => {
    const listener = await CountingListener.start();
    cleanup.push(() => listener.close());
    const xml = addRemoteNode(parseCib(readFileSync(SAMPLE_CIB, 'utf8')), { name: 'rn9', server: '127.0.0.1', port: listener.port }).toXml();
    for (const node of [{ name: 'mine', host: '127.0.0.1', port: listener.port }, { name: 'remote1', host: '127.0.0.1', port: listener.port + 1 }]) {
      const err = await startMonitoringAgent({ cib: { xml }, nodes: [node], key: randomBytes(32), port: 0 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isRemoteConnError(err, 'PCMK_REMOTE_INVALID_ARGUMENT'), String(err)).to.equal(true);
      expect((err as Error).message).to.match(/Refusing to connect/);
    }
    expect(listener.connections).to.equal(0);
  });

  it('stops owning a node once a re-read CIB shows a cluster owns it', async () => {
    const sim = await SimulatedRemoteDaemon.start({ key: randomBytes(32), noDelay: true });
    cleanup.push(() => sim.stop());
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/pcmk-remote-example-');
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = `${dir}/cib.xml`;
    const base = parseCib(readFileSync(SAMPLE_CIB, 'utf8'));
    writeFileSync(file, base.toXml());
    agent = await startMonitoringAgent({ cib: { file }, nodes: [{ name: 'mine', host: sim.host, port: sim.port }], key: sim.key as Buffer, port: 0, connection: fast });
    await agent.manager.node('mine')?.waitFor('up', { timeoutMs: 10_000 });
    expect(value(parseMetrics((await scrape(agent.url)).text), 'pcmk_remote_connection_up', { node: 'mine' })).to.equal(1);
    writeFileSync(file, addRemoteNode(base, { name: 'taken', server: sim.host, port: sim.port }).toXml());
    const m = parseMetrics((await scrape(agent.url)).text);
    expect(agent.manager.node('mine')).to.equal(undefined);
    expect(select(m, 'pcmk_remote_connection_up', { node: 'mine' })).to.have.length(0);
    await waitUntil(() => sim.clientCount === 0, 5000, 'the simulator to see our client leave');
  });

  it('reports a CIB that cannot be read with pcmk_remote_cib_read_success 0 and no node series', async () => {
    agent = await startMonitoringAgent({ cib: { file: '/nonexistent/cib.xml' }, port: 0 });
    const m = parseMetrics((await scrape(agent.url)).text);
    expect(value(m, 'pcmk_remote_cib_read_success')).to.equal(0);
    expect(select(m, 'ha_cluster_pacemaker_nodes')).to.have.length(0);
    expect(agent.cib?.lastError?.message).to.match(/Cannot read the CIB file/);
  });

  it('runs as documented (npm run example:monitoring-agent -- --simulate 2 --port 0) and stops cleanly on SIGTERM', async () => {
    const run = runCommand('npm', ['run', '-s', 'example:monitoring-agent', '--', '--simulate', '2', '--port', '0', '--monitor-interval', '200ms']);
    cleanup.push(async () => {
      run.signal('SIGKILL');
    });
    const url = await waitUntil(() => /serving metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(run.stdout())?.[1], 20_000, 'the agent to listen');
    const up = await waitUntil(
      async () => {
        const m = parseMetrics((await scrape(url)).text);
        return value(m, 'pcmk_remote_connection_up', { node: 'sim1' }) === 1 && value(m, 'pcmk_remote_connection_up', { node: 'sim2' }) === 1 ? m : undefined;
      },
      15_000,
      'both simulated nodes up',
    );
    expect(select(up, 'pcmk_remote_connection_up')).to.have.length(2);
    run.signal('SIGTERM');
    const code = await waitExit(run, 15_000);
    expect(run.stdout()).to.include('SIGTERM: stopping');
    expect(run.stdout()).to.include('stopped: HTTP server, connections and simulated daemons closed');
    // npm itself got the group's SIGTERM and re-raises it; the agent (whose lines are above) exited cleanly.
    expect([0, 'SIGTERM'], run.stderr()).to.include(code);
    expect(run.stderr()).to.equal('');
  });

  it('rejects bad command lines with status 2', async () => {
    const run = runCommand('node', ['--conditions=source', '--import', 'tsx', 'examples/monitoring-agent/main.ts', '--port', '0']);
    expect(await waitExit(run, 20_000)).to.equal(2);
    expect(run.stderr()).to.match(/nothing to monitor.*\[PCMK_REMOTE_INVALID_ARGUMENT\]/);
  });
});
