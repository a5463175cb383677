/**
 * SimulatedRemoteFarm: many simulated nodes in one process, with per-node faults, per-node agents and
 * the event stream of what each node was asked.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { execRequest, registerResourceRequest } from '@pcmk-remote/remote-conn/protocol';
import { SimulatedRemoteFarm, type FarmRequestEvent } from '../src/index.js';
import { connectAndRegister, connectRaw, sleep, type RawClient } from './raw-client.js';

const key = randomBytes(256);

function refused(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

describe('SimulatedRemoteFarm', function () {
  this.timeout(20_000);
  let farm: SimulatedRemoteFarm | undefined;
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await farm?.stop();
    farm = undefined;
  });

  it('starts N nodes named <prefix><i> on consecutive ports, each serving the key', async () => {
    const probe = await SimulatedRemoteFarm.start({ nodes: 1, key });
    const base = probe.nodes[0]!.port; // a port that was free
    await probe.stop();
    farm = await SimulatedRemoteFarm.start({ nodes: 4, key, basePort: base, prefix: 'n' });
    expect(farm.nodes.map((n) => [n.name, n.port])).to.deep.equal([0, 1, 2, 3].map((i) => [`n${i + 1}`, base + i]));
    for (const n of farm.nodes) {
      const { reply, c } = await connectAndRegister({ port: n.port, key, name: 'crmd' });
      clients.push(c);
      expect(reply.attrs.lrmd_rc).to.equal('0');
    }
    await sleep(50);
    expect(farm.status()).to.include({ nodes: 4, up: 4, connected: 4, probed: 0, running: 0 });
    expect(farm.stateOf('n2')).to.equal('connected');
  });

  it('reports what the cluster asked each node (request events, probes, running resources) and a table', async () => {
    farm = await SimulatedRemoteFarm.start({ nodes: 2, key });
    const asked: FarmRequestEvent[] = [];
    farm.on('request', (e) => asked.push(e));
    const node = farm.node('sim2');
    const { c } = await connectAndRegister({ port: node.port, key, name: 'crmd' });
    clients.push(c);
    await c.call(registerResourceRequest({ id: 'd1', standard: 'ocf', provider: 'pacemaker', type: 'Dummy' }, 0));
    await c.call(execRequest({ resource: 'd1', action: 'monitor', timeoutMs: 20_000 }));
    await c.call(execRequest({ resource: 'd1', action: 'start', timeoutMs: 20_000 }));
    await sleep(200);
    expect(asked.map((e) => [e.node, e.op, e.resource, e.action, e.intervalMs])).to.deep.equal([
      ['sim2', 'register', undefined, undefined, undefined],
      ['sim2', 'lrmd_rsc_register', 'd1', undefined, undefined],
      ['sim2', 'lrmd_rsc_exec', 'd1', 'monitor', 0],
      ['sim2', 'lrmd_rsc_exec', 'd1', 'start', 0],
    ]);
    expect(asked[0]?.client).to.equal('crmd');
    expect(farm.status()).to.include({ connected: 1, probed: 1, running: 1, requests: 4 });
    const rows = farm.table();
    expect(rows.map((r) => [r.name, r.state, r.resources, r.running, r.probes])).to.deep.equal([
      ['sim1', 'listening', 0, 0, 0],
      ['sim2', 'connected', 1, 1, 1],
    ]);
  });

  it('per-node faults: kill + relaunch, freeze + thaw, graceful stop, wrong key, restart', async () => {
    farm = await SimulatedRemoteFarm.start({ nodes: 3, key });
    const exits: string[] = [];
    const failures: string[] = [];
    farm.on('exit', (n, reason) => exits.push(`${n}:${reason}`));
    farm.on('handshake-failed', (n) => failures.push(n));
    const [a, b, c] = farm.nodes as [NonNullable<typeof farm.nodes[0]>, NonNullable<typeof farm.nodes[0]>, NonNullable<typeof farm.nodes[0]>];

    const { c: ca } = await connectAndRegister({ port: a.port, key });
    clients.push(ca);
    await farm.kill('sim1');
    await ca.closed;
    expect(farm.stateOf('sim1')).to.equal('stopped');
    expect(await refused(a.port)).to.equal(true);
    await farm.relaunch('sim1');
    expect(farm.stateOf('sim1')).to.equal('listening');

    const { c: cb } = await connectAndRegister({ port: b.port, key });
    clients.push(cb);
    farm.freeze('sim2');
    expect(farm.stateOf('sim2')).to.equal('frozen');
    const id = await cb.request(registerResourceRequest({ id: 'x', standard: 'ocf', provider: 'pacemaker', type: 'Dummy' }, 0));
    expect(await cb.nothing((m) => m.attrs.lrmd_op === 'lrmd_rsc_register', 300)).to.equal(true);
    farm.thaw('sim2');
    await cb.reply(id, 2000);

    const { c: cc } = await connectAndRegister({ port: c.port, key });
    clients.push(cc);
    await farm.gracefulStop('sim3');
    await cc.closed;
    expect(cc.received.some((m) => m.attrs.lrmd_ipc_op === 'shutdown_req')).to.equal(true);
    expect(farm.stateOf('sim3')).to.equal('stopped');

    farm.wrongKey('sim1');
    await connectRaw({ port: a.port, key, timeoutMs: 2000 }).then(
      (x) => {
        x.close();
        expect.fail('a handshake with the wrong key succeeded');
      },
      () => undefined,
    );
    await sleep(50);
    expect(failures).to.include('sim1');
    farm.wrongKey('sim1', false);
    clients.push(await connectRaw({ port: a.port, key }));

    await farm.restart('sim2', { downMs: 50 });
    expect(farm.stateOf('sim2')).to.equal('listening');
    expect(exits).to.include.members(['sim1:killed', 'sim2:killed']);
    expect(exits.some((e) => e.startsWith('sim3:shutdown'))).to.equal(true);
  });

  it('per-node agents through setup', async () => {
    farm = await SimulatedRemoteFarm.start({
      nodes: 2,
      key,
      setup: (n) => {
        if (n.name === 'sim2') n.daemon.agents.set('ocf:pacemaker:Dummy', { '*': { rc: 5 } });
      },
    });
    const rcOf = async (port: number) => {
      const { c } = await connectAndRegister({ port, key });
      clients.push(c);
      await c.call(registerResourceRequest({ id: 'd', standard: 'ocf', provider: 'pacemaker', type: 'Dummy' }, 0));
      const r = await c.call(execRequest({ resource: 'd', action: 'start', timeoutMs: 20_000, callOptions: 0 }));
      const done = await c.waitFor((m) => m.attrs.lrmd_op === 'lrmd_rsc_exec' && m.attrs.lrmd_callid === r.attrs.lrmd_callid, 3000);
      return done.attrs.lrmd_exec_rc;
    };
    expect(await rcOf(farm.node('sim1').port)).to.equal('0');
    expect(await rcOf(farm.node('sim2').port)).to.equal('5');
  });

  it('validates its options, and a port in use fails the start with every node stopped', async () => {
    for (const bad of [{ nodes: 0, key }, { nodes: 1.5, key }, { nodes: 2, key: 'k' as unknown as Buffer }, { nodes: 2, key, basePort: 65535 }, { nodes: 1, key, prefix: '1x' }]) {
      let err: unknown;
      await SimulatedRemoteFarm.start(bad).catch((e: unknown) => (err = e));
      expect(err, JSON.stringify(bad)).to.have.property('code', 'PCMK_REMOTE_INVALID_ARGUMENT');
    }
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      let err: Error | undefined;
      await SimulatedRemoteFarm.start({ nodes: 3, key, basePort: port - 1 }).catch((e: Error) => (err = e));
      expect(err?.message).to.match(/cannot listen/);
      expect(await refused(port - 1)).to.equal(true);
    } finally {
      blocker.close();
    }
  });
});
