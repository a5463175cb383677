/**
 * ConnectionManager.close(): stops every node, resolves, emits nothing afterwards, and leaves nothing
 * behind (the event loop drains: a process that closes its manager exits by itself).
 */
import { expect } from 'chai';
import { join } from 'node:path';
import type { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';
import { runTsChild } from '../support/run-ts-child.js';
import { KEY, allUp, recordManager, remoteSpec, sleep, startSims, managerFactory, until } from './support.js';

describe('ConnectionManager close()', function () {
  this.timeout(40_000);
  let sims: SimulatedRemoteDaemon[] = [];
  const manager = managerFactory({ monitorIntervalMs: 50, monitorTimeoutMs: 2000 }, () => sims.splice(0));

  it('stops every node (node-down stopped, node-removed), resolves, and emits nothing afterwards', async () => {
    sims = await startSims(3);
    const m = manager();
    await m.sync(sims.map((s, i) => remoteSpec(`n${i}`, s, { reconnectIntervalMs: 100 })));
    await allUp(m, ['n0', 'n1', 'n2']);
    const recs = recordManager(m);
    await m.close();
    expect(m.size).to.equal(0);
    expect(m.nodes()).to.deep.equal([]);
    for (const n of ['n0', 'n1', 'n2']) {
      const mine = recs.filter((r) => r.node === n && r.event !== 'monitor');
      expect(mine.map((r) => r.event).slice(-3)).to.deep.equal(['state', 'node-down', 'node-removed']);
      expect(mine.at(-2)?.data.reason).to.equal('stopped');
    }
    const count = recs.length;
    await until(() => sims.every((s) => s.clientCount === 0), 3000, 'the daemons to see their clients leave');
    await sleep(400);
    expect(recs.length).to.equal(count);
  });

  it('a second close() waits for the first: nothing is emitted once either resolves', async () => {
    sims = await startSims(3);
    const m = manager();
    await m.sync(sims.map((s, i) => remoteSpec(`n${i}`, s)));
    await allUp(m, ['n0', 'n1', 'n2']);
    const recs = recordManager(m);
    const first = m.close();
    await m.close();
    const count = recs.length;
    await first;
    await sleep(200);
    expect(recs.slice(count).map((r) => `${r.event}:${r.node}`)).to.deep.equal([]);
    expect(recs.filter((r) => r.event === 'node-removed')).to.have.length(3);
  });

  it('close() during a sync that replaces a connection: no event after close() resolves, no connection left', async () => {
    sims = await startSims(2);
    const m = manager();
    await m.sync([remoteSpec('a', sims[0]!)]);
    await allUp(m, ['a']);
    const recs = recordManager(m);
    const syncing = m.sync([remoteSpec('a', sims[1]!)]).catch(() => undefined);
    await m.close();
    const count = recs.length;
    await syncing;
    await sleep(400);
    expect(recs.slice(count).map((r) => `${r.event}:${r.node}`)).to.deep.equal([]);
    expect(m.size).to.equal(0);
    expect(sims[0]!.clientCount + sims[1]!.clientCount).to.equal(0);
  });

  it('leaves nothing behind: a process whose manager had nodes in every state exits by itself after close()', async () => {
    sims = await startSims(4);
    const [up, waiting, failed, hung] = sims as [SimulatedRemoteDaemon, SimulatedRemoteDaemon, SimulatedRemoteDaemon, SimulatedRemoteDaemon];
    failed.refuse();
    hung.hang(true);
    // the "waiting" daemon drops its client once registered: the node waits out a 10-minute reconnect_interval
    let dropped = false;
    waiting.on('client-registered', () => {
      if (dropped) return;
      dropped = true;
      setTimeout(() => waiting.killConnections(), 100);
    });
    const script = join(import.meta.dirname, 'manager-child.ts');
    const env: Record<string, string> = { ...(process.env as Record<string, string>), TARGET_HOST: up.host, TARGET_KEY: KEY.toString('hex') };
    for (const [name, s] of Object.entries({ up, waiting, failed, hung })) env[`PORT_${name.toUpperCase()}`] = String(s.port);
    const { code, out } = await runTsChild(script, env, 20_000);
    expect(code, out).to.equal(0);
    // closed with no node left; before close(), two hung attempts held both slots and one node was queued
    const m = /closed (\d+) (\{.*\}) (\d+)/.exec(out);
    expect(m, out).to.not.equal(null);
    expect(m?.[1]).to.equal('0');
    expect(JSON.parse(m?.[2] ?? '{}')).to.deep.equal({ active: 2, waiting: 1, peak: 2, limit: 2 });
    expect(m?.[3], 'events after close() resolved').to.equal('0');
    expect(dropped).to.equal(true);
  });
});
