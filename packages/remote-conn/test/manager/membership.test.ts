/**
 * ConnectionManager membership: addNode, removeNode, updateNode and sync (reconciling to the specs
 * cib-model produces), against simulated daemons.
 */
import { expect } from 'chai';
import type { RemoteNodeSpec } from '@pcmk-remote/cib-model';
import { ErrorCodes, isRemoteConnError } from '../../src/index.js';
import type { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';
import { allUp, controlCycles, monitorCycles, recordManager, remoteSpec, startSims, managerFactory, until } from './support.js';

describe('ConnectionManager membership', function () {
  this.timeout(30_000);
  let sims: SimulatedRemoteDaemon[] = [];
  const manager = managerFactory({ monitorIntervalMs: 100, monitorTimeoutMs: 2000 }, () => sims.splice(0));

  describe('addNode / removeNode', () => {
    it('addNode connects the node and emits node-added, then node-up with the name', async () => {
      sims = await startSims(1);
      const m = manager();
      const recs = recordManager(m);
      const conn = m.addNode(remoteSpec('n1', sims[0]!));
      expect(m.node('n1')).to.equal(conn);
      expect(m.size).to.equal(1);
      await allUp(m, ['n1']);
      expect(recs[0]).to.include({ event: 'node-added', node: 'n1' });
      expect(recs.filter((r) => r.event === 'node-up').map((r) => r.node)).to.deep.equal(['n1']);
      expect(sims[0]!.clientCount).to.equal(1);
    });

    it('a duplicate add is a typed INVALID_ARGUMENT error and leaves the first connection alone', async () => {
      sims = await startSims(2);
      const m = manager();
      const first = m.addNode(remoteSpec('n1', sims[0]!));
      await allUp(m, ['n1']);
      let err: unknown;
      try {
        m.addNode(remoteSpec('n1', sims[1]!));
      } catch (e) {
        err = e;
      }
      expect(isRemoteConnError(err, ErrorCodes.INVALID_ARGUMENT), String(err)).to.equal(true);
      expect(m.node('n1')).to.equal(first);
      expect(m.size).to.equal(1);
      await monitorCycles(m, 'n1', 3);
      expect(sims[1]!.clientCount).to.equal(0);
      expect(sims[0]!.clientCount).to.equal(1);
    });

    it('rejects specs without a name or with invalid connection options, with INVALID_ARGUMENT', () => {
      const m = manager();
      for (const bad of [{}, { name: '' }, { name: 'x', port: 70_000 }, { name: 'x', reconnectJitter: 2 }, { name: 'x', kind: 'vm' }] as never[]) {
        let err: unknown;
        try {
          m.addNode(bad);
        } catch (e) {
          err = e;
        }
        expect(isRemoteConnError(err, ErrorCodes.INVALID_ARGUMENT), JSON.stringify(bad)).to.equal(true);
      }
      expect(m.size).to.equal(0);
    });

    it('removeNode stops the connection, emits node-down (stopped) then node-removed, and nothing for it afterwards', async () => {
      sims = await startSims(2);
      const m = manager();
      const recs = recordManager(m);
      m.addNode(remoteSpec('n1', sims[0]!));
      m.addNode(remoteSpec('n2', sims[1]!));
      await allUp(m, ['n1', 'n2']);
      expect(await m.removeNode('n1')).to.equal(true);
      const n1 = recs.filter((r) => r.node === 'n1');
      expect(n1.at(-1)).to.include({ event: 'node-removed' });
      expect(n1.at(-2)?.event).to.equal('node-down');
      expect(n1.at(-2)?.data.reason).to.equal('stopped');
      expect(m.node('n1')).to.equal(undefined);
      expect(m.nodes().map((s) => s.name)).to.deep.equal(['n2']);
      const count = n1.length;
      const n2Before = recs.filter((r) => r.node === 'n2' && r.event === 'monitor').length;
      await until(() => sims[0]!.clientCount === 0, 3000, 'the daemon to see the client leave');
      await monitorCycles(m, 'n2', 5); // several monitor intervals of n2
      expect(recs.filter((r) => r.node === 'n1')).to.have.length(count);
      // n2 is still monitored (the recorder works)
      expect(recs.filter((r) => r.node === 'n2' && r.event === 'monitor').length).to.be.greaterThan(n2Before);
      expect(await m.removeNode('n1')).to.equal(false);
    });

    it('removeNode while a connect attempt hangs (blackhole) ends it at once, with no connect-failed afterwards', async () => {
      sims = await startSims(1);
      sims[0]!.hang(true);
      const m = manager();
      const recs = recordManager(m);
      m.addNode(remoteSpec('n1', sims[0]!, { connectTimeoutMs: 20_000 }));
      await until(() => m.node('n1')?.state === 'connecting', 3000, 'n1 to connect');
      const t0 = Date.now();
      await m.removeNode('n1');
      expect(Date.now() - t0).to.be.below(1000);
      const n = recs.length;
      await controlCycles(3);
      expect(recs.length).to.equal(n);
      expect(recs.some((r) => r.event === 'connect-failed')).to.equal(false);
      expect(recs.at(-1)).to.include({ event: 'node-removed', node: 'n1' });
    });
  });

  describe('updateNode', () => {
    it('a changed port (the daemon moved) reconnects to the new address', async () => {
      sims = await startSims(2);
      const m = manager();
      m.addNode(remoteSpec('n1', sims[0]!));
      await allUp(m, ['n1']);
      const recs = recordManager(m);
      expect(await m.updateNode(remoteSpec('n1', sims[1]!))).to.equal(true);
      await allUp(m, ['n1']);
      expect(m.nodes()[0]).to.include({ name: 'n1', port: sims[1]!.port, state: 'up' });
      await until(() => sims[0]!.clientCount === 0, 3000, 'the old daemon to lose its client');
      expect(sims[1]!.clientCount).to.equal(1);
      expect(recs.some((r) => r.event === 'node-up' && r.node === 'n1')).to.equal(true);
      // the old connection was closed by us, never reported as a failure
      expect(recs.filter((r) => r.event === 'node-down').map((r) => r.data.reason)).to.deep.equal(['stopped']);
    });

    it('an unchanged spec does not reconnect', async () => {
      sims = await startSims(1);
      const m = manager();
      m.addNode(remoteSpec('n1', sims[0]!));
      await allUp(m, ['n1']);
      const client = sims[0]!.clients()[0]?.id;
      const recs = recordManager(m);
      expect(await m.updateNode(remoteSpec('n1', sims[0]!))).to.equal(false);
      await monitorCycles(m, 'n1', 3);
      expect(recs.filter((r) => r.event !== 'monitor')).to.deep.equal([]);
      expect(sims[0]!.clients().map((c) => c.id)).to.deep.equal([client]);
    });

    it('a change of a field the connection does not use (runningOn, bundle) does not reconnect', async () => {
      sims = await startSims(1);
      const m = manager();
      m.addNode(remoteSpec('n1', sims[0]!, { runningOn: 'node1' }));
      await allUp(m, ['n1']);
      const client = sims[0]!.clients()[0]?.id;
      const recs = recordManager(m);
      expect(await m.updateNode(remoteSpec('n1', sims[0]!, { runningOn: 'node2', bundle: 'b1' }))).to.equal(false);
      await monitorCycles(m, 'n1', 3);
      expect(recs.filter((r) => r.event !== 'monitor')).to.deep.equal([]);
      expect(sims[0]!.clients().map((c) => c.id)).to.deep.equal([client]);
      expect(m.node('n1')?.state).to.equal('up');
    });

    it('a change of a descriptive field (managed, kind, connection/container resource) applies in place, without a reconnect', async () => {
      sims = await startSims(1, { version: '2.1.8' });
      const m = manager();
      const conn = m.addNode(remoteSpec('n1', sims[0]!));
      await allUp(m, ['n1']);
      const client = sims[0]!.clients()[0]?.id;
      const recs = recordManager(m);
      expect(await m.updateNode(remoteSpec('n1', sims[0]!, { kind: 'guest', connectionResource: 'n1-conn', containerResource: 'vm1', managed: false } as Partial<RemoteNodeSpec>))).to.equal(true);
      await monitorCycles(m, 'n1', 3);
      expect(recs.filter((r) => r.event !== 'monitor')).to.deep.equal([]);
      expect(sims[0]!.clients().map((c) => c.id)).to.deep.equal([client]);
      expect(m.node('n1')).to.equal(conn);
      expect(conn.options).to.include({ kind: 'guest', connectionResource: 'n1-conn', containerResource: 'vm1', managed: false });
      // managed: false now decides the answer to a shutdown request (nobody listens): nack.
      m.removeAllListeners('node-shutdown-request');
      const answered = new Promise<boolean>((resolve) => sims[0]!.once('shutdown-answer', (ack: boolean) => resolve(ack)));
      await sims[0]!.requestShutdown();
      expect(await answered).to.equal(false);
    });

    it('an invalid updated spec is rejected and the running connection is kept', async () => {
      sims = await startSims(1);
      const m = manager();
      const conn = m.addNode(remoteSpec('n1', sims[0]!));
      await allUp(m, ['n1']);
      let err: unknown;
      await m.updateNode(remoteSpec('n1', sims[0]!, { port: 70_000 })).catch((e: unknown) => (err = e));
      expect(isRemoteConnError(err, ErrorCodes.INVALID_ARGUMENT), String(err)).to.equal(true);
      expect(m.node('n1')).to.equal(conn);
      expect(conn.state).to.equal('up');
      expect(sims[0]!.clientCount).to.equal(1);
    });

    it('a reconnect hold (fencing) survives an update that replaces the connection', async () => {
      sims = await startSims(2);
      const m = manager();
      m.addNode(remoteSpec('n1', sims[0]!, { reconnectIntervalMs: 200 }));
      await allUp(m, ['n1']);
      const release = m.holdReconnect('n1', 'fencing');
      await m.updateNode(remoteSpec('n1', sims[1]!, { reconnectIntervalMs: 200 }));
      await controlCycles(6); // several reconnect intervals' worth of round trips
      expect(sims[1]!.clientCount, 'the new connection connected while held').to.equal(0);
      expect(m.nodes()[0]?.holds).to.deep.equal(['fencing']);
      expect(m.node('n1')?.state).to.not.equal('up');
      release();
      await allUp(m, ['n1']);
      expect(sims[1]!.clientCount).to.equal(1);
      expect(m.nodes()[0]?.holds).to.deep.equal([]);
    });

    it('removeNode right after an update that replaces the connection: node-removed comes last', async () => {
      sims = await startSims(2);
      const m = manager();
      m.addNode(remoteSpec('n1', sims[0]!));
      await allUp(m, ['n1']);
      const recs = recordManager(m);
      const updating = m.updateNode(remoteSpec('n1', sims[1]!));
      expect(await m.removeNode('n1')).to.equal(true);
      const count = recs.length;
      expect(recs.at(-1)).to.include({ event: 'node-removed', node: 'n1' });
      // the replaced connection was up: its node-down (stopped) came before node-removed
      expect(recs.filter((r) => r.event === 'node-down').map((r) => r.data.reason)).to.deep.equal(['stopped']);
      expect(await updating).to.equal(true);
      await controlCycles(3);
      expect(recs.length).to.equal(count);
      expect(sims[0]!.clientCount + sims[1]!.clientCount).to.equal(0);
    });

    it('holdReconnect / reconnectNode: holds count separately, releases are idempotent, unknown nodes are no-ops', async () => {
      sims = await startSims(1);
      const m = manager();
      expect(() => m.holdReconnect('nobody', 'fencing')()).to.not.throw();
      expect(() => m.reconnectNode('nobody')).to.not.throw();
      m.addNode(remoteSpec('n1', sims[0]!, { reconnectIntervalMs: 60_000 }));
      await allUp(m, ['n1']);
      const r1 = m.holdReconnect('n1', 'fencing');
      const r2 = m.holdReconnect('n1', 'fencing');
      expect(m.nodes()[0]?.holds).to.deep.equal(['fencing', 'fencing']);
      r1();
      r1();
      expect(m.nodes()[0]?.holds).to.deep.equal(['fencing']);
      // lost while held: waits (60 s interval); reconnectNode cuts the wait short but the hold still applies
      sims[0]!.killConnections();
      await until(() => m.node('n1')?.state === 'waiting', 3000, 'n1 to wait');
      m.reconnectNode('n1');
      await controlCycles(3);
      expect(m.node('n1')?.state).to.equal('waiting');
      expect(sims[0]!.clientCount).to.equal(0);
      r2();
      await allUp(m, ['n1'], 5000);
      expect(m.nodes()[0]?.holds).to.deep.equal([]);
    });

    it('keeps a node started with autoStart: false stopped until it is started', async () => {
      sims = await startSims(2);
      const m = manager({ autoStart: false });
      m.addNode(remoteSpec('n1', sims[0]!));
      await controlCycles(2);
      expect(m.node('n1')?.state).to.equal('stopped');
      await m.updateNode(remoteSpec('n1', sims[1]!));
      await controlCycles(2);
      expect(m.node('n1')?.state).to.equal('stopped');
      expect(sims[1]!.clientCount).to.equal(0);
      await m.node('n1')?.start();
      expect(sims[1]!.clientCount).to.equal(1);
      // once started, an update replaces it with a started connection
      await m.updateNode(remoteSpec('n1', sims[0]!));
      await allUp(m, ['n1']);
      expect(sims[0]!.clientCount).to.equal(1);
    });
  });

  describe('sync', () => {
    it('adds, removes and updates, reporting a SyncResult', async () => {
      sims = await startSims(4);
      const [s0, s1, s2, s3] = sims as [SimulatedRemoteDaemon, SimulatedRemoteDaemon, SimulatedRemoteDaemon, SimulatedRemoteDaemon];
      const m = manager();
      expect(await m.sync([remoteSpec('a', s0), remoteSpec('b', s1), remoteSpec('c', s2)])).to.deep.equal({
        added: ['a', 'b', 'c'],
        removed: [],
        updated: [],
        unchanged: [],
      });
      await allUp(m, ['a', 'b', 'c']);
      const recs = recordManager(m);
      // a moves to s3, b goes away, c stays, d is new (on s1, which b used)
      const r = await m.sync([remoteSpec('a', s3), remoteSpec('c', s2), remoteSpec('d', s1)]);
      expect(r).to.deep.equal({ added: ['d'], removed: ['b'], updated: ['a'], unchanged: ['c'] });
      await allUp(m, ['a', 'c', 'd']);
      expect(m.nodes().map((n) => `${n.name}:${n.port}`).sort()).to.deep.equal([`a:${s3.port}`, `c:${s2.port}`, `d:${s1.port}`].sort());
      expect(recs.filter((x) => x.event === 'node-removed').map((x) => x.node)).to.deep.equal(['b']);
      expect(recs.some((x) => x.node === 'c' && x.event === 'state')).to.equal(false);
      await until(() => s0.clientCount === 0, 3000, 'the daemon a left to lose its client');
      expect([s1.clientCount, s2.clientCount, s3.clientCount]).to.deep.equal([1, 1, 1]);
    });

    it('is idempotent: a second identical sync is all unchanged and causes no reconnect', async () => {
      sims = await startSims(3);
      const m = manager();
      const specs: RemoteNodeSpec[] = [
        remoteSpec('r1', sims[0]!, { reconnectIntervalMs: 60_000, runningOn: 'node1' }),
        { name: 'g1', kind: 'guest', host: sims[1]!.host, port: sims[1]!.port, reconnectIntervalMs: 0, connectTimeoutMs: 60_000, connectionResource: 'g1', containerResource: 'vm1', runningOn: 'node1' },
        { name: 'b1-0', kind: 'guest', host: sims[2]!.host, port: sims[2]!.port, reconnectIntervalMs: 0, connectTimeoutMs: 60_000, connectionResource: 'b1-0', containerResource: 'b1-docker-0', bundle: 'b1' },
      ];
      await m.sync(specs);
      await allUp(m, ['r1', 'g1', 'b1-0']);
      const clients = sims.map((s) => s.clients().map((c) => c.id));
      const recs = recordManager(m);
      // fresh objects with the same content, as a new parseCib() would give
      const again = structuredClone(specs);
      expect(await m.sync(again)).to.deep.equal({ added: [], removed: [], updated: [], unchanged: ['r1', 'g1', 'b1-0'] });
      expect(await m.sync(again)).to.deep.equal({ added: [], removed: [], updated: [], unchanged: ['r1', 'g1', 'b1-0'] });
      await monitorCycles(m, 'r1', 3);
      expect(recs.filter((r) => r.event !== 'monitor')).to.deep.equal([]);
      expect(sims.map((s) => s.clients().map((c) => c.id))).to.deep.equal(clients);
    });

    it('accepts cib-model specs: kind, connection and container resources show in the snapshots', async () => {
      sims = await startSims(2);
      const m = manager();
      const specs: RemoteNodeSpec[] = [
        remoteSpec('r1', sims[0]!),
        { name: 'g1', kind: 'guest', host: sims[1]!.host, port: sims[1]!.port, reconnectIntervalMs: 0, connectTimeoutMs: 60_000, connectionResource: 'g1', containerResource: 'vm1', runningOn: 'node1' },
      ];
      await m.sync(specs);
      await allUp(m, ['r1', 'g1']);
      const snaps = Object.fromEntries(m.nodes().map((s) => [s.name, s]));
      expect(snaps.r1).to.include({ kind: 'remote', connectionResource: 'r1', host: sims[0]!.host, port: sims[0]!.port });
      expect(snaps.g1).to.include({ kind: 'guest', connectionResource: 'g1', containerResource: 'vm1', port: sims[1]!.port });
    });

    it('an invalid spec makes sync reject before anything changes', async () => {
      sims = await startSims(2);
      const m = manager();
      await m.sync([remoteSpec('a', sims[0]!)]);
      await allUp(m, ['a']);
      const recs = recordManager(m);
      let err: unknown;
      await m.sync([remoteSpec('b', sims[1]!), remoteSpec('c', sims[1]!, { port: 0 })]).catch((e: unknown) => (err = e));
      expect(isRemoteConnError(err, ErrorCodes.INVALID_ARGUMENT), String(err)).to.equal(true);
      expect(m.nodes().map((n) => n.name)).to.deep.equal(['a']);
      expect(m.node('a')?.state).to.equal('up');
      expect(recs.filter((r) => r.event !== 'monitor')).to.deep.equal([]);
    });

    it('duplicate names make sync reject before anything changes', async () => {
      sims = await startSims(2);
      const m = manager();
      await m.sync([remoteSpec('a', sims[0]!)]);
      let err: unknown;
      await m.sync([remoteSpec('b', sims[1]!), remoteSpec('b', sims[1]!)]).catch((e: unknown) => (err = e));
      expect(isRemoteConnError(err, ErrorCodes.INVALID_ARGUMENT), String(err)).to.equal(true);
      expect(m.nodes().map((n) => n.name)).to.deep.equal(['a']);
    });

    it('overlapping syncs (a controller syncing after each CIB change) both resolve and converge', async () => {
      sims = await startSims(2);
      const m = manager();
      await m.sync([remoteSpec('a', sims[0]!)]);
      await allUp(m, ['a']);
      // two CIB changes in a row: the first moves a, the second repeats the same configuration
      const p1 = m.sync([remoteSpec('a', sims[1]!)]);
      const p2 = m.sync([remoteSpec('a', sims[1]!)]);
      const [r1, r2] = await Promise.all([p1, p2]);
      expect(r1.updated).to.deep.equal(['a']);
      expect(r2).to.deep.equal({ added: [], removed: [], updated: [], unchanged: ['a'] });
      await allUp(m, ['a']);
      await monitorCycles(m, 'a', 3);
      expect(m.size).to.equal(1);
      expect(sims[1]!.clientCount).to.equal(1);
      expect(sims[0]!.clientCount).to.equal(0);
    });

    it('sync after close() rejects with CLOSED', async () => {
      sims = await startSims(1);
      const m = manager();
      await m.close();
      let err: unknown;
      await m.sync([remoteSpec('a', sims[0]!)]).catch((e: unknown) => (err = e));
      expect(isRemoteConnError(err, ErrorCodes.CLOSED), String(err)).to.equal(true);
      expect(m.size).to.equal(0);
      let err2: unknown;
      try {
        m.addNode(remoteSpec('a', sims[0]!));
      } catch (e) {
        err2 = e;
      }
      expect(isRemoteConnError(err2, ErrorCodes.CLOSED), String(err2)).to.equal(true);
    });
  });
});
