/**
 * RelayDispatcher: the protocol rules of protocol.md §3.6, message by message.
 */
import { expect } from 'chai';
import { ErrorCodes } from '../../src/errors.js';
import { IpcFlags, el, ipcNewNotify, ipcPayload, ipcRequestNotify, type XmlElement } from '../../src/messages/index.js';
import { RelayDispatcher, controllerRewrites, type IpcRelay, type RelayCloseReason, type RelayErrorEvent, type RelayRequest } from '../../src/relay/index.js';

const NODE = 'remote1';
const tick = () => new Promise((r) => setImmediate(r));

function harness(relay?: IpcRelay, options: { responseTimeoutMs?: number; failSend?: boolean } = {}) {
  const sent: XmlElement[] = [];
  const errors: RelayErrorEvent[] = [];
  const d = new RelayDispatcher({
    relay,
    node: NODE,
    send: async (m) => {
      if (options.failSend) throw new Error('link down');
      sent.push(m);
    },
    onError: (e) => errors.push(e),
    ...(options.responseTimeoutMs ? { responseTimeoutMs: options.responseTimeoutMs } : {}),
  });
  return { d, sent, errors };
}

const request = (session: string, msgId: number, message: XmlElement, flags = IpcFlags.PROXIED | IpcFlags.CLIENT_RESPONSE) =>
  ipcRequestNotify({ session, client: `proxy-attrd-1-${session.slice(0, 8)}`, user: 'root', msgId, flags, message });

/** A relay that serves `channel` with `handle`. */
function serving(channel: string, handle: (r: RelayRequest) => XmlElement | undefined | Promise<XmlElement | undefined>, closes: RelayCloseReason[] = []): IpcRelay {
  return {
    open: (s) => (s.channel === channel ? { request: (r) => handle(r), close: (reason) => closes.push(reason) } : undefined),
  };
}

