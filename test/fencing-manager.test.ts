/**
 * Cross-package: FencingCoordinator on the real ConnectionManager and simulated daemons.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { CallbackFencer, FencingCoordinator } from '@pcmk-remote/fencing-hooks';
import { ConnectionManager } from '@pcmk-remote/remote-conn';
import { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fencing-hooks with ConnectionManager and the simulator', function () {
  this.timeout(30_000);
  const key = randomBytes(64);
  let sims: SimulatedRemoteDaemon[] = [];
  let manager: ConnectionManager;
  let fc: FencingCoordinator;
  let log: string[];
  let fences: string[];
  let releaseFence: (() => void) | undefined;

  beforeEach(async () => {
    sims = [await SimulatedRemoteDaemon.start({ key, noDelay: true }), await SimulatedRemoteDaemon.start({ key, noDelay: true })];
    manager = new ConnectionManager({ defaults: { key, monitorIntervalMs: 200, monitorTimeoutMs: 500, reconnectIntervalMs: 200, connectTimeoutMs: 5000 } });
    log = [];
    fences = [];
    fc = new FencingCoordinator({
      manager,
      executor: 'node1',
      fencer: new CallbackFencer(async (req) => {
        fences.push(req.target);
        await new Promise<void>((r) => {
          releaseFence = r;
          setTimeout(r, 300);
        });
      }),
    });
    for (const ev of ['node-up', 'node-down'] as const) manager.on(ev, (e) => log.push(`${ev}:${e.node}`));
    for (const ev of ['fence-requested', 'fence-succeeded', 'fence-skipped'] as const) fc.on(ev, (e: { target: string }) => log.push(`${ev}:${e.target}`));
    await manager.sync(sims.map((s, i) => ({ name: `r${i}`, host: s.host, port: s.port })));
    await Promise.all(['r0', 'r1'].map((n) => manager.node(n)?.waitFor('up', { timeoutMs: 5000 })));
  });
  afterEach(async () => {
    await fc.close({ releaseHolds: true });
    await manager.close();
    await Promise.all(sims.map((s) => s.stop()));
  });

  it('a lost node is fenced before it may reconnect (the hold keeps it down meanwhile)', async () => {
    log.length = 0;
    sims[0]?.resetConnections();
    await sleep(150);
    expect(manager.nodes().find((n) => n.name === 'r0')?.holds).to.deep.equal(['fencing']);
    await manager.node('r0')?.waitFor('up', { timeoutMs: 5000 });
    const r0 = log.filter((l) => l.endsWith(':r0'));
    expect(r0.indexOf('fence-succeeded:r0')).to.be.greaterThan(r0.indexOf('node-down:r0'));
    expect(r0.lastIndexOf('node-up:r0')).to.be.greaterThan(r0.indexOf('fence-succeeded:r0'));
    expect(fences).to.deep.equal(['r0']);
  });

  it('concurrent fence requests for one target join one operation', async () => {
    const [a, b] = await Promise.all([fc.fence('r1', { reason: 'manual' }), fc.fence('r1', { reason: 'manual again' })]);
    expect(a.id).to.equal(b.id);
    expect(fences).to.deep.equal(['r1']);
  });

  it('a flapping node is fenced once per loss, never while a fence runs', async () => {
    sims[0]?.resetConnections();
    await sleep(100);
    sims[0]?.resetConnections(); // nothing to reset: the node is held down
    await manager.node('r0')?.waitFor('up', { timeoutMs: 5000 });
    await sleep(300);
    sims[0]?.resetConnections();
    await sleep(100);
    await manager.node('r0')?.waitFor('up', { timeoutMs: 5000 });
    expect(fences).to.deep.equal(['r0', 'r0']);
    expect(fc.history('r0').filter((h) => h.result === 'success')).to.have.length(2);
  });

  it('a graceful shutdown is never fenced', async () => {
    await sims[1]?.requestShutdown();
    await sleep(500);
    expect(log).to.include('fence-skipped:r1');
    expect(fences).to.deep.equal([]);
    releaseFence?.();
  });
});
