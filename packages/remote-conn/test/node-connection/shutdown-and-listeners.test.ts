/**
 * RemoteNodeConnection: after an ack the connection leaves (2.1.6+ daemons wait for their providers to
 * disconnect, as Pacemaker's controller does when it stops the connection resource), and a listener that
 * throws does not break the connection's state machine.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { RemoteNodeConnection } from '../../src/index.js';
import { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';

const key = randomBytes(32);

describe('RemoteNodeConnection: shutdown ack and throwing listeners', function () {
  this.timeout(30_000);

  it('2.1.6+: after ack the daemon waits for its clients to leave; the node must not stay draining forever', async () => {
    const sim = await SimulatedRemoteDaemon.start({ key, version: '2.1.8' });
    const c = new RemoteNodeConnection({ name: 'n1', host: sim.host, port: sim.port, key, monitorIntervalMs: 100 });
    try {
      await c.start();
      const down = new Promise<string>((resolve) => c.once('node-down', (e) => resolve(e.reason)));
      c.on('node-shutdown-request', (e) => void e.ack()); // resources moved away: let it stop
      await sim.requestShutdown();
      const r = await Promise.race([down, new Promise((r) => setTimeout(() => r(`still ${c.state} after 5 s`), 5000))]);
      expect(r).to.equal('shutdown');
    } finally {
      await c.stop();
      await sim.stop();
    }
  });

  it('a listener that throws does not break the connection (up, monitored); the exception surfaces on the next tick', async () => {
    const sim = await SimulatedRemoteDaemon.start({ key });
    const c = new RemoteNodeConnection({ name: 'n1', host: sim.host, port: sim.port, key, monitorIntervalMs: 50 });
    let monitors = 0;
    c.on('monitor', () => monitors++);
    c.once('node-up', () => {
      throw new Error('listener bug');
    });
    // The exception is not swallowed: it is re-thrown on the next tick (mocha would report it as a failure).
    const uncaught: unknown[] = [];
    const listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', (e) => uncaught.push(e));
    try {
      await c.start().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 50));
      process.removeAllListeners('uncaughtException');
      for (const l of listeners) process.on('uncaughtException', l);
      expect(uncaught.map((e) => (e as Error).message)).to.deep.equal(['listener bug']);
      await new Promise((r) => setTimeout(r, 500));
      expect({ state: c.state, clients: sim.clientCount, monitors: monitors > 0 }).to.deep.equal({ state: 'up', clients: 1, monitors: true });
    } finally {
      if (process.listeners('uncaughtException').length !== listeners.length) {
        process.removeAllListeners('uncaughtException');
        for (const l of listeners) process.on('uncaughtException', l);
      }
      await c.stop();
      await sim.stop();
    }
  });
});