describe('RelayDispatcher', () => {
  it('without a relay, destroys every new session at once (the minimal provider)', async () => {
    const { d, sent } = harness();
    d.handle(ipcNewNotify('s1', 'cib_ro'));
    await tick();
    expect(sent).to.deep.equal([{ name: 'lrmd_ipc_proxy', attrs: { lrmd_ipc_op: 'destroy', lrmd_ipc_session: 's1', lrmd_op: 'ipc_fwd' }, children: [] }]);
    expect(d.stats).to.include({ refused: 1, served: 0, open: 0 });
  });

  it('destroys a session on a channel the relay does not serve', async () => {
    const { d, sent } = harness(serving('attrd', () => el('ack')));
    d.handle(ipcNewNotify('s1', 'stonith-ng'));
    await tick();
    expect(sent.map((m) => m.attrs.lrmd_ipc_op)).to.deep.equal(['destroy']);
  });

  it("answers a request with a response carrying the request's message id, as an ipc_fwd", async () => {
    const seen: RelayRequest[] = [];
    const { d, sent } = harness(serving('attrd', (r) => (seen.push(r), el('ack', { status: 112 }))));
    d.handle(ipcNewNotify('s1', 'attrd'));
    d.handle(request('s1', 42, el('attrd_op', { t: 'attrd', task: 'query', attr_name: 'x' })));
    await tick();
    expect(sent).to.have.length(1);
    const r = sent[0] as XmlElement;
    expect(r.attrs).to.deep.equal({ lrmd_ipc_op: 'response', lrmd_ipc_session: 's1', lrmd_ipc_msg_id: '42', lrmd_op: 'ipc_fwd' });
    expect(ipcPayload(r)).to.deep.equal(el('ack', { status: 112 }));
    expect(seen[0]).to.include({ msgId: 42, expectsResponse: true, user: 'root', client: 'proxy-attrd-1-s1' });
  });

  it('sends the answer as an event when the tool expects no response', async () => {
    const { d, sent } = harness(serving('cib_ro', () => el('cib-reply', { cib_rc: 0 })));
    d.handle(ipcNewNotify('s1', 'cib_ro'));
    d.handle(request('s1', 3, el('cib_command', { cib_op: 'cib_query' }), IpcFlags.PROXIED));
    await tick();
    expect(sent.map((m) => [m.attrs.lrmd_ipc_op, m.attrs.lrmd_ipc_msg_id])).to.deep.equal([['event', undefined]]);
  });

  it('answers with a nack when the handler has no answer, throws, or is too slow; the failures are typed relay-errors', async () => {
    let mode: 'none' | 'throw' | 'slow' = 'none';
    const relay = serving('attrd', () => {
      if (mode === 'throw') throw new Error('boom');
      if (mode === 'slow') return new Promise(() => undefined);
      return undefined;
    });
    const { d, sent, errors } = harness(relay, { responseTimeoutMs: 50 });
    d.handle(ipcNewNotify('s1', 'attrd'));
    d.handle(request('s1', 1, el('x')));
    await tick();
    mode = 'throw';
    d.handle(request('s1', 2, el('x')));
    await tick();
    mode = 'slow';
    d.handle(request('s1', 3, el('x')));
    await new Promise((r) => setTimeout(r, 120));
    expect(sent.map((m) => [m.attrs.lrmd_ipc_msg_id, ipcPayload(m)?.name, ipcPayload(m)?.attrs.rc])).to.deep.equal([
      ['1', 'nack', '-95'],
      ['2', 'nack', '-71'],
      ['3', 'nack', '-62'],
    ]);
    expect(errors.map((e) => e.kind)).to.deep.equal(['handler-failed', 'handler-timeout']);
    expect(errors[1]?.error.code).to.equal(ErrorCodes.REQUEST_TIMEOUT);
    expect(d.stats.nacks).to.equal(3);
  });

  it('handles the requests of one session one at a time, in order', async () => {
    const order: string[] = [];
    const relay = serving('attrd', async (r) => {
      const id = String(r.msgId);
      order.push(`start ${id}`);
      await new Promise((res) => setTimeout(res, r.msgId === 1 ? 30 : 1));
      order.push(`end ${id}`);
      return el('ack');
    });
    const { d, sent } = harness(relay);
    d.handle(ipcNewNotify('s1', 'attrd'));
    d.handle(request('s1', 1, el('x')));
    d.handle(request('s1', 2, el('x')));
    await new Promise((r) => setTimeout(r, 80));
    expect(order).to.deep.equal(['start 1', 'end 1', 'start 2', 'end 2']);
    expect(sent.map((m) => m.attrs.lrmd_ipc_msg_id)).to.deep.equal(['1', '2']);
  });

  it('a request for an unknown session is answered with destroy; a destroy for one is ignored', async () => {
    const { d, sent, errors } = harness(serving('attrd', () => el('ack')));
    d.handle(request('ghost', 1, el('x')));
    d.handle({ name: 'lrmd_ipc_proxy', attrs: { lrmd_ipc_op: 'destroy', lrmd_ipc_session: 'ghost2' }, children: [] });
    await tick();
    expect(sent.map((m) => [m.attrs.lrmd_ipc_op, m.attrs.lrmd_ipc_session])).to.deep.equal([['destroy', 'ghost']]);
    expect(errors).to.deep.equal([]);
  });

  it("the tool's destroy closes the session and tells the handler; close() ends the rest without sending", async () => {
    const closes: RelayCloseReason[] = [];
    const { d, sent } = harness(serving('attrd', () => el('ack'), closes));
    d.handle(ipcNewNotify('s1', 'attrd'));
    d.handle(ipcNewNotify('s2', 'attrd'));
    d.handle({ name: 'lrmd_ipc_proxy', attrs: { lrmd_ipc_op: 'destroy', lrmd_ipc_session: 's1' }, children: [] });
    expect(d.sessionIds).to.deep.equal(['s2']);
    d.close();
    d.handle(ipcNewNotify('s3', 'attrd'));
    await tick();
    expect(closes).to.deep.equal(['tool', 'connection']);
    expect(sent).to.deep.equal([]);
    expect(d.stats.open).to.equal(0);
  });

  it('a handler may destroy its session; later requests of it are answered with destroy', async () => {
    const closes: RelayCloseReason[] = [];
    const relay: IpcRelay = {
      open: () => ({
        request: (_r, session) => {
          session.destroy();
          return undefined;
        },
        close: (reason) => closes.push(reason),
      }),
    };
    const { d, sent } = harness(relay);
    d.handle(ipcNewNotify('s1', 'crmd'));
    d.handle(request('s1', 1, el('x')));
    await tick();
    d.handle(request('s1', 2, el('x')));
    await tick();
    expect(sent.map((m) => m.attrs.lrmd_ipc_op)).to.deep.equal(['destroy', 'destroy']);
    expect(closes).to.deep.equal(['relay']);
  });

  it('malformed relay traffic is a typed relay-error (never a throw), and a readable session is destroyed', async () => {
    const { d, sent, errors } = harness(serving('attrd', () => el('ack')));
    const bad: XmlElement[] = [
      { name: 'lrmd_ipc_proxy', attrs: { lrmd_ipc_op: 'frobnicate', lrmd_ipc_session: 's9' }, children: [] },
      { name: 'lrmd_ipc_proxy', attrs: { lrmd_ipc_op: 'new' }, children: [] },
      { name: 'lrmd_ipc_proxy', attrs: { lrmd_ipc_op: 'new', lrmd_ipc_session: 's8' }, children: [] },
      { name: 'lrmd_ipc_proxy', attrs: { lrmd_ipc_op: 'request', lrmd_ipc_session: 's7', lrmd_ipc_msg_id: 'x' }, children: [] },
      { name: 'lrmd_ipc_proxy', attrs: { lrmd_ipc_op: 'request', lrmd_ipc_session: 's6', lrmd_ipc_msg_id: '1' }, children: [] },
    ];
    for (const b of bad) expect(() => d.handle(b)).to.not.throw();
    await tick();
    expect(errors.map((e) => [e.kind, e.error.code, e.session])).to.deep.equal([
      ['malformed', ErrorCodes.PROTOCOL_ERROR, 's9'],
      ['malformed', ErrorCodes.PROTOCOL_ERROR, undefined],
      ['malformed', ErrorCodes.PROTOCOL_ERROR, 's8'],
      ['malformed', ErrorCodes.PROTOCOL_ERROR, 's7'],
      ['malformed', ErrorCodes.PROTOCOL_ERROR, 's6'],
    ]);
    expect(sent.map((m) => m.attrs.lrmd_ipc_session)).to.deep.equal(['s9', 's8', 's7', 's6']);
  });

  it('a failing send is reported as send-failed while the connection is up', async () => {
    const { d, errors } = harness(undefined, { failSend: true });
    d.handle(ipcNewNotify('s1', 'attrd'));
    await tick();
    expect(errors.map((e) => e.kind)).to.deep.equal(['send-failed']);
  });

  it('an open() that throws is reported and the session destroyed', async () => {
    const { d, sent, errors } = harness({
      open: () => {
        throw new Error('nope');
      },
    });
    d.handle(ipcNewNotify('s1', 'attrd'));
    await tick();
    expect(errors.map((e) => e.kind)).to.deep.equal(['open-failed']);
    expect(sent.map((m) => m.attrs.lrmd_ipc_op)).to.deep.equal(['destroy']);
  });

  it('1,000 sessions opened at once are all served and, once their tools leave, nothing is held', async () => {
    const closes: RelayCloseReason[] = [];
    const { d, sent } = harness(serving('attrd', () => el('ack'), closes));
    for (let i = 0; i < 1000; i++) d.handle(ipcNewNotify(`s${i}`, 'attrd'));
    for (let i = 0; i < 1000; i++) d.handle(request(`s${i}`, 1, el('x')));
    await new Promise((r) => setTimeout(r, 20));
    expect(d.stats.open).to.equal(1000);
    for (let i = 0; i < 1000; i++) d.handle({ name: 'lrmd_ipc_proxy', attrs: { lrmd_ipc_op: 'destroy', lrmd_ipc_session: `s${i}` }, children: [] });
    expect(sent.filter((m) => m.attrs.lrmd_ipc_op === 'response')).to.have.length(1000);
    expect(d.sessionIds).to.deep.equal([]);
    expect(closes).to.have.length(1000);
    expect(d.stats).to.include({ open: 0, served: 1000, responses: 1000 });
  });

  it('rejects an invalid response timeout', () => {
    expect(() => new RelayDispatcher({ node: NODE, send: async () => undefined, responseTimeoutMs: 0 })).to.throw(/responseTimeoutMs/);
  });
});

