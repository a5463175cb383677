import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import {
  alertExecRequest,
  cancelRequest,
  checkRequest,
  command,
  el,
  execRequest,
  getRecurringRequest,
  pokeRequest,
  registerResourceRequest,
  resourceInfoRequest,
  unregisterResourceRequest,
  type XmlElement,
} from '@pcmk-remote/remote-conn/protocol';
import { SimulatedRemoteDaemon } from '../src/index.js';
import { attrNames, connectAndRegister, connectRaw, isNotify, registerXml, sleep, type RawClient } from './raw-client.js';

const dummy = (id = 'd1', callOpts = 0) => registerResourceRequest({ id, standard: 'ocf', provider: 'pacemaker', type: 'Dummy' }, callOpts);
const exec = (action: string, extra: Partial<Parameters<typeof execRequest>[0]> = {}) =>
  execRequest({ resource: 'd1', action, timeoutMs: 20000, callOptions: 0, ...extra });

describe('SimulatedRemoteDaemon: protocol (2.1.5)', function () {
  this.timeout(8000);
  const key = randomBytes(256);
  let sim: SimulatedRemoteDaemon;
  const clients: RawClient[] = [];
  const connect = async (name = 'sim-test', provider = true) => {
    const r = await connectAndRegister({ port: sim.port, key, name, provider });
    clients.push(r.c);
    return r;
  };

  beforeEach(async () => {
    // instant agents: these tests check message order, not agent run time (see the fidelity suite)
    sim = await SimulatedRemoteDaemon.start({ key, version: '2.1.5', agentRunTimeMs: 0 });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await sim.stop();
  });

  it('answers register like 2.1.5 (attribute order, protocol 1.1, no uptime)', async () => {
    const { reply } = await connect();
    expect(reply.name).to.equal('lrmd_reply');
    expect(attrNames(reply)).to.deep.equal([
      'lrmd_origin', 'lrmd_rc', 'lrmd_callid', 'lrmd_op', 'lrmd_clientid', 'lrmd_protocol_version', 'lrmd_remote_msg_id', 'lrmd_remote_msg_type',
    ]);
    expect(reply.attrs).to.include({ lrmd_origin: 'process_lrmd_signon', lrmd_rc: '0', lrmd_callid: '1', lrmd_op: 'register', lrmd_protocol_version: '1.1', lrmd_remote_msg_id: '1', lrmd_remote_msg_type: 'reply' });
    expect(reply.attrs.lrmd_clientid).to.match(/^[0-9a-f-]{36}$/);
    expect(sim.clients()[0]?.name).to.equal('sim-test');
  });

  it('rejects a too old client protocol with rc -71 and keeps the connection', async () => {
    const c = await connectRaw({ port: sim.port, key });
    clients.push(c);
    const reply = await c.call(registerXml('old', false, '0.9'));
    expect(reply.attrs.lrmd_rc).to.equal('-71');
    const poke = await c.call(pokeRequest());
    expect(poke.attrs.lrmd_rc).to.equal('0');
  });

  it('pokes: reply before the notify, same call id; every request counts (register, lrmd_check)', async () => {
    const { c } = await connect();
    const id = await c.request(pokeRequest());
    const reply = await c.reply(id);
    const notify = await c.waitFor(isNotify('lrmd_rsc_poke'));
    expect(c.received.indexOf(reply)).to.be.lessThan(c.received.indexOf(notify));
    expect(reply.attrs.lrmd_callid).to.equal('2');
    expect(notify.attrs).to.deep.equal({
      lrmd_origin: 'send_generic_notify', lrmd_rc: '0', lrmd_callid: '2', lrmd_op: 'lrmd_rsc_poke', lrmd_remote_msg_id: '0', lrmd_remote_msg_type: 'notify',
    });
    const checkId = await c.request(checkRequest());
    expect(await c.nothing((m) => m.attrs.lrmd_remote_msg_id === String(checkId), 150)).to.equal(true);
    const again = await c.call(pokeRequest());
    expect(again.attrs.lrmd_callid).to.equal('4');
    expect(sim.lastCallId).to.equal(4);
  });

  it('registers, describes and unregisters resources', async () => {
    const { c } = await connect();
    const reg = await c.call(dummy());
    expect(reg.attrs).to.include({ lrmd_origin: 'process_lrmd_message', lrmd_rc: '0' });
    const n = await c.waitFor(isNotify('lrmd_rsc_register'));
    expect(attrNames(n)).to.deep.equal(['lrmd_origin', 'lrmd_rc', 'lrmd_callid', 'lrmd_op', 'lrmd_rsc_id', 'lrmd_remote_msg_id', 'lrmd_remote_msg_type']);
    const info = await c.call(resourceInfoRequest('d1'));
    expect(attrNames(info)).to.deep.equal([
      'lrmd_origin', 'lrmd_rc', 'lrmd_callid', 'lrmd_rsc_id', 'lrmd_class', 'lrmd_provider', 'lrmd_type', 'lrmd_remote_msg_id', 'lrmd_remote_msg_type',
    ]);
    expect(info.attrs).to.include({ lrmd_origin: 'process_lrmd_get_rsc_info', lrmd_rc: '0', lrmd_class: 'ocf', lrmd_provider: 'pacemaker', lrmd_type: 'Dummy' });
    const unknown = await c.call(resourceInfoRequest('nope'));
    expect(unknown.attrs.lrmd_rc).to.equal('-19');
    expect(attrNames(unknown)).to.deep.equal(['lrmd_origin', 'lrmd_rc', 'lrmd_callid', 'lrmd_remote_msg_id', 'lrmd_remote_msg_type']);
    expect(sim.resources().map((r) => r.id)).to.deep.equal(['d1']);
    const unreg = await c.call(unregisterResourceRequest('d1'));
    expect(unreg.attrs.lrmd_rc).to.equal('0');
    await c.waitFor(isNotify('lrmd_rsc_unregister', unreg.attrs.lrmd_callid));
    const again = await c.call(unregisterResourceRequest('d1'));
    expect(again.attrs.lrmd_rc).to.equal('0'); // unknown id: 0, and a notify too
    await c.waitFor(isNotify('lrmd_rsc_unregister', again.attrs.lrmd_callid));
    expect(sim.resources()).to.deep.equal([]);
  });

  it('runs Dummy start/monitor/stop: reply rc = call id, result later, monitor after stop gives 7', async () => {
    const { c } = await connect();
    await c.call(dummy());
    const results: XmlElement[] = [];
    for (const action of ['start', 'monitor', 'stop', 'monitor']) {
      const reply = await c.call(exec(action, { userData: `u-${action}` }));
      expect(reply.attrs.lrmd_rc).to.equal(reply.attrs.lrmd_callid);
      const n = await c.waitFor(isNotify('lrmd_rsc_exec', reply.attrs.lrmd_callid));
      expect(c.received.indexOf(reply)).to.be.lessThan(c.received.indexOf(n));
      results.push(n);
    }
    expect(results.map((n) => n.attrs.lrmd_exec_rc)).to.deep.equal(['0', '0', '0', '7']);
    expect(attrNames(results[0] as XmlElement)).to.deep.equal([
      'lrmd_origin', 'lrmd_timeout', 'lrmd_rsc_interval', 'lrmd_rsc_start_delay', 'lrmd_exec_rc', 'lrmd_exec_op_status', 'lrmd_callid', 'lrmd_rsc_deleted',
      'lrmd_run_time', 'lrmd_rcchange_time', 'lrmd_exec_time', 'lrmd_queue_time', 'lrmd_op', 'lrmd_rsc_id', 'lrmd_rsc_action', 'lrmd_rsc_userdata_str',
      'lrmd_remote_msg_id', 'lrmd_remote_msg_type',
    ]);
    expect(results[0]?.attrs.lrmd_rcchange_time).to.equal('0');
    expect(Number(results[3]?.attrs.lrmd_rcchange_time)).to.be.greaterThan(0);
    expect(results[0]?.children[0]?.name).to.equal('attributes');
    expect(results[0]?.children[0]?.attrs).to.deep.equal({ CRM_meta_timeout: '20000' });
    expect(sim.resources()[0]?.running).to.equal(false);
  });

  it('uses scripted agents: delays, exit codes, exit reasons, timeouts, meta-data output', async () => {
    sim.agents.set('ocf:test:Flaky', {
      start: { rc: 1, exitReason: 'broken', delayMs: 30 },
      monitor: (ctx) => ({ rc: ctx.iteration > 0 ? 7 : 0 }),
      stop: { delayMs: 5000 },
      'meta-data': { output: '<a>\n<b/>\n</a>' },
    });
    const { c } = await connect();
    await c.call(registerResourceRequest({ id: 'f', standard: 'ocf', provider: 'test', type: 'Flaky' }));
    const t0 = Date.now();
    const start = await c.call(execRequest({ resource: 'f', action: 'start', timeoutMs: 1000, callOptions: 0 }));
    const sn = await c.waitFor(isNotify('lrmd_rsc_exec', start.attrs.lrmd_callid));
    expect(Date.now() - t0).to.be.at.least(25);
    expect(sn.attrs).to.include({ lrmd_exec_rc: '1', lrmd_exec_op_status: '0', lrmd_rsc_exit_reason: 'broken' });
    const stop = await c.call(execRequest({ resource: 'f', action: 'stop', timeoutMs: 100, callOptions: 0 }));
    const tn = await c.waitFor(isNotify('lrmd_rsc_exec', stop.attrs.lrmd_callid));
    expect(tn.attrs).to.include({ lrmd_exec_rc: '1', lrmd_exec_op_status: '2' });
    const md = await c.call(execRequest({ resource: 'f', action: 'meta-data', timeoutMs: 1000, callOptions: 0 }));
    const mn = await c.waitFor(isNotify('lrmd_rsc_exec', md.attrs.lrmd_callid));
    expect(mn.attrs.lrmd_rsc_output).to.equal('<a>\\n<b/>\\n</a>'); // 2.1.5 escaping
  });

  it('reports a missing agent like the real daemon (rc 5, status 7, exit reason)', async () => {
    const { c } = await connect();
    const reg = await c.call(registerResourceRequest({ id: 'bad1', standard: 'ocf', provider: 'pacemaker', type: 'DoesNotExist' }));
    expect(reg.attrs.lrmd_rc).to.equal('0');
    const r = await c.call(execRequest({ resource: 'bad1', action: 'monitor', timeoutMs: 20000, callOptions: 0 }));
    const n = await c.waitFor(isNotify('lrmd_rsc_exec', r.attrs.lrmd_callid));
    expect(n.attrs).to.include({ lrmd_exec_rc: '5', lrmd_exec_op_status: '7', lrmd_rsc_exit_reason: 'DoesNotExist: No such file or directory', lrmd_exec_time: '0', lrmd_rcchange_time: '0' });
    expect(attrNames(n).indexOf('lrmd_rsc_exit_reason')).to.equal(attrNames(n).indexOf('lrmd_rsc_action') + 1);
  });

  it('answers exec on an unknown resource -19, unknown ops -95, alert exec 0 without notify', async () => {
    const { c } = await connect();
    const r = await c.call(execRequest({ resource: 'ghost', action: 'monitor', timeoutMs: 20000 }));
    expect(r.attrs.lrmd_rc).to.equal('-19');
    const u = await c.call(command('lrmd_bogus_op'));
    expect(u.attrs).to.include({ lrmd_origin: 'process_lrmd_message', lrmd_rc: '-95' });
    const a = await c.call(alertExecRequest({ id: 'a1', path: '/bin/true', timeoutMs: 5000, params: { CRM_alert_kind: 'node' } }));
    expect(a.attrs.lrmd_rc).to.equal('0');
    expect(await c.nothing((m) => m.name === 'lrmd_notify', 150)).to.equal(true);
  });

  it('runs recurring monitors with the same call id, lists them, and cancel notifies BEFORE its reply', async () => {
    const { c } = await connect();
    await c.call(dummy());
    await c.call(exec('start'));
    const rec = await c.call(exec('monitor', { intervalMs: 60, userData: 'rec' }));
    const id = rec.attrs.lrmd_callid;
    const first = await c.waitFor(isNotify('lrmd_rsc_exec', id));
    const second = await c.waitFor(isNotify('lrmd_rsc_exec', id));
    expect(first.attrs.lrmd_rsc_interval).to.equal('60');
    expect(Number(first.attrs.lrmd_run_time)).to.be.greaterThan(0);
    expect(second.attrs.lrmd_run_time).to.equal('0');
    expect(second.attrs.lrmd_exec_time).to.equal('0');
    const list = await c.call(getRecurringRequest('d1'));
    expect(list.attrs.lrmd_origin).to.equal('process_lrmd_get_recurring');
    expect(list.children).to.deep.equal([
      { name: 'lrmd_rsc', attrs: { lrmd_rsc_id: 'd1' }, children: [{ name: 'lrmd_rsc_op', attrs: { lrmd_rsc_action: 'monitor', lrmd_rsc_interval: '60', lrmd_timeout: '20000' }, children: [] }] },
    ]);
    const cancelId = await c.request(cancelRequest('d1', 'monitor', 60));
    const cancelReply = await c.reply(cancelId);
    expect(cancelReply.attrs.lrmd_rc).to.equal('0');
    const cancelled = await c.waitFor((m) => isNotify('lrmd_rsc_exec', id)(m) && m.attrs.lrmd_exec_op_status === '1');
    expect(c.received.indexOf(cancelled)).to.be.lessThan(c.received.indexOf(cancelReply));
    expect(await c.nothing(isNotify('lrmd_rsc_exec', id), 200)).to.equal(true);
    const again = await c.call(cancelRequest('d1', 'monitor', 60));
    expect(again.attrs.lrmd_rc).to.equal('-95');
    const all = await c.call(getRecurringRequest());
    expect(all.children).to.deep.equal([{ name: 'lrmd_rsc', attrs: { lrmd_rsc_id: 'd1' }, children: [] }]);
  });

  it('starts an op queued behind a running one as soon as that one completes (agents with run time)', async () => {
    sim.agents.set('ocf:pacemaker:Dummy', { start: { rc: 0, delayMs: 400 }, monitor: { rc: 0, delayMs: 10 } });
    const { c } = await connect();
    await c.call(dummy());
    const start = await c.call(exec('start'));
    const probe = await c.call(exec('monitor'));
    const done = await c.waitFor(isNotify('lrmd_rsc_exec', probe.attrs.lrmd_callid), 2000);
    expect(c.received.indexOf(done)).to.be.greaterThan(c.received.findIndex(isNotify('lrmd_rsc_exec', start.attrs.lrmd_callid)));
    expect(Number(done.attrs.lrmd_queue_time)).to.be.within(100, 450);
  });

  it('notifies only changes with callopt 4', async () => {
    const { c } = await connect();
    await c.call(dummy());
    await c.call(exec('start'));
    const rec = await c.call(exec('monitor', { intervalMs: 40, callOptions: 4 }));
    const id = rec.attrs.lrmd_callid;
    const first = await c.waitFor(isNotify('lrmd_rsc_exec', id));
    expect(first.attrs.lrmd_exec_rc).to.equal('0');
    expect(await c.nothing(isNotify('lrmd_rsc_exec', id), 250)).to.equal(true);
    sim.setRunning('d1', false);
    const changed = await c.waitFor(isNotify('lrmd_rsc_exec', id));
    expect(changed.attrs.lrmd_exec_rc).to.equal('7');
    expect(Number(changed.attrs.lrmd_rcchange_time)).to.be.greaterThan(0);
  });

  it('stop cancels the recurring ops first (status-1 notify before the stop reply)', async () => {
    const { c } = await connect();
    await c.call(dummy());
    await c.call(exec('start'));
    const rec = await c.call(exec('monitor', { intervalMs: 1000 }));
    await c.waitFor(isNotify('lrmd_rsc_exec', rec.attrs.lrmd_callid));
    const stopId = await c.request(exec('stop'));
    const stopReply = await c.reply(stopId);
    const cancelled = await c.waitFor(isNotify('lrmd_rsc_exec', rec.attrs.lrmd_callid));
    expect(cancelled.attrs.lrmd_exec_op_status).to.equal('1');
    expect(c.received.indexOf(cancelled)).to.be.lessThan(c.received.indexOf(stopReply));
    const stopped = await c.waitFor(isNotify('lrmd_rsc_exec', stopReply.attrs.lrmd_callid));
    expect(stopped.attrs.lrmd_exec_rc).to.equal('0');
    expect(sim.resources()[0]?.recurring).to.deep.equal([]);
  });

  it('merges a duplicate recurring exec: it takes the new call id', async () => {
    const { c } = await connect();
    await c.call(dummy());
    await c.call(exec('start'));
    const a = await c.call(exec('monitor', { intervalMs: 5000, userData: 'a' }));
    await c.waitFor(isNotify('lrmd_rsc_exec', a.attrs.lrmd_callid));
    const b = await c.call(exec('monitor', { intervalMs: 5000, userData: 'b' }));
    expect(b.attrs.lrmd_rc).to.equal(b.attrs.lrmd_callid);
    const n = await c.waitFor(isNotify('lrmd_rsc_exec', b.attrs.lrmd_callid));
    expect(n.attrs.lrmd_rsc_userdata_str).to.equal('b');
    expect(sim.resources()[0]?.recurring).to.have.length(1);
    expect(sim.resources()[0]?.recurring[0]?.callId).to.equal(Number(b.attrs.lrmd_callid));
  });

  it('unregister cancels recurring ops (lrmd_rsc_deleted=1)', async () => {
    const { c } = await connect();
    await c.call(dummy());
    const rec = await c.call(exec('monitor', { intervalMs: 5000 }));
    await c.waitFor(isNotify('lrmd_rsc_exec', rec.attrs.lrmd_callid));
    await c.call(unregisterResourceRequest('d1'));
    const n = await c.waitFor(isNotify('lrmd_rsc_exec', rec.attrs.lrmd_callid));
    expect(n.attrs).to.include({ lrmd_exec_op_status: '1', lrmd_rsc_deleted: '1' });
  });

  it('broadcasts notifies to every named client, sends new_client to the others, not to nameless ones', async () => {
    const { c: a } = await connect('A');
    const nameless = await connectRaw({ port: sim.port, key });
    clients.push(nameless);
    await a.waitFor(isNotify('lrmd_rsc_new_client'));
    const { c: b } = await connect('B');
    const nc = await a.waitFor(isNotify('lrmd_rsc_new_client'));
    expect(nc.attrs).to.deep.equal({ lrmd_origin: 'notify_of_new_client', lrmd_op: 'lrmd_rsc_new_client', lrmd_remote_msg_id: '0', lrmd_remote_msg_type: 'notify' });
    expect(await b.nothing(isNotify('lrmd_rsc_new_client'), 50)).to.equal(true);
    const poke = await a.call(pokeRequest());
    await b.waitFor(isNotify('lrmd_rsc_poke', poke.attrs.lrmd_callid));
    await a.waitFor(isNotify('lrmd_rsc_poke', poke.attrs.lrmd_callid));
    expect(await nameless.nothing((m) => m.name === 'lrmd_notify', 100)).to.equal(true);
    expect(sim.clientCount).to.equal(3);
  });

  it('notify-orig-only (callopt 2) reaches only the originator', async () => {
    const { c: a } = await connect('A');
    const { c: b } = await connect('B');
    await a.call(dummy());
    const r = await a.call(exec('start', { callOptions: 2 }));
    await a.waitFor(isNotify('lrmd_rsc_exec', r.attrs.lrmd_callid));
    expect(await b.nothing(isNotify('lrmd_rsc_exec'), 100)).to.equal(true);
  });

  it('drops recurring ops of drop-recurring resources when the last client leaves', async () => {
    const { c } = await connect();
    await c.call(dummy('d1', 3));
    const rec = await c.call(exec('monitor', { intervalMs: 5000 }));
    await c.waitFor(isNotify('lrmd_rsc_exec', rec.attrs.lrmd_callid));
    expect(sim.resources()[0]?.recurring).to.have.length(1);
    c.close();
    await c.closed;
    await sleep(20);
    expect(sim.resources()[0]?.recurring).to.deep.equal([]);
  });

  it('restart resets call ids and resources, keeps the port', async () => {
    const { c } = await connect();
    await c.call(dummy());
    const port = sim.port;
    await sim.restart();
    await c.closed;
    expect(sim.port).to.equal(port);
    const { c: c2, reply } = await connect();
    expect(reply.attrs.lrmd_callid).to.equal('1');
    expect((await c2.call(resourceInfoRequest('d1'))).attrs.lrmd_rc).to.equal('-19');
  });

  it('exits on lrmd_check with a positive lrmd_watchdog (no SBD on the node)', async () => {
    const { c } = await connect();
    await c.request(command('lrmd_check', el('lrmd_op', { lrmd_origin: 'x', lrmd_watchdog: '10s' })));
    await c.closed;
    await sim.waitExit(2000);
    expect(sim.state).to.equal('exited');
  });
});

