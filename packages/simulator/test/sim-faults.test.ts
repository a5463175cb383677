import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { encodeFrame } from '@pcmk-remote/remote-conn/protocol';
import { ErrorCodes } from '@pcmk-remote/remote-conn/protocol';
import { pokeRequest, serializeXml, shutdownAnswer, withTransport } from '@pcmk-remote/remote-conn/protocol';
import { SimulatedRemoteDaemon } from '../src/index.js';
import { CLIENT_CIPHERS, connectAndRegister, connectRaw, isNotify, registerXml, sleep, type RawClient } from './raw-client.js';

describe('SimulatedRemoteDaemon: faults', function () {
  this.timeout(8000);
  const key = randomBytes(128);
  let sim: SimulatedRemoteDaemon;
  const clients: RawClient[] = [];
  const connect = async (opts: { name?: string; provider?: boolean } = {}) => {
    const r = await connectAndRegister({ port: sim.port, key, ...opts });
    clients.push(r.c);
    return r.c;
  };
  const start = async (o: Partial<Parameters<typeof SimulatedRemoteDaemon.start>[0]> = {}) => {
    await sim?.stop();
    sim = await SimulatedRemoteDaemon.start({ key, noDelay: true, ...o });
  };

  beforeEach(() => start());
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await sim.stop();
  });

  it('refuse() gives ECONNREFUSED, accept() listens again on the same port', async () => {
    const c = await connect();
    sim.refuse();
    let err: NodeJS.ErrnoException | undefined;
    await connectRaw({ port: sim.port, key }).catch((e: NodeJS.ErrnoException) => (err = e));
    expect(err?.code).to.equal('ECONNREFUSED');
    expect((await c.call(pokeRequest())).attrs.lrmd_rc).to.equal('0'); // existing connection stays
    await sim.accept();
    await connect();
  });

  it('hang(true) accepts TCP but never completes TLS', async () => {
    sim.hang(true);
    let err: (Error & { code?: string }) | undefined;
    await connectRaw({ port: sim.port, key, timeoutMs: 300 }).catch((e: Error) => (err = e));
    expect(err?.code).to.equal('HANDSHAKE_TIMEOUT');
    sim.hang(false);
    await connect();
  });

  it('abandons (but, like 2.1.5, does not close) a connection whose TLS handshake does not complete in time', async () => {
    await start({ handshakeTimeoutMs: 150 });
    const failed = new Promise((r) => sim.once('handshake-failed', r));
    const sock = net.connect(sim.port, '127.0.0.1');
    sock.on('error', () => undefined);
    const t0 = Date.now();
    await failed;
    expect(Date.now() - t0).to.be.within(100, 2000);
    let closed = false;
    sock.once('close', () => (closed = true));
    await sleep(200);
    expect(closed).to.equal(false);
    // a TLS handshake started now on that connection never completes
    const late = tls.connect({ socket: sock, pskCallback: () => ({ psk: key, identity: 'lrmd' }), ciphers: CLIENT_CIPHERS, checkServerIdentity: () => undefined });
    late.on('error', () => undefined);
    let secure = false;
    late.once('secureConnect', () => (secure = true));
    await sleep(300);
    expect(secure).to.equal(false);
    late.destroy();
    // fresh connections are served normally
    clients.push(await connectRaw({ port: sim.port, key }));
  });

  it('pause() freezes the daemon (no answers, no handshakes) until resume()', async () => {
    const c = await connect();
    sim.pause();
    const id = await c.request(pokeRequest());
    expect(await c.nothing((m) => m.attrs.lrmd_remote_msg_id === String(id), 250)).to.equal(true);
    let secure = false;
    const second = connectRaw({ port: sim.port, key, timeoutMs: 3000 }).then((x) => {
      secure = true;
      clients.push(x);
      return x;
    });
    await sleep(200);
    expect(secure).to.equal(false);
    sim.resume();
    const reply = await c.reply(id);
    expect(reply.attrs.lrmd_rc).to.equal('0');
    await c.waitFor(isNotify('lrmd_rsc_poke'));
    await second;
  });

  it('pause() also stops recurring timers', async () => {
    const c = await connect();
    await c.call({ name: 'lrmd_command', attrs: { t: 'lrmd', lrmd_op: 'lrmd_rsc_register', lrmd_callopt: '0' }, children: [{ name: 'lrmd_calldata', attrs: {}, children: [{ name: 'lrmd_rsc', attrs: { lrmd_rsc_id: 'd1', lrmd_class: 'ocf', lrmd_provider: 'pacemaker', lrmd_type: 'Dummy' }, children: [] }] }] });
    const rec = await c.call({ name: 'lrmd_command', attrs: { t: 'lrmd', lrmd_op: 'lrmd_rsc_exec', lrmd_callopt: '0' }, children: [{ name: 'lrmd_calldata', attrs: {}, children: [{ name: 'lrmd_rsc', attrs: { lrmd_rsc_id: 'd1', lrmd_rsc_action: 'monitor', lrmd_rsc_interval: '40', lrmd_timeout: '1000' }, children: [] }] }] });
    await c.waitFor(isNotify('lrmd_rsc_exec', rec.attrs.lrmd_callid));
    sim.pause();
    await sleep(20);
    const before = c.received.length;
    await sleep(200);
    expect(c.received.length).to.equal(before);
    sim.resume();
    await c.waitFor(isNotify('lrmd_rsc_exec', rec.attrs.lrmd_callid));
  });

  it('setReplyDelay() slows every message, order kept', async () => {
    const c = await connect();
    sim.setReplyDelay(150);
    const t0 = Date.now();
    const id = await c.request(pokeRequest());
    const reply = await c.reply(id);
    expect(Date.now() - t0).to.be.at.least(140);
    const n = await c.waitFor(isNotify('lrmd_rsc_poke'));
    expect(c.received.indexOf(reply)).to.be.lessThan(c.received.indexOf(n));
    sim.setReplyDelay(0);
  });

  it('resetConnections() resets (ECONNRESET), killConnections() closes without an error', async () => {
    const a = await connect();
    sim.resetConnections();
    await a.closed;
    expect(a.socketError?.code).to.equal('ECONNRESET');
    const b = await connect();
    sim.killConnections();
    await b.closed;
    expect(b.socketError).to.equal(undefined);
    expect(sim.clientCount).to.equal(0);
  });

  it('sendGarbage() makes a strict client decoder fail', async () => {
    const c = await connect();
    sim.sendGarbage();
    await c.closed;
    expect((c.decodeError as { code?: string } | undefined)?.code).to.equal(ErrorCodes.FRAME_INVALID);
  });

  it('setKey() makes new handshakes fail; existing sessions keep working', async () => {
    const c = await connect();
    sim.setKey(randomBytes(128));
    let err: Error | undefined;
    await connectRaw({ port: sim.port, key }).catch((e: Error) => (err = e));
    expect(err).to.be.instanceOf(Error);
    expect((await c.call(pokeRequest())).attrs.lrmd_rc).to.equal('0');
    await connectRaw({ port: sim.port, key: sim.key as Buffer }).then((x) => clients.push(x));
  });

  it('drops a connection that sends an invalid frame', async () => {
    const c = await connect();
    const bad = Buffer.alloc(40, 0x11);
    await c.raw(bad);
    await c.closed;
  });

  it('kill() drops everything like SIGKILL; relaunch() serves again with fresh state', async () => {
    const c = await connect();
    const exited = new Promise<string>((r) => sim.once('exit', r));
    await sim.kill();
    expect(await exited).to.equal('killed');
    await c.closed;
    expect(sim.state).to.equal('exited');
    let err: NodeJS.ErrnoException | undefined;
    await connectRaw({ port: sim.port, key }).catch((e: NodeJS.ErrnoException) => (err = e));
    expect(err?.code).to.equal('ECONNREFUSED');
    await sim.relaunch();
    const { reply } = await connectAndRegister({ port: sim.port, key }).then((r) => (clients.push(r.c), r));
    expect(reply.attrs.lrmd_callid).to.equal('1');
  });

  it('restart({ downMs }) refuses during the down time, then serves on the same port', async () => {
    const c = await connect();
    const port = sim.port;
    const restarting = sim.restart({ downMs: 300 });
    await c.closed;
    await sleep(50);
    let err: NodeJS.ErrnoException | undefined;
    await connectRaw({ port, key }).catch((e: NodeJS.ErrnoException) => (err = e));
    expect(err?.code).to.equal('ECONNREFUSED');
    await restarting;
    const { reply } = await connectAndRegister({ port, key }).then((r) => (clients.push(r.c), r));
    expect(reply.attrs.lrmd_callid).to.equal('1');
  });
});

