/**
 * The same scripted exchanges against each REAL pacemaker-remoted of the version matrix (2.1.5 on the host,
 * 3.0.0 and 3.0.3 from the chroots of scripts/peers.sh) and against SimulatedRemoteDaemon impersonating the
 * same version, comparing the normalized message sequences (element names, attribute names in order,
 * values except ids/times) so the simulator cannot drift from the real thing.
 *
 * Run in its own network namespace (one real daemon per namespace):
 *   unshare -n -- bash -c 'ip link set lo up && exec node --conditions=source --import tsx scripts/run-mocha.ts packages/remote-conn/test/real/simulator-vs-real.test.ts'
 * Fails (never skips) when the daemon is not installed.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { encodeFrame } from '@pcmk-remote/remote-conn/protocol';
import {
  cancelRequest,
  execRequest,
  getRecurringRequest,
  pokeRequest,
  registerResourceRequest,
  resourceInfoRequest,
  serializeXml,
  unregisterResourceRequest,
  withTransport,
  type XmlElement,
} from '@pcmk-remote/remote-conn/protocol';
import { SimulatedRemoteDaemon } from '../../src/index.js';
import { DAEMON_VERSIONS, startRealDaemon, type DaemonVersion, type RealDaemon } from '../../../remote-conn/test/support/real-daemon.js';
import { onEachSide } from './each-side.js';
import { connectAndRegister, connectRaw, registerXml, sleep, type RawClient } from '../raw-client.js';
import { normalize, replaySession, sessionSteps, show } from '../samples.js';

/** One side of a comparison: a fresh daemon of either kind. */
interface Side {
  kind: 'real' | 'sim';
  host: string;
  port: number;
  key: Buffer;
  /** SIGTERM / requestShutdown. */
  terminate(): Promise<void>;
  /** SIGSTOP / pause. */
  pause(): void;
  /** SIGCONT / resume. */
  resume(): void;
  /** SIGKILL + start / restart. */
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

async function realSide(version: DaemonVersion): Promise<Side> {
  const d: RealDaemon = await startRealDaemon({ keyBytes: 256, version });
  return {
    kind: 'real',
    host: d.host,
    port: d.port,
    key: d.key,
    terminate: async () => d.signal('SIGTERM'),
    pause: () => d.signal('SIGSTOP'),
    resume: () => d.signal('SIGCONT'),
    restart: async () => {
      d.signal('SIGKILL');
      await d.waitExit(5000);
      await d.start();
    },
    dispose: () => d.dispose(),
  };
}

async function simSide(version: DaemonVersion): Promise<Side> {
  const key = randomBytes(256);
  const s = await SimulatedRemoteDaemon.start({ key, version });
  return {
    kind: 'sim',
    host: s.host,
    port: s.port,
    key,
    terminate: () => s.requestShutdown(),
    pause: () => s.pause(),
    resume: () => s.resume(),
    restart: () => s.restart(),
    dispose: () => s.stop(),
  };
}

/** Runs `fn` against a fresh real daemon of `version` and a fresh simulator of it; returns both results. */
async function both<T>(version: DaemonVersion, fn: (side: Side, clients: RawClient[]) => Promise<T>): Promise<{ real: T; sim: T }> {
  return onEachSide([() => realSide(version), () => simSide(version)], fn);
}

/**
 * Sends each request (waiting for its reply when `reply` is true), waits `settleMs`, and returns every
 * message received during each step, normalized.
 */
async function script(c: RawClient, steps: Array<{ req: XmlElement; settleMs?: number; silent?: boolean }>): Promise<string[][]> {
  const out: string[][] = [];
  for (const s of steps) {
    const before = c.received.length;
    const id = await c.request(s.req);
    // 3.0.2+ answer a rejected register or an unknown op with nothing at all: `silent` steps may get no reply.
    let answered = true;
    await c.reply(id, s.silent ? 1000 : 5000).catch((err: unknown) => {
      if (!s.silent) throw err;
      answered = false;
    });
    await sleep(s.settleMs ?? 300);
    out.push([...c.received.slice(before).map((m) => show(normalize(m))), ...(answered ? [] : ['(no reply)'])]);
  }
  return out;
}

for (const version of DAEMON_VERSIONS) describe(`simulator ${version} vs real pacemaker-remoted ${version}`, function () {
  this.timeout(60_000);
  const silentRejects = version === '3.0.3';
  const v215 = version === '2.1.5';

  it(`${version}: replays the captured session identically (every reply and notify, order)`, async () => {
    const steps = sessionSteps();
    const r = await both(version, async (side, clients) => {
      const c = await connectRaw({ host: side.host, port: side.port, key: side.key });
      clients.push(c);
      const results = await replaySession(c, steps, 4000, { silentUnknownOps: silentRejects });
      return results.map((x) => ({
        name: x.name,
        reply: x.reply ? show(normalize(x.reply)) : undefined,
        notifies: x.notifies.map((n) => show(normalize(n))),
        replyFirst: x.replyFirst,
      }));
    });
    expect(r.sim).to.deep.equal(r.real);
    expect(r.real.length).to.be.greaterThan(15);
  });

  it(`${version}: resource life cycle: stop cancels recurring ops, duplicate recurring merge, unregister with ops`, async () => {
    const rid = `cmp${randomBytes(4).toString('hex')}`;
    const ex = (action: string, extra: Partial<Parameters<typeof execRequest>[0]> = {}) =>
      execRequest({ resource: rid, action, timeoutMs: 20000, callOptions: 0, userData: `u-${action}`, ...extra });
    const r = await both(version, async (side, clients) => {
      const { c } = await connectAndRegister({ host: side.host, port: side.port, key: side.key, name: 'cmp' });
      clients.push(c);
      return script(c, [
        { req: registerResourceRequest({ id: rid, standard: 'ocf', provider: 'pacemaker', type: 'Dummy' }, 0) },
        { req: resourceInfoRequest(rid) },
        { req: ex('monitor') }, // probe: not running
        { req: ex('start') },
        { req: ex('monitor', { intervalMs: 2000, userData: 'rec-a' }) },
        { req: ex('monitor', { intervalMs: 2000, userData: 'rec-b' }) }, // merged, takes the new call id
        { req: getRecurringRequest(rid) },
        { req: cancelRequest(rid, 'monitor', 4000) }, // no such op: -95
        { req: ex('stop') }, // cancels rec-b first
        { req: ex('monitor', { intervalMs: 2000, userData: 'rec-c' }) },
        { req: unregisterResourceRequest(rid), settleMs: 400 }, // cancels rec-c with rsc_deleted=1
        { req: getRecurringRequest() },
        { req: pokeRequest() },
      ]);
    });
    expect(r.sim).to.deep.equal(r.real);
  });

  it(`${version}: a second client: new_client to the first, notifies broadcast, nameless clients get none`, async () => {
    const r = await both(version, async (side, clients) => {
      const { c: a } = await connectAndRegister({ host: side.host, port: side.port, key: side.key, name: 'A' });
      clients.push(a);
      const nameless = await connectRaw({ host: side.host, port: side.port, key: side.key });
      clients.push(nameless);
      await sleep(200);
      const { c: b } = await connectAndRegister({ host: side.host, port: side.port, key: side.key, name: 'B' });
      clients.push(b);
      await sleep(200);
      const poke = await a.call(pokeRequest());
      await sleep(300);
      return {
        a: a.received.map((m) => show(normalize(m))),
        b: b.received.map((m) => show(normalize(m))),
        nameless: nameless.received.length,
        pokeRc: poke.attrs.lrmd_rc,
      };
    });
    expect(r.sim).to.deep.equal(r.real);
    expect(r.real.a.filter((x) => x.includes('lrmd_rsc_new_client'))).to.have.length(2);
  });

  it(`${version}: SIGTERM with a provider: shutdown_req to the newest provider, then the connection closes within ms`, async () => {
    const r = await both(version, async (side, clients) => {
      const { c: old } = await connectAndRegister({ host: side.host, port: side.port, key: side.key, name: 'old' });
      clients.push(old);
      const { c: newest } = await connectAndRegister({ host: side.host, port: side.port, key: side.key, name: 'newest' });
      clients.push(newest);
      await sleep(200);
      const before = { old: old.received.length, newest: newest.received.length };
      const t0 = Date.now();
      await side.terminate();
      await Promise.race([Promise.all([old.closed, newest.closed]), sleep(3000)]);
      const closeMs = Date.now() - t0;
      let refused = false;
      await connectRaw({ host: side.host, port: side.port, key: side.key, timeoutMs: 1000 }).then(
        (x) => x.close(),
        (e: NodeJS.ErrnoException) => (refused = e.code === 'ECONNREFUSED'),
      );
      return {
        old: old.received.slice(before.old).map((m) => show(normalize(m))),
        newest: newest.received.slice(before.newest).map((m) => show(normalize(m))),
        closed: old.isClosed() && newest.isClosed(),
        fast: closeMs < 1000,
        refused,
      };
    });
    expect(r.sim).to.deep.equal(r.real);
    expect(r.real.newest).to.have.length(1);
  });

  it(`${version}: record discipline: a merged first message waits (2.1.5: stalls the daemon); two messages in one record lose the second (3.0.2+: both)`, async () => {
    const r = await both(version, async (side, clients) => {
      const { c: a } = await connectAndRegister({ host: side.host, port: side.port, key: side.key, name: 'A' });
      clients.push(a);
      const b = await connectRaw({ host: side.host, port: side.port, key: side.key });
      clients.push(b);
      await b.request(registerXml('B'), { merged: true });
      const bNoReply = await b.nothing((m) => m.name === 'lrmd_reply', 600);
      const pokeId = await a.request(pokeRequest());
      const aStalled = await a.nothing((m) => m.attrs.lrmd_remote_msg_id === String(pokeId), 600);
      b.close();
      // 3.0 reads one record per event and is not stalled: the reply is already in.
      const early = a.received.find((m) => m.name === 'lrmd_reply' && m.attrs.lrmd_remote_msg_id === String(pokeId));
      const aAfter = (early ?? (await a.reply(pokeId, 5000))).attrs.lrmd_rc;
      await a.call({ name: 'lrmd_command', attrs: { t: 'lrmd', lrmd_op: 'lrmd_rsc_poke', pad: 'x'.repeat(1000) }, children: [] });
      const p1 = encodeFrame(serializeXml(withTransport(pokeRequest(), 101, 'request')), 1);
      const p2 = encodeFrame(serializeXml(withTransport(pokeRequest(), 102, 'request')), 2);
      await a.raw(Buffer.concat([p1.header, p1.payload, p2.header, p2.payload]));
      const first = await a.reply(101, 3000).then((m) => m.attrs.lrmd_rc, () => 'lost');
      const secondLost = await a.nothing((m) => m.attrs.lrmd_remote_msg_id === '102', 600);
      return { bNoReply, aStalled, aAfter, first, secondLost };
    });
    expect(r.sim).to.deep.equal(r.real);
    // 2.1.5's blocking reader stalls everybody behind the merged message; 3.0's stalls only its sender.
    // 3.0.2+ also drop the first message: the byte after it in the buffer is not NUL ("Unrecognizable IPC data").
    expect(r.real).to.deep.equal({ bNoReply: true, aStalled: v215, aAfter: '0', first: silentRejects ? 'lost' : '0', secondLost: true });
  });

  it(`${version}: edge cases: missing ids, unknown resources, too old protocol, requests before register`, async () => {
    const cmd = (op: string, rsc?: Record<string, string>, callopt = '0'): XmlElement => ({
      name: 'lrmd_command',
      attrs: { t: 'lrmd', lrmd_op: op, lrmd_timeout: '0', lrmd_callopt: callopt },
      children: rsc ? [{ name: 'lrmd_calldata', attrs: {}, children: [{ name: 'lrmd_rsc', attrs: rsc, children: [] }] }] : [],
    });
    const r = await both(version, async (side, clients) => {
      const c = await connectRaw({ host: side.host, port: side.port, key: side.key });
      clients.push(c);
      const early = await script(c, [{ req: pokeRequest(), settleMs: 150 }]); // before register: served, no notify (no name)
      const old = await script(c, [{ req: registerXml('old', false, '0.9'), settleMs: 50, silent: silentRejects }]);
      const rest = await script(c, [
        { req: registerXml('again', false, '1.1'), settleMs: 50, silent: silentRejects },
        { req: cmd('lrmd_rsc_exec', { lrmd_rsc_action: 'monitor', lrmd_rsc_interval: '0', lrmd_timeout: '1000' }), settleMs: 50, silent: silentRejects },
        { req: cmd('lrmd_rsc_cancel', { lrmd_rsc_id: 'nope', lrmd_rsc_action: 'monitor', lrmd_rsc_interval: '0' }), settleMs: 50, silent: silentRejects },
        { req: cmd('lrmd_rsc_cancel', { lrmd_rsc_id: 'nope' }), settleMs: 50, silent: silentRejects },
        { req: cmd('lrmd_rsc_info'), settleMs: 50, silent: silentRejects },
        { req: cmd('lrmd_rsc_unregister', {}), settleMs: 50, silent: silentRejects },
        { req: cmd('lrmd_get_recurring', { lrmd_rsc_id: 'nope' }), settleMs: 50, silent: silentRejects },
        { req: cmd('lrmd_alert_exec'), settleMs: 50, silent: silentRejects },
        { req: cmd('lrmd_rsc_metadata'), settleMs: 50, silent: silentRejects },
      ]);
      return [...early, ...old, ...rest];
    });
    if (process.env.SIM_VS_REAL_DUMP) process.stderr.write(`${JSON.stringify(r.real, null, 1)}\n`);
    expect(r.sim).to.deep.equal(r.real);
    // 2.1.5-3.0.1 reject a too old client with rc -71; 3.0.2+ send nothing.
    if (silentRejects) expect(r.real[1]).to.deep.equal(['(no reply)']);
    else expect(r.real[1]?.[0]).to.include('lrmd_rc=-71');
  });

  it(`${version}: queued and in-flight ops at unregister (op_sleep): -115, cancelled queued op, late result with rsc_deleted=1`, async () => {
    const rid = `cmp${randomBytes(4).toString('hex')}`;
    const r = await both(version, async (side, clients) => {
      const { c } = await connectAndRegister({ host: side.host, port: side.port, key: side.key, name: 'cmp' });
      clients.push(c);
      const ex = (action: string) =>
        execRequest({ resource: rid, action, timeoutMs: 20000, callOptions: 0, params: { op_sleep: 1 } });
      return script(c, [
        { req: registerResourceRequest({ id: rid, standard: 'ocf', provider: 'pacemaker', type: 'Dummy' }, 0), settleMs: 50 },
        { req: ex('start'), settleMs: 50 },
        { req: ex('monitor'), settleMs: 50 }, // queued behind start
        { req: unregisterResourceRequest(rid), settleMs: 2000 },
        { req: registerResourceRequest({ id: rid, standard: 'ocf', provider: 'pacemaker', type: 'Dummy' }, 0), settleMs: 50 },
        { req: ex('stop'), settleMs: 1500 },
      ]);
    });
    if (process.env.SIM_VS_REAL_DUMP) process.stderr.write(`${JSON.stringify(r.real, null, 1)}\n`);
    expect(r.sim).to.deep.equal(r.real);
    const unreg = (r.real[3] ?? []).join('\n');
    expect(unreg).to.include('lrmd_rc=-115');
    expect(unreg).to.match(/lrmd_exec_op_status=1 .*lrmd_rsc_deleted=1 .*lrmd_rsc_action=monitor/);
    expect(unreg).to.match(/lrmd_exec_rc=0 lrmd_exec_op_status=0 .*lrmd_rsc_deleted=1 .*lrmd_rsc_action=start/);
  });

  it(`${version}: recurring ops: callopt 4 notifies changes only; drop-recurring when the last client leaves`, async () => {
    const rid = `cmp${randomBytes(4).toString('hex')}`;
    const keep = `${rid}k`;
    const r = await both(version, async (side, clients) => {
      const { c } = await connectAndRegister({ host: side.host, port: side.port, key: side.key, name: 'cmp' });
      clients.push(c);
      const ex = (id: string, action: string, interval = 0, callOptions = 0) =>
        execRequest({ resource: id, action, intervalMs: interval, timeoutMs: 20000, callOptions });
      const first = await script(c, [
        { req: registerResourceRequest({ id: rid, standard: 'ocf', provider: 'pacemaker', type: 'Dummy' }, 3), settleMs: 50 },
        { req: registerResourceRequest({ id: keep, standard: 'ocf', provider: 'pacemaker', type: 'Dummy' }, 0), settleMs: 50 },
        { req: ex(rid, 'monitor', 1000, 4), settleMs: 2600 }, // rc 7 every second: notified once
        { req: ex(keep, 'monitor', 5000, 0), settleMs: 1000 }, // its first run's notify, even on a loaded machine (next run: 5 s later)
      ]);
      c.close();
      await c.closed;
      await sleep(300);
      const { c: c2 } = await connectAndRegister({ host: side.host, port: side.port, key: side.key, name: 'cmp2' });
      clients.push(c2);
      const second = await script(c2, [
        { req: getRecurringRequest(rid), settleMs: 50 },
        { req: getRecurringRequest(keep), settleMs: 50 },
        { req: cancelRequest(keep, 'monitor', 5000), settleMs: 100 },
        { req: unregisterResourceRequest(rid), settleMs: 50 },
        { req: unregisterResourceRequest(keep), settleMs: 50 },
      ]);
      return [...first, ...second];
    });
    if (process.env.SIM_VS_REAL_DUMP) process.stderr.write(`${JSON.stringify(r.real, null, 1)}\n`);
    expect(r.sim).to.deep.equal(r.real);
    expect(r.real[2]?.filter((m) => m.includes('lrmd_rsc_exec'))).to.have.length(1); // callopt 4
    expect(r.real[4]?.[0]).to.not.include('lrmd_rsc_op'); // dropped when the last client left
    expect(r.real[5]?.[0]).to.include('lrmd_rsc_op');
  });

  it(`${version}: SIGTERM without a provider: the connection just closes`, async () => {
    const r = await both(version, async (side, clients) => {
      const { c } = await connectAndRegister({ host: side.host, port: side.port, key: side.key, name: 'plain', provider: false });
      clients.push(c);
      const before = c.received.length;
      await side.terminate();
      await Promise.race([c.closed, sleep(3000)]);
      return { closed: c.isClosed(), messages: c.received.slice(before).map((m) => show(normalize(m))) };
    });
    expect(r.sim).to.deep.equal(r.real);
    expect(r.real).to.deep.equal({ closed: true, messages: [] });
  });

  it(`${version}: pause (SIGSTOP) holds answers and handshakes until resume; restart resets call ids and resources`, async () => {
    const r = await both(version, async (side, clients) => {
      const { c } = await connectAndRegister({ host: side.host, port: side.port, key: side.key, name: 'p' });
      clients.push(c);
      await c.call(registerResourceRequest({ id: 'px', standard: 'ocf', provider: 'pacemaker', type: 'Dummy' }, 0));
      side.pause();
      const id = await c.request(pokeRequest());
      const heldAnswer = await c.nothing((m) => m.attrs.lrmd_remote_msg_id === String(id), 400);
      let handshook = false;
      const late = connectRaw({ host: side.host, port: side.port, key: side.key, timeoutMs: 5000 }).then((x) => {
        handshook = true;
        clients.push(x);
      });
      await sleep(400);
      const heldHandshake = !handshook;
      side.resume();
      const reply = (await c.reply(id, 3000)).attrs.lrmd_rc;
      await late;
      await side.restart();
      await Promise.race([c.closed, sleep(3000)]);
      const { c: c2, reply: reg } = await connectAndRegister({ host: side.host, port: side.port, key: side.key, name: 'p2' });
      clients.push(c2);
      const info = (await c2.call(resourceInfoRequest('px'))).attrs.lrmd_rc;
      return { heldAnswer, heldHandshake, reply, oldClosed: c.isClosed(), registerCallId: reg.attrs.lrmd_callid, info };
    });
    expect(r.sim).to.deep.equal(r.real);
    expect(r.real).to.deep.equal({ heldAnswer: true, heldHandshake: true, reply: '0', oldClosed: true, registerCallId: '1', info: '-19' });
  });

  it(`${version}: wrong key: the client sees the same error (plaintext close_notify, then close) on TLS 1.2 and 1.3`, async () => {
    const r = await both(version, async (side) => {
      const seen: string[] = [];
      for (const [ciphers, maxVersion] of [
        ['PSK-AES256-GCM-SHA384', 'TLSv1.2'],
        ['DHE-PSK-AES128-GCM-SHA256', 'TLSv1.2'],
        ['TLS_AES_128_GCM_SHA256', 'TLSv1.3'],
      ] as const) {
        await connectRaw({ host: side.host, port: side.port, key: randomBytes(256), ciphers, maxVersion, timeoutMs: 3000 }).then(
          (x) => {
            seen.push('connected');
            x.close();
          },
          (e: NodeJS.ErrnoException) => seen.push(`${e.code}: ${e.message}`),
        );
      }
      // the right key still works afterwards
      const ok = await connectRaw({ host: side.host, port: side.port, key: side.key });
      ok.close();
      return seen;
    });
    expect(r.sim).to.deep.equal(r.real);
    expect(r.real[0]).to.match(/^ECONNRESET/);
  });
});