describe('SimulatedRemoteDaemon: version-dependent behaviour', function () {
  this.timeout(8000);
  const key = randomBytes(64);
  let sim: SimulatedRemoteDaemon | undefined;
  let c: RawClient | undefined;
  afterEach(async () => {
    c?.close();
    await sim?.stop();
  });

  it('2.1.6 adds uptime; 2.1.8 announces protocol 1.2', async () => {
    sim = await SimulatedRemoteDaemon.start({ key, version: '2.1.6' });
    ({ c } = await connectAndRegister({ port: sim.port, key }));
    let reply = c.received[0] as XmlElement;
    expect(attrNames(reply)).to.include('uptime');
    expect(attrNames(reply).indexOf('uptime')).to.equal(attrNames(reply).indexOf('lrmd_protocol_version') + 1);
    c.close();
    await sim.stop();
    sim = await SimulatedRemoteDaemon.start({ key, version: '2.1.8', nodeStartState: 'standby' });
    ({ c, reply } = await connectAndRegister({ port: sim.port, key }));
    expect(reply.attrs).to.include({ lrmd_protocol_version: '1.2', node_start_state: 'standby' });
  });

  it('3.0.2: no reply to unknown ops or commands without t="lrmd"; identity must be lrmd', async () => {
    sim = await SimulatedRemoteDaemon.start({ key, version: '3.0.2' });
    ({ c } = await connectAndRegister({ port: sim.port, key }));
    const u = await c.request(command('lrmd_bogus_op'));
    expect(await c.nothing((m) => m.attrs.lrmd_remote_msg_id === String(u), 150)).to.equal(true);
    const noT = await c.request({ name: 'lrmd_command', attrs: { lrmd_op: 'lrmd_rsc_poke' }, children: [] });
    expect(await c.nothing((m) => m.attrs.lrmd_remote_msg_id === String(noT), 150)).to.equal(true);
    let err: unknown;
    try {
      const bad = await connectRaw({ port: sim.port, key, identity: 'other' });
      bad.close();
    } catch (e) {
      err = e;
    }
    expect(err, 'identity other than lrmd must be refused').to.be.instanceOf(Error);
    // 2.1.5 ignores the identity
    await sim.stop();
    sim = await SimulatedRemoteDaemon.start({ key, version: '2.1.5' });
    const ok = await connectRaw({ port: sim.port, key, identity: 'other' });
    ok.close();
  });

  it('negotiates every cipher suite the real daemon accepts', async () => {
    sim = await SimulatedRemoteDaemon.start({ key });
    const suites: Array<[string, 'TLSv1.2' | 'TLSv1.3']> = [
      ['TLS_AES_128_GCM_SHA256', 'TLSv1.3'],
      ['TLS_CHACHA20_POLY1305_SHA256', 'TLSv1.3'],
      ['PSK-AES256-GCM-SHA384', 'TLSv1.2'],
      ['PSK-AES128-GCM-SHA256', 'TLSv1.2'],
      ['PSK-CHACHA20-POLY1305', 'TLSv1.2'],
      ['DHE-PSK-AES256-GCM-SHA384', 'TLSv1.2'],
      ['DHE-PSK-AES128-GCM-SHA256', 'TLSv1.2'],
      ['DHE-PSK-CHACHA20-POLY1305', 'TLSv1.2'],
    ];
    for (const [cipher, maxVersion] of suites) {
      const x = await connectRaw({ port: sim.port, key, ciphers: cipher, maxVersion });
      expect(x.socket.getCipher().name).to.equal(cipher);
      const r = await x.call(registerXml());
      expect(r.attrs.lrmd_rc).to.equal('0');
      x.close();
    }
  });
});