describe('SimulatedRemoteDaemon: shutdown request', function () {
  this.timeout(8000);
  const key = randomBytes(32);
  let sim: SimulatedRemoteDaemon | undefined;
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await sim?.stop();
  });
  const setup = async (version: string, extra: { shutdownFuseMs?: number } = {}) => {
    sim = await SimulatedRemoteDaemon.start({ key, version, noDelay: true, ...extra });
    const { c } = await connectAndRegister({ port: sim.port, key });
    clients.push(c);
    return { sim, c };
  };
  const isShutdownReq = (m: { name: string; attrs: Record<string, string> }) => m.name === 'lrmd_ipc_proxy' && m.attrs.lrmd_ipc_op === 'shutdown_req';

  it('2.1.5: shutdown_req to the newest provider, then close and exit within milliseconds', async () => {
    const { sim: s, c: older } = await setup('2.1.5');
    const { c: newest } = await connectAndRegister({ port: s.port, key, name: 'newest' });
    clients.push(newest);
    const t0 = Date.now();
    await s.requestShutdown();
    const req = await newest.waitFor(isShutdownReq, 1000);
    expect(req.attrs).to.deep.equal({ lrmd_ipc_op: 'shutdown_req', lrmd_ipc_session: '0', lrmd_remote_msg_id: '0', lrmd_remote_msg_type: 'notify' });
    await newest.closed;
    await older.closed;
    expect(older.received.some(isShutdownReq)).to.equal(false);
    expect(Date.now() - t0).to.be.below(500);
    expect(s.state).to.equal('exited');
    let err: NodeJS.ErrnoException | undefined;
    await connectRaw({ port: s.port, key }).catch((e: NodeJS.ErrnoException) => (err = e));
    expect(err?.code).to.equal('ECONNREFUSED');
  });

  it('without a provider the daemon just exits', async () => {
    sim = await SimulatedRemoteDaemon.start({ key, noDelay: true });
    const { c } = await connectAndRegister({ port: sim.port, key, provider: false });
    clients.push(c);
    await sim.requestShutdown();
    await c.closed;
    expect(c.received.some(isShutdownReq)).to.equal(false);
  });

  it('2.1.6: ack → waits until the provider disconnects', async () => {
    const { sim: s, c } = await setup('2.1.6', { shutdownFuseMs: 300 });
    await s.requestShutdown();
    await c.waitFor(isShutdownReq);
    const answered = new Promise<boolean>((r) => s.once('shutdown-answer', (ack) => r(ack)));
    const reply = await c.call(shutdownAnswer(true));
    expect(reply.attrs.lrmd_rc).to.equal('0');
    expect(await answered).to.equal(true);
    await sleep(500); // longer than the fuse: the ack cancelled it
    expect(c.isClosed()).to.equal(false);
    expect(s.state).to.equal('running');
    c.close();
    await s.waitExit(2000);
  });

  it('2.1.6: nack → exits at once', async () => {
    const { sim: s, c } = await setup('2.1.6');
    await s.requestShutdown();
    await c.waitFor(isShutdownReq);
    await c.request(shutdownAnswer(false));
    await c.closed;
    await s.waitExit(1000);
  });

  it('2.1.6: no answer → exits when the fuse burns', async () => {
    const { sim: s, c } = await setup('2.1.6', { shutdownFuseMs: 200 });
    const t0 = Date.now();
    await s.requestShutdown();
    await c.waitFor(isShutdownReq);
    await c.closed;
    expect(Date.now() - t0).to.be.within(150, 2000);
  });

  it('3.0.2: no fuse', async () => {
    const { sim: s, c } = await setup('3.0.2', { shutdownFuseMs: 100 });
    await s.requestShutdown();
    await c.waitFor(isShutdownReq);
    await sleep(300);
    expect(c.isClosed()).to.equal(false);
    expect(s.state).to.equal('running');
  });
});

