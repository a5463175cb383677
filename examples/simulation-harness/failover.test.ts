/**
 * Failover logic of a small controller (the mini controller) tested on simulated pacemaker-remoted daemons:
 * the rules Pacemaker applies to remote nodes, checked against the order and timing of real events.
 *
 * Run: npm run example:harness
 */
import { expect } from 'chai';
import { CallbackFencer } from '@pcmk-remote/fencing-hooks';
import { RemoteSession } from '@pcmk-remote/remote-conn';
import { FailoverHarness, type HarnessEvent } from './harness.js';

const idx = (events: HarnessEvent[], e: HarnessEvent) => events.indexOf(e);

describe('simulation harness: failover of the mini controller', function () {
  this.timeout(40_000);
  let h: FailoverHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('a reset node is fenced first, reconnected after reconnect_interval, and its resource started again', async () => {
    h = await FailoverHarness.start({ nodes: [{ name: 'remote1', reconnectInterval: '1s' }, { name: 'remote2', reconnectInterval: '1s' }] });
    const from = h.events.length;
    h.sim('remote1').resetConnections();
    const down = await h.waitFor('node-down', 'remote1', () => true, { from });
    expect(down.data.reason).to.equal('connection-lost');
    // The reconnect is held for fencing from the moment of the loss.
    expect(h.controller.manager.node('remote1')?.snapshot().holds).to.include('fencing');
    const requested = await h.waitFor('fence-requested', 'remote1', () => true, { from });
    expect(requested.data).to.include({ origin: 'loss', method: 'fencer', action: 'reboot', nodeDownReason: 'connection-lost' });
    const fenced = await h.waitFor('fence-succeeded', 'remote1', () => true, { from });
    const up = await h.waitFor('node-up', 'remote1', () => true, { from });
    const started = await h.waitFor('resource', 'remote1', (e) => e.data.state === 'started', { from });
    expect(idx(h.events, fenced)).to.be.greaterThan(idx(h.events, requested));
    expect(idx(h.events, up)).to.be.greaterThan(idx(h.events, fenced));
    expect(idx(h.events, started)).to.be.greaterThan(idx(h.events, up));
    // reconnect_interval (1 s) is honoured from the loss on.
    expect(up.at - down.at).to.be.at.least(1000 - 20);
    // The power cycle cleared the resource: the controller started it a second time, and the daemon runs it.
    expect(started.data.starts).to.equal(2);
    expect(h.sim('remote1').resources().find((r) => r.id === 'dummy-remote1')?.running).to.equal(true);
    // The other node saw nothing.
    expect(h.since(from, 'remote2').filter((e) => e.type !== 'state')).to.deep.equal([]);
    expect(h.controller.fencing.history('remote2')).to.deep.equal([]);
  });

  it('without reconnect_interval the node is reconnected as soon as it is fenced', async () => {
    h = await FailoverHarness.start({ nodes: [{ name: 'remote1' }] });
    const from = h.events.length;
    h.sim('remote1').resetConnections();
    await h.waitFor('state', 'remote1', (e) => e.data.to === 'failed', { from });
    const fenced = await h.waitFor('fence-succeeded', 'remote1', () => true, { from });
    const up = await h.waitFor('node-up', 'remote1', () => true, { from });
    expect(idx(h.events, up)).to.be.greaterThan(idx(h.events, fenced));
    // Nothing waits for an interval: only the connect itself (generous bound for a loaded machine).
    expect(up.at - fenced.at).to.be.lessThan(2000);
    await h.waitFor('resource', 'remote1', (e) => e.data.state === 'started', { from });
  });

  it('a graceful shutdown is never fenced, and the resource is stopped before the ack', async () => {
    h = await FailoverHarness.start({ nodes: [{ name: 'remote1', reconnectInterval: '1s' }], simVersion: '2.1.7' });
    const sim = h.sim('remote1');
    let runningAtAck: boolean | undefined;
    sim.on('shutdown-answer', (ack) => {
      if (ack) runningAtAck = sim.resources().find((r) => r.id === 'dummy-remote1')?.running;
    });
    const from = h.events.length;
    await sim.requestShutdown();
    const skipped = await h.waitFor('fence-skipped', 'remote1', () => true, { from });
    expect(skipped.data.reason).to.equal('graceful-shutdown');
    await sim.waitExit(10_000);
    expect(runningAtAck).to.equal(false);
    await h.waitFor('state', 'remote1', (e) => e.data.to === 'stopped', { from });
    expect(h.since(from, 'remote1', 'fence-requested')).to.deep.equal([]);
    expect(h.controller.resources().find((r) => r.node === 'remote1')?.state).to.equal('stopped');
  });

  it('a frozen daemon is caught by the monitor timeout and fenced', async () => {
    h = await FailoverHarness.start({ nodes: [{ name: 'remote1', reconnectInterval: '500ms' }] });
    const from = h.events.length;
    const frozenAt = Date.now();
    h.sim('remote1').pause();
    const down = await h.waitFor('node-down', 'remote1', () => true, { from, timeoutMs: 10_000 });
    expect(down.data.reason).to.equal('monitor-timeout');
    // Not before the monitor timeout (1500 ms; the last poke may have been sent up to an interval, 200 ms,
    // before the freeze), and within one interval plus the timeout, with margin for a loaded machine.
    expect(down.at - frozenAt).to.be.at.least(1500 - 250).and.lessThan(200 + 1500 + 1500);
    await h.waitFor('fence-succeeded', 'remote1', () => true, { from });
    await h.waitFor('node-up', 'remote1', () => true, { from });
    await h.waitFor('resource', 'remote1', (e) => e.data.state === 'started', { from });
  });

  it('a failed fence keeps the node down (never reconnected unclean) until an operator confirms', async () => {
    let calls = 0;
    h = await FailoverHarness.start({
      nodes: [{ name: 'remote1', reconnectInterval: '300ms' }],
      fencer: new CallbackFencer(async () => {
        calls++;
        throw new Error('the fence device does not answer');
      }),
      fencingPolicy: { retries: 0, timeoutMs: 2000 },
    });
    const from = h.events.length;
    h.sim('remote1').resetConnections();
    const failed = await h.waitFor('fence-failed', 'remote1', (e) => e.data.final === true, { from });
    expect(failed.data.error).to.have.property('code', 'PCMK_FENCE_AGENT_FAILED');
    // Several reconnect intervals pass: still down, still held, and the daemon has no client.
    await new Promise((r) => setTimeout(r, 1200));
    expect(h.since(from, 'remote1', 'node-up')).to.deep.equal([]);
    expect(h.controller.manager.node('remote1')?.snapshot().holds).to.include('fencing');
    expect(h.sim('remote1').clientCount).to.equal(0);
    expect(calls).to.equal(1);
    const confirmedAt = h.events.length;
    h.controller.fencing.confirm('remote1', 'operator checked the node is off');
    await h.waitFor('node-up', 'remote1', () => true, { from: confirmedAt });
  });

  it('a crashed guest is recovered by restarting its container, not by the fencer', async () => {
    let fencerCalls = 0;
    h = await FailoverHarness.start({
      nodes: [{ name: 'remote1' }, { name: 'guest1', kind: 'guest' }],
      fencer: new CallbackFencer(async () => {
        fencerCalls++;
      }),
    });
    expect(h.controller.manager.node('guest1')?.snapshot()).to.include({ kind: 'guest', containerResource: 'vm-guest1' });
    const from = h.events.length;
    await h.sim('guest1').kill();
    const requested = await h.waitFor('fence-requested', 'guest1', () => true, { from });
    expect(requested.data).to.include({ method: 'container-restart', kind: 'guest' });
    await h.waitFor('fence-succeeded', 'guest1', () => true, { from });
    await h.waitFor('node-up', 'guest1', () => true, { from });
    await h.waitFor('resource', 'guest1', (e) => e.data.state === 'started', { from });
    expect(fencerCalls).to.equal(0);
  });

  it('another client taking the daemon over is not a loss to fence', async () => {
    h = await FailoverHarness.start({ nodes: [{ name: 'remote1', reconnectInterval: '1s' }] });
    const sim = h.sim('remote1');
    const from = h.events.length;
    const other = await RemoteSession.connect({ host: sim.host, port: sim.port, key: sim.key as Buffer, connectTimeoutMs: 8000 });
    try {
      const down = await h.waitFor('node-down', 'remote1', () => true, { from });
      expect(down.data.reason).to.equal('takeover');
      const skipped = await h.waitFor('fence-skipped', 'remote1', () => true, { from });
      expect(skipped.data.reason).to.equal('takeover');
      expect(h.since(from, 'remote1', 'fence-requested')).to.deep.equal([]);
    } finally {
      await other.close();
    }
  });
});