describe('controllerRewrites (what Pacemaker’s controller does before relaying)', () => {
  it('gives a host-less attrd update the node name, and leaves other requests alone', () => {
    const upd = el('attrd_op', { t: 'attrd', task: 'update', attr_name: 'a', attr_value: '1' });
    expect(controllerRewrites('attrd', upd, NODE).attrs.attr_host).to.equal(NODE);
    expect(controllerRewrites('attrd', el('attrd_op', { t: 'attrd', task: 'update', attr_host: 'other' }), NODE).attrs.attr_host).to.equal('other');
    expect(controllerRewrites('attrd', el('attrd_op', { t: 'attrd', task: 'query' }), NODE).attrs.attr_host).to.equal(undefined);
    expect(upd.attrs.attr_host, 'the original is not mutated').to.equal(undefined);
  });

  it('makes an id-less, name-less node-info request ask about the node itself', () => {
    expect(controllerRewrites('crmd', el('r', { crm_task: 'node-info' }), NODE).attrs.uname).to.equal(NODE);
    expect(controllerRewrites('crmd', el('r', { crm_task: 'node-info', id: '3' }), NODE).attrs.uname).to.equal(undefined);
    expect(controllerRewrites('crmd', el('r', { crm_task: 'node-info', uname: 'x' }), NODE).attrs.uname).to.equal('x');
  });
});
