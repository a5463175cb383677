/**
 * ConnectionManager events and snapshots: every node event is re-emitted with the node name, `nodes()`
 * reports state, since, attempts, last error and last RTT, and no `error` listener is ever needed.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { ErrorCodes, RemoteSession, type NodeConnectionEvents } from '../../src/index.js';
import { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';
import { runTsChild } from '../support/run-ts-child.js';
import { KEY, NODE_EVENTS, allUp, nextManagerEvent, controlCycles, recordManager, remoteSpec, startSims, managerFactory, until, within } from './support.js';

describe('ConnectionManager events and snapshots', function () {
  this.timeout(30_000);
  let sims: SimulatedRemoteDaemon[] = [];
  const manager = managerFactory({ monitorIntervalMs: 100, monitorTimeoutMs: 2000 }, () => sims.splice(0));

  it('re-emits every node event (state, node-up, monitor, connect-failed, node-down, node-reconnecting, takeover, node-shutdown-request) with the node name', async () => {
    sims = await startSims(4);
    const [sUp, sRefused, sTake, sShut] = sims as [SimulatedRemoteDaemon, SimulatedRemoteDaemon, SimulatedRemoteDaemon, SimulatedRemoteDaemon];
    sRefused.refuse();
    const m = manager();
    const fromManager = recordManager(m);
    // the connections' own events, recorded on the connections themselves
    const fromNodes: Array<{ event: string; data: unknown }> = [];
    m.on('node-added', ({ node }) => {
      const c = m.node(node)!;
      for (const ev of NODE_EVENTS) c.on(ev, ((d: unknown) => fromNodes.push({ event: ev, data: d })) as never);
    });
    m.on('node-shutdown-request', (e) => void e.ack());
    await m.sync([
      remoteSpec('up', sUp, { reconnectIntervalMs: 300 }),
      remoteSpec('refused', sRefused, { connectTimeoutMs: 1000 }),
      remoteSpec('take', sTake),
      remoteSpec('shut', sShut),
    ]);
    await allUp(m, ['up', 'take', 'shut']);
    await until(() => m.node('refused')?.state === 'failed', 5000, 'refused to fail');
    await nextManagerEvent(m, 'monitor', (e) => e.node === 'up', 3000);
    // node-down + node-reconnecting, then up again
    const down = nextManagerEvent(m, 'node-down', (e) => e.node === 'up');
    const reconnecting = nextManagerEvent(m, 'node-reconnecting', (e) => e.node === 'up');
    sUp.killConnections();
    expect(await down).to.include({ node: 'up', reason: 'connection-lost', willReconnect: true });
    expect(await reconnecting).to.include({ node: 'up', attempt: 1 });
    await nextManagerEvent(m, 'node-up', (e) => e.node === 'up', 5000);
    // takeover
    const take = nextManagerEvent(m, 'takeover', (e) => e.node === 'take');
    const other = await RemoteSession.connect({ host: sTake.host, port: sTake.port, key: KEY });
    try {
      expect(await take).to.deep.equal({ node: 'take', expected: false });
    } finally {
      await other.close();
    }
    // shutdown request
    const req = nextManagerEvent(m, 'node-shutdown-request', (e) => e.node === 'shut');
    const shutDown = nextManagerEvent(m, 'node-down', (e) => e.node === 'shut');
    await sShut.requestShutdown();
    expect((await req).node).to.equal('shut');
    expect(await shutDown).to.include({ node: 'shut', reason: 'shutdown' });

    const seen = new Set(fromManager.map((r) => r.event));
    for (const ev of NODE_EVENTS) expect(seen.has(ev), ev).to.equal(true);
    const failed = fromManager.find((r) => r.event === 'connect-failed');
    expect(failed).to.include({ node: 'refused' });
    expect(failed?.data).to.include({ reason: 'refused', phase: 'tcp' });
    // one-to-one: the manager re-emitted exactly the connections' events, same objects, same order
    const nodeEvents = fromManager.filter((r) => r.event !== 'node-added' && r.event !== 'node-removed');
    expect(nodeEvents.length).to.equal(fromNodes.length);
    nodeEvents.forEach((r, i) => {
      expect(r.event).to.equal(fromNodes[i]?.event);
      expect(r.data).to.equal(fromNodes[i]?.data);
      expect(r.data.node).to.be.a('string').and.not.equal('undefined');
    });
  });

  it('with no node-shutdown-request listener on the manager, a managed node acks the request itself', async () => {
    // 2.1.8 waits for the answer (up to its fuse): an unanswered request would leave the node draining
    sims = await startSims(1, { version: '2.1.8', shutdownFuseMs: 20_000 });
    const m = manager();
    m.addNode(remoteSpec('n1', sims[0]!));
    await allUp(m, ['n1']);
    const answer = new Promise<boolean>((resolve) => sims[0]!.once('shutdown-answer', (ack) => resolve(ack)));
    await sims[0]!.requestShutdown();
    expect(await within(answer, 3000, 'the shutdown answer')).to.equal(true);
    expect(m.node('n1')?.state).to.equal('draining');
    // (2.1.6+ then waits for its clients to leave; see the report on RemoteNodeConnection draining)
  });

  it('with no listener, an unmanaged node nacks the shutdown request', async () => {
    sims = await startSims(1, { version: '2.1.8', shutdownFuseMs: 20_000 });
    const m = manager({ defaults: { managed: false } });
    m.addNode(remoteSpec('n1', sims[0]!));
    await allUp(m, ['n1']);
    const answer = new Promise<boolean>((resolve) => sims[0]!.once('shutdown-answer', (ack) => resolve(ack)));
    await sims[0]!.requestShutdown();
    expect(await within(answer, 3000, 'the shutdown answer')).to.equal(false);
  });

  it('nodes(): state, since, attempts, last error and last RTT', async () => {
    sims = await startSims(2);
    const [ok, dead] = sims as [SimulatedRemoteDaemon, SimulatedRemoteDaemon];
    dead.refuse();
    const m = manager();
    const t0 = Date.now();
    await m.sync([remoteSpec('ok', ok), remoteSpec('dead', dead, { connectTimeoutMs: 4500 })]);
    await allUp(m, ['ok']);
    await until(() => m.node('dead')?.state === 'failed', 8000, 'dead to fail');
    const t1 = Date.now();
    const snaps = Object.fromEntries(m.nodes().map((s) => [s.name, s]));
    expect(snaps.ok).to.include({ name: 'ok', kind: 'remote', host: ok.host, port: ok.port, state: 'up', attempts: 1, losses: 0 });
    expect(snaps.ok?.since).to.be.within(t0, t1);
    expect(snaps.ok?.lastRttMs).to.be.a('number').and.at.least(0);
    expect(snaps.ok?.lastError).to.equal(undefined);
    expect(snaps.ok?.protocolVersion).to.equal('1.1');
    expect(snaps.ok?.daemonVersion, 'deprecated alias').to.equal('1.1');
    // 4.5 s budget: attempts at 0 s, 1 s and 2 s (retried while more than 3 s remained)
    expect(snaps.dead).to.include({ state: 'failed', attempts: 3, losses: 0 });
    expect(snaps.dead?.lastError).to.include({ code: ErrorCodes.CONNECT_REFUSED });
    expect(snaps.dead?.lastError?.at).to.be.within(t0, t1);
    expect(snaps.dead?.lastRttMs).to.equal(undefined);
    // a poke refreshes the RTT; a loss changes state, since, losses and last error
    const monitor = await nextManagerEvent(m, 'monitor', (e) => e.node === 'ok', 3000);
    expect(m.nodes().find((s) => s.name === 'ok')?.lastRttMs).to.equal(monitor.rttMs);
    const down = nextManagerEvent(m, 'node-down', (e) => e.node === 'ok');
    const t2 = Date.now();
    ok.resetConnections();
    await down;
    const after = m.nodes().find((s) => s.name === 'ok');
    expect(after).to.include({ state: 'failed', losses: 1 });
    expect(after?.since).to.be.at.least(t2);
    expect(after?.lastError?.code).to.be.a('string');
  });

  it('never needs an error listener: failures of every kind are events, and no rejection is unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (r: unknown) => unhandled.push(r);
    process.on('unhandledRejection', onUnhandled);
    try {
      sims = await startSims(4);
      const [refused, wrongKey, garbage, hang] = sims as [SimulatedRemoteDaemon, SimulatedRemoteDaemon, SimulatedRemoteDaemon, SimulatedRemoteDaemon];
      refused.refuse();
      wrongKey.setKey(Buffer.alloc(32, 7));
      hang.hang(true);
      const m = manager({ defaults: { attemptTimeoutMs: 500 } });
      const failed: Array<Parameters<NodeConnectionEvents['connect-failed']>[0]> = [];
      m.on('connect-failed', (e) => failed.push(e));
      const downs: string[] = [];
      m.on('node-down', (e) => downs.push(`${e.node}:${e.reason}`));
      await m.sync([
        remoteSpec('refused', refused, { connectTimeoutMs: 1000 }),
        remoteSpec('wrong-key', wrongKey, { connectTimeoutMs: 1000 }),
        remoteSpec('garbage', garbage),
        remoteSpec('hang', hang, { connectTimeoutMs: 1000 }),
      ]);
      await allUp(m, ['garbage']);
      garbage.sendGarbage();
      await until(() => ['refused', 'wrong-key', 'hang', 'garbage'].every((n) => m.node(n)?.state === 'failed'), 8000, 'every node to fail');
      expect((m as unknown as { listenerCount(e: string): number }).listenerCount('error')).to.equal(0);
      expect(Object.fromEntries(failed.map((f) => [f.node, f.reason]))).to.deep.equal({ refused: 'refused', 'wrong-key': 'auth-failed', hang: 'connect-timeout' });
      expect(downs).to.deep.equal(['garbage:protocol-error']);
      // waking failed nodes and removing some mid-attempt does not leak rejections either
      const connecting = (node: string) => nextManagerEvent(m, 'state', (e) => e.node === node && e.to === 'connecting', 3000);
      const wakes = Promise.all([connecting('refused'), connecting('hang')]);
      m.reconnectNode('refused');
      m.reconnectNode('hang');
      await wakes;
      await m.removeNode('hang');
      await m.close();
      await controlCycles(2); // round trips through the event loop for any late rejection to surface
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a listener that throws does not break the node: the connection stays up and the exception surfaces as uncaught', async () => {
    sims = await startSims(1);
    const { code, out } = await runTsChild(
      join(import.meta.dirname, 'throwing-listener-child.ts'),
      { ...process.env, TARGET_HOST: sims[0]!.host, TARGET_PORT: String(sims[0]!.port), TARGET_KEY: KEY.toString('hex') },
      20_000,
    );
    expect(code, out).to.equal(0);
    const r = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { state: string; monitors: number; uncaught: string[] };
    expect(r.state, out).to.equal('up');
    expect(r.monitors).to.be.greaterThan(3);
    // three node-event listeners threw, then the node-removed listener during close() (which still resolved)
    expect(r.uncaught).to.have.length(4);
    expect(r.uncaught.every((msg) => msg.startsWith('listener bug in '))).to.equal(true);
    expect(r.uncaught.at(-1)).to.equal('listener bug in node-removed');
  });
});
