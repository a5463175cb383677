/**
 * `maxConcurrentConnects`: a cold start or a reconnect storm never runs more connect attempts at once
 * than the bound, and every node still comes up. Plus the `ConnectSlots` semaphore itself.
 */
import { expect } from 'chai';
import { ConnectionManager, ErrorCodes, RemoteConnError, isRemoteConnError } from '../../src/index.js';
import { ConnectSlots } from '../../src/manager/connect-slots.js';
import type { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';
import { allUp, controlCycles, remoteSpec, startSims, managerFactory, until } from './support.js';

/**
 * Counts attempts in flight as seen from outside the manager: a connection is in an attempt from the
 * moment a daemon completes its TLS handshake until its node reports `node-up` (the register reply is
 * delayed, so each attempt lasts at least that long). Returns the running maximum.
 */
function inFlightProbe(m: ConnectionManager, sims: SimulatedRemoteDaemon[]): { max: () => number; now: () => number } {
  let now = 0;
  let max = 0;
  for (const s of sims) {
    s.on('client-connected', () => {
      now++;
      max = Math.max(max, now);
    });
  }
  m.on('node-up', () => now--);
  return { max: () => max, now: () => now };
}

describe('ConnectionManager maxConcurrentConnects', function () {
  this.timeout(40_000);
  let sims: SimulatedRemoteDaemon[] = [];
  const manager = managerFactory({ monitorIntervalMs: 0 }, () => sims.splice(0));

  it('rejects a bound that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      let err: unknown;
      try {
        new ConnectionManager({ maxConcurrentConnects: bad });
      } catch (e) {
        err = e;
      }
      expect(isRemoteConnError(err, ErrorCodes.INVALID_ARGUMENT), String(bad)).to.equal(true);
    }
  });

  it('cold start: never more attempts at once than the bound, and every node comes up', async () => {
    const n = 8;
    const delay = 250;
    sims = await startSims(n, { replyDelayMs: delay });
    const m = manager({ maxConcurrentConnects: 2 });
    const probe = inFlightProbe(m, sims);
    let peakSeen = 0;
    const sampler = setInterval(() => (peakSeen = Math.max(peakSeen, m.connectSlots.active)), 5);
    const t0 = Date.now();
    try {
      await m.sync(sims.map((s, i) => remoteSpec(`n${i}`, s, { connectTimeoutMs: 30_000 })));
      await allUp(m, sims.map((_, i) => `n${i}`), 20_000);
    } finally {
      clearInterval(sampler);
    }
    const elapsed = Date.now() - t0;
    expect(probe.max(), 'attempts in flight seen by the daemons').to.be.at.most(2);
    expect(probe.max()).to.equal(2);
    expect(peakSeen).to.be.at.most(2);
    expect(m.connectSlots).to.deep.equal({ active: 0, waiting: 0, peak: 2, limit: 2 });
    // 8 attempts of at least `delay` ms each, 2 at a time
    expect(elapsed).to.be.at.least((n / 2) * delay - 50);
    expect(m.nodes().every((s) => s.state === 'up' && s.attempts === 1)).to.equal(true);
  });

  it('the probe sees every attempt at once without a tight bound (control)', async () => {
    sims = await startSims(6, { replyDelayMs: 250 });
    const m = manager({ maxConcurrentConnects: 64 });
    const probe = inFlightProbe(m, sims);
    await m.sync(sims.map((s, i) => remoteSpec(`n${i}`, s)));
    await allUp(m, sims.map((_, i) => `n${i}`));
    expect(probe.max()).to.equal(6);
    expect(m.connectSlots.peak).to.equal(6);
  });

  it('reconnect storm: every connection reset at once reconnects within the bound', async () => {
    sims = await startSims(6, { replyDelayMs: 200 });
    const m = manager({ maxConcurrentConnects: 3 });
    await m.sync(sims.map((s, i) => remoteSpec(`n${i}`, s, { reconnectIntervalMs: 100 })));
    const names = sims.map((_, i) => `n${i}`);
    await allUp(m, names);
    const probe = inFlightProbe(m, sims);
    for (const s of sims) s.resetConnections();
    await until(() => m.nodes().every((s) => s.losses === 1 && s.state === 'up'), 20_000, 'every node to come back');
    expect(probe.max()).to.equal(3);
    expect(m.connectSlots.active).to.equal(0);
  });

  it('blackholed daemons hold their slots only until the attempt times out; the others still come up', async () => {
    sims = await startSims(3);
    const [h1, h2, ok] = sims as [SimulatedRemoteDaemon, SimulatedRemoteDaemon, SimulatedRemoteDaemon];
    h1.hang(true);
    h2.hang(true);
    const m = manager({ maxConcurrentConnects: 2, defaults: { attemptTimeoutMs: 600, attemptRetryDelayMs: 200, minRemainingForRetryMs: 0 } });
    const t0 = Date.now();
    await m.sync([remoteSpec('h1', h1, { connectTimeoutMs: 20_000 }), remoteSpec('h2', h2, { connectTimeoutMs: 20_000 }), remoteSpec('ok', ok)]);
    await until(() => m.connectSlots.active === 2 && m.connectSlots.waiting === 1, 3000, 'both slots taken and ok queued');
    expect(m.node('ok')?.state).to.equal('connecting');
    await allUp(m, ['ok']);
    expect(Date.now() - t0).to.be.at.least(550);
    // the blackholes lift: the retried attempts succeed
    h1.hang(false);
    h2.hang(false);
    await allUp(m, ['h1', 'h2']);
    expect(m.connectSlots.peak).to.equal(2);
  });

  it('a node removed while it waits for a slot gives its place up and never connects', async () => {
    sims = await startSims(2);
    const [h, other] = sims as [SimulatedRemoteDaemon, SimulatedRemoteDaemon];
    h.hang(true);
    const m = manager({ maxConcurrentConnects: 1 });
    await m.sync([remoteSpec('h', h, { connectTimeoutMs: 20_000 }), remoteSpec('q', other)]);
    await until(() => m.connectSlots.active === 1 && m.connectSlots.waiting === 1, 3000, 'h to hold the slot and q to wait');
    expect(m.connectSlots).to.include({ active: 1, waiting: 1 });
    await m.removeNode('q');
    expect(m.connectSlots).to.include({ active: 1, waiting: 0 });
    await m.removeNode('h');
    expect(m.connectSlots).to.include({ active: 0, waiting: 0 });
    await controlCycles(3);
    expect(other.clientCount).to.equal(0);
  });
});