describe('SimulatedRemoteDaemon: strict records (2.1.5 reader)', function () {
  this.timeout(8000);
  const key = randomBytes(32);
  let sim: SimulatedRemoteDaemon | undefined;
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await sim?.stop();
  });

  it('a first message with header and payload in one record gets no answer; the whole daemon stalls until that client closes', async () => {
    sim = await SimulatedRemoteDaemon.start({ key, noDelay: true });
    const { c: a } = await connectAndRegister({ port: sim.port, key, name: 'A' });
    clients.push(a);
    const b = await connectRaw({ port: sim.port, key });
    clients.push(b);
    const id = await b.request(registerXml('B'), { merged: true });
    expect(await b.nothing((m) => m.name === 'lrmd_reply', 300)).to.equal(true);
    const pokeId = await a.request(pokeRequest());
    expect(await a.nothing((m) => m.attrs.lrmd_remote_msg_id === String(pokeId), 200)).to.equal(true);
    b.close();
    const reply = await a.reply(pokeId, 2000);
    expect(reply.attrs.lrmd_rc).to.equal('0');
    void id;
  });

  it('more data from the stalled client releases it (GnuTLS hands over the held record)', async () => {
    sim = await SimulatedRemoteDaemon.start({ key, noDelay: true });
    const b = await connectRaw({ port: sim.port, key });
    clients.push(b);
    const id = await b.request(registerXml('B'), { merged: true });
    expect(await b.nothing((m) => m.name === 'lrmd_reply', 200)).to.equal(true);
    await b.raw(Buffer.from([0])); // any further record wakes the reader
    const reply = await b.reply(id);
    expect(reply.attrs.lrmd_rc).to.equal('0');
  });

  it('two messages in one record: the second is discarded', async () => {
    sim = await SimulatedRemoteDaemon.start({ key, noDelay: true });
    const { c } = await connectAndRegister({ port: sim.port, key });
    clients.push(c);
    // grow the daemon's buffer first (it keeps 2 x the largest message)
    await c.call({ name: 'lrmd_command', attrs: { t: 'lrmd', lrmd_op: 'lrmd_rsc_poke', pad: 'x'.repeat(1000) }, children: [] });
    const p1 = encodeFrame(serializeXml(withTransport(pokeRequest(), 101, 'request')), 1);
    const p2 = encodeFrame(serializeXml(withTransport(pokeRequest(), 102, 'request')), 2);
    await c.raw(Buffer.concat([p1.header, p1.payload, p2.header, p2.payload]));
    await c.reply(101);
    expect(await c.nothing((m) => m.attrs.lrmd_remote_msg_id === '102', 300)).to.equal(true);
  });

  it('strictRecords: false accepts any chunking', async () => {
    sim = await SimulatedRemoteDaemon.start({ key, noDelay: true, strictRecords: false });
    const b = await connectRaw({ port: sim.port, key });
    clients.push(b);
    const id = await b.request(registerXml('B'), { merged: true });
    await b.reply(id);
    const p1 = encodeFrame(serializeXml(withTransport(pokeRequest(), 101, 'request')), 1);
    const p2 = encodeFrame(serializeXml(withTransport(pokeRequest(), 102, 'request')), 2);
    await b.raw(Buffer.concat([p1.header, p1.payload, p2.header, p2.payload]));
    await b.reply(101);
    await b.reply(102);
  });
});
