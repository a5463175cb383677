/**
 * The RemoteNodeConnection lifecycle conformance suite (issue 3), parametrized by daemon target. Timings
 * are scaled down (hundreds of ms instead of Pacemaker's tens of seconds) so real waits stay short.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import {
  ErrorCodes,
  RemoteNodeConnection,
  RemoteSession,
  isRemoteConnError,
  type ConnectFailedEvent,
  type NodeConnectionEvents,
  type NodeDownEvent,
  type NodeState,
  type RemoteNodeOptions,
} from '../../src/index.js';
import { freePort } from '../support/real-daemon.js';
import { runTsChild } from '../support/run-ts-child.js';
import type { DaemonTarget, TargetFactory } from './targets.js';
import type { SuiteOptions } from './session-suite.js';

type Rec = { event: string; at: number; data: Record<string, unknown> };

/** Records every event of a connection. */
export function record(conn: RemoteNodeConnection): Rec[] {
  const out: Rec[] = [];
  const names: Array<keyof NodeConnectionEvents> = ['state', 'node-up', 'connect-failed', 'node-down', 'node-reconnecting', 'takeover', 'node-shutdown-request', 'monitor'];
  for (const n of names) conn.on(n, ((d: Record<string, unknown>) => out.push({ event: n, at: Date.now(), data: d })) as never);
  return out;
}

export function nextEvent<K extends keyof NodeConnectionEvents>(conn: RemoteNodeConnection, name: K, timeoutMs = 10_000): Promise<Parameters<NodeConnectionEvents[K]>[0]> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      conn.off(name, fn as never);
      reject(new Error(`no ${name} event within ${timeoutMs} ms (state ${conn.state})`));
    }, timeoutMs);
    const fn = (e: Parameters<NodeConnectionEvents[K]>[0]) => {
      clearTimeout(t);
      resolve(e);
    };
    conn.once(name, fn as never);
  });
}

const states = (recs: Rec[]) => recs.filter((r) => r.event === 'state').map((r) => r.data.to as NodeState);