describe('ConnectSlots', () => {
  it('grants up to the limit, queues the rest in FIFO order and counts the peak', async () => {
    const s = new ConnectSlots(2);
    const r1 = await s.acquire();
    const r2 = await s.acquire();
    const order: number[] = [];
    const p3 = s.acquire().then((r) => (order.push(3), r));
    const p4 = s.acquire().then((r) => (order.push(4), r));
    await new Promise((r) => setImmediate(r)); // every pending promise settled: nothing is granted by waiting longer
    expect({ active: s.active, waiting: s.waiting, peak: s.peak }).to.deep.equal({ active: 2, waiting: 2, peak: 2 });
    r1();
    r1(); // idempotent: does not free a second slot
    const r3 = await p3;
    await new Promise((r) => setImmediate(r));
    expect(order).to.deep.equal([3]);
    expect({ active: s.active, waiting: s.waiting }).to.deep.equal({ active: 2, waiting: 1 });
    r2();
    const r4 = await p4;
    expect(order).to.deep.equal([3, 4]);
    r3();
    r4();
    expect({ active: s.active, waiting: s.waiting, peak: s.peak }).to.deep.equal({ active: 0, waiting: 0, peak: 2 });
  });

  it('an aborted waiter leaves the queue and rejects with the signal reason', async () => {
    const s = new ConnectSlots(1);
    const r1 = await s.acquire();
    const ac = new AbortController();
    const p = s.acquire(ac.signal);
    expect(s.waiting).to.equal(1);
    const reason = new RemoteConnError(ErrorCodes.STOPPED, 'stopped');
    ac.abort(reason);
    let err: unknown;
    await p.catch((e: unknown) => (err = e));
    expect(err).to.equal(reason);
    expect(s.waiting).to.equal(0);
    r1();
    expect(s.active).to.equal(0);
    // an already aborted signal rejects at once
    let err2: unknown;
    await s.acquire(ac.signal).catch((e: unknown) => (err2 = e));
    expect(err2).to.equal(reason);
    expect(s.active).to.equal(0);
  });
});
