/**
 * The mini controller (examples/mini-controller) on simulated daemons: node selection from the CIB, a Dummy
 * resource started on each node that comes up, fencing after a reset, the SAFETY gate, the documented command.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { addRemoteNode, parseCib, removeRemoteNode } from '@pcmk-remote/cib-model';
import { isRemoteConnError } from '@pcmk-remote/remote-conn';
import { MiniController, parseAgent, selectNodes } from '../mini-controller/controller.js';
import { main, parseFault } from '../mini-controller/main.js';
import { CountingListener, runCommand, SAMPLE_CIB, waitExit, waitUntil } from './support.js';

const sampleXml = readFileSync(SAMPLE_CIB, 'utf8');
const EMPTY_CIB = '<cib validate-with="pacemaker-3.8" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes><node id="1" uname="node1"/></nodes><resources/><constraints/></configuration><status/></cib>';
// A generous poke timeout: on a loaded machine a short one would turn event-loop lag into losses.
const fast = { monitorIntervalMs: 200, monitorTimeoutMs: 3000, connectTimeoutMs: 8000 };

function sink(): { stream: NodeJS.WritableStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write: (c, _e, cb) => {
      text += String(c);
      cb();
    },
  });
  return { stream: stream as unknown as NodeJS.WritableStream, text: () => text };
}

describe('examples/mini-controller', function () {
  this.timeout(30_000);
  let controller: MiniController | undefined;
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await controller?.close();
    controller = undefined;
    for (const c of cleanup.splice(0)) await c();
  });

  it('keeps connections to the remote nodes placed on this node and starts a Dummy on each', async () => {
    const placed = parseCib(sampleXml).remoteNodes().filter((s) => s.runningOn === 'node1').map((s) => s.name).sort();
    expect(placed.length).to.be.at.least(2);
    controller = await MiniController.start({ cibXml: sampleXml, node: 'node1', simulate: true, connection: fast, resourceMonitorMs: 300 });
    const c = controller;
    expect(c.specs.map((s) => s.name).sort()).to.deep.equal(placed);
    expect(c.manager.nodes().map((n) => n.name).sort()).to.deep.equal(placed);
    // Every spec was redirected to its simulated daemon on 127.0.0.1.
    for (const n of c.manager.nodes()) {
      expect(n.host).to.equal('127.0.0.1');
      expect(n.port).to.equal(c.simulated?.get(n.name)?.port);
    }
    await waitUntil(() => c.resources().filter((r) => r.state === 'started').length === placed.length, 15_000, 'a started resource on every node');
    // The recurring monitor is set up right after the start.
    await c.settled();
    for (const name of placed) {
      const res = c.simulated?.get(name)?.resources().find((r) => r.id === `dummy-${name}`);
      expect(res, name).to.include({ standard: 'ocf', provider: 'heartbeat', type: 'Dummy', running: true });
      // The recurring monitor runs on the daemon.
      expect(res?.recurring.map((o) => `${o.action}/${o.intervalMs}`)).to.deep.equal(['monitor/300']);
    }
    // The guest's container is known to the manager (and thus to fencing-hooks).
    const guest = parseCib(sampleXml).remoteNodes().find((s) => s.kind === 'guest' && s.runningOn === 'node1');
    if (guest) expect(c.manager.node(guest.name)?.snapshot()).to.include({ kind: 'guest', containerResource: guest.containerResource });
  });

  it('fences a node lost to a reset, then starts its resource again once it is back', async () => {
    controller = await MiniController.start({ cibXml: sampleXml, node: 'node1', simulate: true, connection: fast, reconnectIntervalMs: 300, resourceMonitorMs: 0 });
    const c = controller;
    const first = c.specs[0]?.name as string;
    await waitUntil(() => c.resources().find((r) => r.node === first)?.state === 'started', 15_000, `${first} started`);
    const lines: string[] = [];
    c.on('log', (l) => lines.push(l));
    c.simulated?.get(first)?.resetConnections();
    await waitUntil(() => c.resources().find((r) => r.node === first && r.state === 'started' && r.starts === 2), 15_000, `${first} restarted`);
    const history = c.fencing.history(first);
    expect(history.map((e) => [e.result, e.origin, e.method])).to.deep.equal([['success', 'loss', 'fencer']]);
    expect(history[0]?.fencer).to.equal('simulated-power');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    const log = lines.join('\n');
    expect(at(new RegExp(`^node-down +${first}: connection-lost`)), log).to.be.greaterThan(-1);
    expect(at(new RegExp(`^fenced +${first}`)), log).to.be.greaterThan(at(new RegExp(`^fence-request +${first}`)));
    expect(at(new RegExp(`^node-up +${first}`)), log).to.be.greaterThan(at(new RegExp(`^fenced +${first}`)));
    expect(at(new RegExp(`^started +${first}`)), log).to.be.greaterThan(at(new RegExp(`^node-up +${first}`)));
    expect(c.simulated?.get(first)?.resources().find((r) => r.id === `dummy-${first}`)?.running).to.equal(true);
  });

  it('with all: true manages every remote and guest node of the CIB', async () => {
    controller = await MiniController.start({ cibXml: sampleXml, all: true, simulate: true, connection: fast, resourceMonitorMs: 0 });
    const all = parseCib(sampleXml).remoteNodes().map((s) => s.name).sort();
    expect(controller.manager.nodes().map((n) => n.name).sort()).to.deep.equal(all);
    expect(all.length).to.be.greaterThan(selectNodes(parseCib(sampleXml).remoteNodes(), { node: 'node1' }).length);
  });

  it('reports a resource whose agent the node lacks as failed, with the daemon\'s reason', async () => {
    controller = await MiniController.start({ cibXml: sampleXml, node: 'node1', simulate: true, connection: fast, agent: parseAgent('ocf:heartbeat:NoSuchAgent'), resourceMonitorMs: 0 });
    const c = controller;
    const n = c.specs.length;
    await waitUntil(() => c.resources().filter((r) => r.state === 'failed').length === n, 15_000, 'every resource failed');
    for (const r of c.resources()) {
      expect(r.rc, r.node).to.equal(5); // OCF_ERR_INSTALLED
      expect(r.error).to.match(/NoSuchAgent: No such file or directory/);
    }
  });

  it('applies a changed CIB: a node whose connection no longer runs here is disconnected', async () => {
    controller = await MiniController.start({ cibXml: sampleXml, node: 'node1', simulate: true, connection: fast, resourceMonitorMs: 0 });
    const c = controller;
    await waitUntil(() => c.manager.nodes().length > 0 && c.manager.nodes().every((n) => n.state === 'up'), 15_000, 'all up');
    const sim = c.simulated?.get('remote1');
    expect(sim?.clientCount).to.equal(1);
    // The status now records a stop of remote1's connection resource on node1 (crm_mon: RemoteOFFLINE).
    const stopped = sampleXml.replace('operation_key="remote1_start_0" operation="start"', 'operation_key="remote1_stop_0" operation="stop"');
    expect(stopped).to.not.equal(sampleXml);
    expect(parseCib(stopped).remoteNodes().find((s) => s.name === 'remote1')?.runningOn).to.equal(undefined);
    await c.reload(stopped);
    expect(c.manager.node('remote1')).to.equal(undefined);
    expect(c.specs.map((s) => s.name)).to.not.include('remote1');
    expect(c.resources().map((r) => r.node)).to.not.include('remote1');
    await waitUntil(() => sim?.clientCount === 0, 5000, 'the daemon to see us leave');
    // A deliberate disconnect is not a loss.
    expect(c.fencing.history('remote1')).to.deep.equal([]);
    // The other nodes keep their connections.
    expect(c.manager.nodes().map((n) => n.state)).to.deep.equal(c.manager.nodes().map(() => 'up'));
  });

  it('applies a changed CIB: a node removed from the configuration (an orphan) is disconnected', async () => {
    controller = await MiniController.start({ cibXml: sampleXml, node: 'node1', simulate: true, connection: fast, resourceMonitorMs: 0 });
    const c = controller;
    await waitUntil(() => c.manager.nodes().length > 0 && c.manager.nodes().every((n) => n.state === 'up'), 15_000, 'all up');
    const sim = c.simulated?.get('remote2');
    expect(sim?.clientCount).to.equal(1);
    // pcs cluster node remove-remote, offline: the status still has the connection's history (an orphan).
    const removed = removeRemoteNode(parseCib(sampleXml), 'remote2');
    expect(removed.remoteNodes().find((s) => s.name === 'remote2')?.orphaned).to.equal(true);
    await c.reload(removed.toXml());
    expect(c.manager.node('remote2')).to.equal(undefined);
    await waitUntil(() => sim?.clientCount === 0, 5000, 'the daemon to see us leave');
    expect(c.fencing.history('remote2')).to.deep.equal([]);
  });

  it('refuses real connections without --i-own-these-nodes (nothing is contacted), and connects with it', async () => {
    const listener = await CountingListener.start();
    cleanup.push(() => listener.close());
    const dir = await import('node:fs').then((fs) => fs.mkdtempSync('/tmp/pcmk-remote-example-'));
    const { writeFileSync, rmSync } = await import('node:fs');
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    // A CIB whose only remote node is our listener (not placed anywhere yet, so --all).
    const file = `${dir}/cib.xml`;
    writeFileSync(file, addRemoteNode(parseCib(EMPTY_CIB), { name: 'rn-local', server: '127.0.0.1', port: listener.port }).toXml());
    const keyFile = `${dir}/authkey`;
    writeFileSync(keyFile, Buffer.alloc(64, 7), { mode: 0o600 });
    const out = sink();
    const err = await main(['--cib', file, '--all', '--key', keyFile, '--duration', '500ms'], out.stream).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRemoteConnError(err, 'PCMK_REMOTE_INVALID_ARGUMENT'), String(err)).to.equal(true);
    expect((err as Error).message).to.match(/unexpected client takeover/);
    expect(listener.connections).to.equal(0);
    // With the flag the controller does connect.
    const code = await main(['--cib', file, '--all', '--i-own-these-nodes', '--key', keyFile, '--duration', '1500ms', '--monitor-interval', '200ms'], out.stream);
    expect(code).to.equal(0);
    expect(listener.connections).to.be.at.least(1);
  });

  it('parses faults and agents, rejecting malformed ones', () => {
    expect(parseFault('reset:remote1@1.5s')).to.deep.equal({ kind: 'reset', node: 'remote1', delayMs: 1000 });
    expect(parseFault('freeze:r@500ms')).to.deep.equal({ kind: 'freeze', node: 'r', delayMs: 500 });
    expect(() => parseFault('explode:r@1s')).to.throw(/KIND:NODE@DELAY/);
    expect(() => parseFault('reset:r@soon')).to.throw(/not a duration/);
    expect(parseAgent('ocf:heartbeat:Dummy')).to.deep.equal({ standard: 'ocf', provider: 'heartbeat', type: 'Dummy' });
    expect(parseAgent('systemd:chronyd')).to.deep.equal({ standard: 'systemd', type: 'chronyd' });
    expect(() => parseAgent('Dummy')).to.throw(/ocf:heartbeat:Dummy/);
  });

  it('runs as documented: --simulate with a reset fault starts Dummy everywhere and fences the reset node', async () => {
    const run = runCommand('npm', [
      'run', '-s', 'example:mini-controller', '--',
      '--cib', 'examples/mini-controller/sample-cib.xml', '--node', 'node1', '--simulate',
      '--fault', 'reset:remote1@2s', '--reconnect-interval', '500ms', '--monitor-interval', '200ms', '--duration', '7s',
    ]);
    cleanup.push(async () => run.signal('SIGKILL'));
    const code = await waitExit(run, 25_000);
    const out = run.stdout();
    expect(code, `${out}\n${run.stderr()}`).to.equal(0);
    const placed = parseCib(sampleXml).remoteNodes().filter((s) => s.runningOn === 'node1').map((s) => s.name);
    for (const n of placed) expect(out).to.match(new RegExp(`started +${n}: dummy-${n} \\(ocf:heartbeat:Dummy\\)`));
    expect(out).to.match(/FAULT +remote1: reset/);
    expect(out).to.match(/fenced +remote1 in \d+ ms/);
    const table = out.split('\n').filter((l) => /^(remote|guest)\d+\s/.test(l));
    expect(table.map((l) => l.split(/\s+/)[0]).sort()).to.deep.equal([...placed].sort());
    const row = (n: string) => table.find((l) => l.startsWith(`${n} `))?.split(/\s+/) ?? [];
    // NODE KIND STATE ATTEMPTS LOSSES FENCED RESOURCE RESOURCE-STATE STARTS
    expect(row('remote1')).to.deep.equal(['remote1', 'remote', 'up', '2', '1', '1', 'dummy-remote1', 'started', '2']);
    for (const n of placed.filter((p) => p !== 'remote1')) expect(row(n).slice(2)).to.deep.equal(['up', '1', '0', '0', `dummy-${n}`, 'started', '1']);
    expect(out).to.include('done: connections, fencing and simulated daemons stopped');
  });
});