/** Defines the lifecycle suite against targets made by `factory`. */
export function defineLifecycleSuite(label: string, factory: TargetFactory, options: SuiteOptions = {}): void {
  describe(`RemoteNodeConnection lifecycle (${label})`, function () {
    this.timeout(40_000);
    let target: DaemonTarget;
    const conns: RemoteNodeConnection[] = [];
    const make = (o: Partial<RemoteNodeOptions> = {}) => {
      const c = new RemoteNodeConnection({
        name: 'rn1',
        host: target.host,
        port: target.port,
        key: target.key,
        monitorIntervalMs: 200,
        monitorTimeoutMs: 1000,
        connectTimeoutMs: 5000,
        ...o,
      });
      conns.push(c);
      return c;
    };

    before(async () => {
      target = await factory({ keyBytes: options.keyBytes ?? 256 });
    });
    after(async () => {
      await target?.dispose();
    });
    afterEach(async () => {
      await Promise.all(conns.splice(0).map((c) => c.stop()));
      // Every test leaves the daemon running.
      await target.start().catch(() => undefined);
    });

    it('starts: connecting -> up, with node-up details, then monitors with pokes', async () => {
      const c = make();
      const recs = record(c);
      await c.start();
      const up = recs.find((r) => r.event === 'node-up')?.data;
      expect(up).to.include({ node: 'rn1', attempt: 1, protocolVersion: '1.1', daemonVersion: '1.1' });
      expect(up?.rttMs).to.be.a('number');
      expect(states(recs)).to.deep.equal(['connecting', 'up']);
      await nextEvent(c, 'monitor', 3000);
      expect(c.snapshot()).to.include({ state: 'up', attempts: 1, losses: 0 });
    });

    it('a lost connection with reconnect_interval 0 goes to failed, no reconnect', async () => {
      const c = make({ reconnectIntervalMs: 0 });
      await c.start();
      const down = nextEvent(c, 'node-down');
      await target.kill();
      const d = await down;
      expect(d).to.include({ reason: 'connection-lost', willReconnect: false });
      expect(c.state).to.equal('failed');
      await target.start();
      await new Promise((r) => setTimeout(r, 700));
      expect(c.state).to.equal('failed');
      // The owner decides: reconnectNow brings it back.
      const up = nextEvent(c, 'node-up');
      c.reconnectNow();
      await up;
      expect(c.state).to.equal('up');
    });

    it('reconnect_interval: after a loss, waits the interval (not less) and comes back', async () => {
      const interval = 1500;
      const c = make({ reconnectIntervalMs: interval });
      await c.start();
      const down = nextEvent(c, 'node-down');
      await target.kill();
      const d = await down;
      expect(d.willReconnect).to.equal(true);
      expect(d.nextAttemptAt).to.be.a('number');
      expect(c.state).to.equal('waiting');
      await target.start(); // back at once: the node must still wait the interval
      const up = await nextEvent(c, 'node-up', 10_000);
      expect(up.at - d.at).to.be.at.least(interval - 50);
      expect(c.snapshot().losses).to.equal(1);
    });

    it('reconnect_interval: keeps trying after each wait while the daemon stays down', async () => {
      const interval = 400;
      const c = make({ reconnectIntervalMs: interval, connectTimeoutMs: 1000 });
      const recs = record(c);
      await c.start();
      const down = nextEvent(c, 'node-down');
      await target.kill();
      await down;
      // Three reconnect waits pass with the daemon down.
      const deadline = Date.now() + 10_000;
      while (recs.filter((r) => r.event === 'node-reconnecting').length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(recs.filter((r) => r.event === 'node-reconnecting').length).to.be.at.least(3);
      expect(recs.some((r) => r.event === 'connect-failed' && r.data.reason === 'refused')).to.equal(true);
      const up = nextEvent(c, 'node-up', 10_000);
      await target.start();
      await up;
      expect(c.state).to.equal('up');
    });

    it('detects a frozen daemon (SIGSTOP) within monitor interval + timeout', async () => {
      const c = make({ monitorIntervalMs: 300, monitorTimeoutMs: 700, reconnectIntervalMs: 0 });
      await c.start();
      const down = nextEvent(c, 'node-down', 10_000);
      const frozenAt = Date.now();
      target.pause();
      try {
        const d = await down;
        expect(d.reason).to.equal('monitor-timeout');
        expect(d.error?.code).to.equal(ErrorCodes.REQUEST_TIMEOUT);
        expect(d.at - frozenAt).to.be.at.most(300 + 700 + 500);
      } finally {
        target.resume();
      }
    });

    it('initial start: retries every second while more than 3 s of the budget remain, ignoring reconnect_interval', async () => {
      const port = await freePort();
      const c = make({ port, connectTimeoutMs: 4500, reconnectIntervalMs: 60_000 });
      const failures: ConnectFailedEvent[] = [];
      c.on('connect-failed', (e) => failures.push(e));
      const t0 = Date.now();
      let err: unknown;
      await c.start().catch((e: unknown) => (err = e));
      expect(isRemoteConnError(err, ErrorCodes.CONNECT_REFUSED)).to.equal(true);
      expect(failures.map((f) => f.willRetry)).to.deep.equal([true, true, false]);
      expect(failures.every((f) => f.reason === 'refused' && f.phase === 'tcp')).to.equal(true);
      expect(Date.now() - t0).to.be.within(1900, 4000);
      expect(c.state).to.equal('failed');
      expect(failures.some((f) => (f as unknown as NodeDownEvent).reason === ('connection-lost' as never))).to.equal(false);
    });

    it('a rejected key is a hard failure: one attempt, no retry', async () => {
      const wrong = Buffer.from(target.key);
      wrong[3] = (wrong[3] ?? 0) ^ 1;
      const c = make({ key: wrong, connectTimeoutMs: 20_000 });
      const failures: ConnectFailedEvent[] = [];
      c.on('connect-failed', (e) => failures.push(e));
      let err: unknown;
      await c.start().catch((e: unknown) => (err = e));
      expect(isRemoteConnError(err, ErrorCodes.AUTH_FAILED)).to.equal(true);
      expect(failures).to.have.length(1);
      expect(failures[0]).to.include({ reason: 'auth-failed', willRetry: false, phase: 'tls' });
    });

    it('graceful shutdown: node-shutdown-request, ack, then node-down reason shutdown (never a failure)', async () => {
      const c = make({ reconnectIntervalMs: 0 });
      const recs = record(c);
      await c.start();
      const req = nextEvent(c, 'node-shutdown-request');
      const down = nextEvent(c, 'node-down');
      await target.requestShutdown();
      const r = await req;
      expect(c.state).to.be.oneOf(['draining', 'stopped']);
      await r.ack();
      const d = await down;
      expect(d).to.include({ reason: 'shutdown', willReconnect: false });
      expect(d.error).to.equal(undefined);
      expect(c.state).to.equal('stopped');
      expect(states(recs)).to.include('draining');
      await target.waitStopped(10_000);
    });

    it('takeover: another client connecting makes us step aside, without reconnecting', async () => {
      const c = make({ reconnectIntervalMs: 300 });
      await c.start();
      const take = nextEvent(c, 'takeover');
      const down = nextEvent(c, 'node-down');
      const other = await RemoteSession.connect({ host: target.host, port: target.port, key: target.key });
      try {
        expect((await take).expected).to.equal(false);
        expect(await down).to.include({ reason: 'takeover', willReconnect: false });
        expect(c.state).to.equal('failed');
        await new Promise((r) => setTimeout(r, 600));
        expect(c.state).to.equal('failed');
      } finally {
        await other.close();
      }
    });

    it('an expected takeover (migration) stops the connection quietly', async () => {
      const c = make();
      await c.start();
      c.expectTakeover();
      const take = nextEvent(c, 'takeover');
      const other = await RemoteSession.connect({ host: target.host, port: target.port, key: target.key });
      try {
        expect((await take).expected).to.equal(true);
        await c.waitFor('stopped', { timeoutMs: 5000 });
      } finally {
        await other.close();
      }
    });

    it('holdReconnect keeps a lost node down until released', async () => {
      const c = make({ reconnectIntervalMs: 200 });
      await c.start();
      const release = c.holdReconnect('fencing');
      const down = nextEvent(c, 'node-down');
      await target.kill();
      await down;
      await target.start();
      await new Promise((r) => setTimeout(r, 1000));
      expect(c.state).to.equal('waiting');
      expect(c.snapshot().holds).to.deep.equal(['fencing']);
      const up = nextEvent(c, 'node-up', 10_000);
      release();
      await up;
    });

    it('stop(): node-down reason stopped, state stopped, and no event afterwards', async () => {
      const c = make();
      const recs = record(c);
      await c.start();
      await c.stop();
      const n = recs.length;
      expect(recs.at(-1)?.event).to.equal('node-down');
      expect(recs.at(-1)?.data.reason).to.equal('stopped');
      expect(c.state).to.equal('stopped');
      await new Promise((r) => setTimeout(r, 500));
      expect(recs.length).to.equal(n);
    });

    it('leaves nothing behind: a process that starts and stops a connection exits by itself', async () => {
      const script = join(import.meta.dirname, '../support/start-stop-child.ts');
      const { code, out } = await runTsChild(
        script,
        { ...process.env, TARGET_HOST: target.host, TARGET_PORT: String(target.port), TARGET_KEY: target.key.toString('hex') },
        15_000,
      );
      expect(code, out).to.equal(0);
      expect(out).to.include('up stopped');
    });
  });
}
