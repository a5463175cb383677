/**
 * `await using` on the objects that own sockets and timers: a session, a node connection, the manager and
 * the simulated daemon clean up when their scope ends, in reverse order of declaration.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ConnectionManager, RemoteNodeConnection, RemoteSession } from '@pcmk-remote/remote-conn';
import { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';

const key = randomBytes(32);

describe('Symbol.asyncDispose (await using)', function () {
  this.timeout(20_000);

  it('a session closes and the simulator stops when the block ends', async () => {
    let sim: SimulatedRemoteDaemon | undefined;
    let session: RemoteSession | undefined;
    {
      await using s = await SimulatedRemoteDaemon.start({ key });
      await using c = await RemoteSession.connect({ host: s.host, port: s.port, key });
      await c.poke();
      sim = s;
      session = c;
      expect(session.closed).to.equal(false);
    }
    expect(session.closed).to.equal(true);
    expect(sim.state).to.equal('disposed');
  });

  it('a node connection stops and a manager closes when the block ends', async () => {
    await using sim = await SimulatedRemoteDaemon.start({ key });
    let conn: RemoteNodeConnection | undefined;
    let manager: ConnectionManager | undefined;
    {
      await using c = new RemoteNodeConnection({ name: 'n1', host: sim.host, port: sim.port, key });
      await using m = new ConnectionManager({ defaults: { key } });
      m.addNode({ name: 'n2', host: sim.host, port: sim.port });
      await c.start();
      await new Promise<void>((resolve) => (m.nodes()[0]?.state === 'up' ? resolve() : m.once('node-up', () => resolve())));
      conn = c;
      manager = m;
      expect(conn.state).to.equal('up');
    }
    expect(conn.state).to.equal('stopped');
    expect(manager.size).to.equal(0);
  });
});
