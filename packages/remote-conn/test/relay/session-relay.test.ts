/**
 * The relay inside a RemoteSession, against a scripted daemon: relay traffic arriving right after the
 * register reply (as a 1.2 schema fetch does), malformed relay messages (a typed relay-error, the session
 * carries on), the generic reply the daemon gives every ipc_fwd, and the sessions of a closed connection.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { ErrorCodes } from '../../src/errors.js';
import { RemoteSession } from '../../src/index.js';
import { IpcFlags, el, ipcNewNotify, ipcPayload, ipcRequestNotify, serializeXml, type XmlElement } from '../../src/messages/index.js';
import { NodeAttributeStore, type RelayCloseReason, type RelayErrorEvent } from '../../src/relay/index.js';
import { registerReply, startScriptedPeer, type ScriptedPeer } from '../support/scripted-peer.js';

const notify = (e: XmlElement) => serializeXml({ ...e, attrs: { ...e.attrs, lrmd_remote_msg_id: '0', lrmd_remote_msg_type: 'notify' } });
const genericReply = (req: XmlElement) =>
  serializeXml(el('lrmd_reply', { lrmd_origin: 'process_lrmd_message', lrmd_rc: 0, lrmd_callid: 9, lrmd_remote_msg_id: req.attrs.lrmd_remote_msg_id, lrmd_remote_msg_type: 'reply' }));

describe('RemoteSession with an ipcRelay (scripted daemon)', function () {
  this.timeout(10_000);
  const key = randomBytes(64);
  let peer: ScriptedPeer | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });

  it('serves relay traffic sent right after registration, and reports malformed relay messages without closing', async () => {
    const store = new NodeAttributeStore();
    const closes: RelayCloseReason[] = [];
    const forwarded: XmlElement[] = [];
    // The test and the peer's loop both send: one message at a time (header and payload must not interleave).
    let chain = Promise.resolve();
    let send!: (xml: string) => Promise<void>;
    peer = await startScriptedPeer(key, async (c) => {
      send = (xml) => (chain = chain.then(() => c.send(xml)));
      await send(registerReply(await c.nextRequest()));
      // In the same breath as the register reply: a tool opens attrd and sends an update.
      await send(notify(ipcNewNotify('s1', 'attrd')));
      await send(notify(ipcRequestNotify({ session: 's1', client: 'proxy-attrd-7-s1', user: 'root', msgId: 3, flags: IpcFlags.PROXIED | IpcFlags.CLIENT_RESPONSE, message: el('create_attrd_op', { t: 'attrd', task: 'update', attr_name: 'a', attr_value: '1' }) })));
      for (;;) {
        const req = await c.nextRequest();
        forwarded.push(req);
        await send(genericReply(req));
      }
    });
    const relay = { open: (s: Parameters<NodeAttributeStore['open']>[0]) => {
      const h = store.open(s);
      return h && { ...h, close: (why: RelayCloseReason) => closes.push(why) };
    } };
    const s = await RemoteSession.connect({ host: '127.0.0.1', port: peer.port, key, ipcRelay: relay, nodeName: 'remote7' });
    const errors: RelayErrorEvent[] = [];
    s.on('relay-error', (e) => errors.push(e));
    const until = async (cond: () => boolean) => {
      for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    };
    await until(() => forwarded.length >= 1);
    expect(store.get('remote7', 'a')).to.equal('1');
    const response = forwarded[0] as XmlElement;
    expect(response.attrs).to.include({ lrmd_ipc_op: 'response', lrmd_ipc_session: 's1', lrmd_ipc_msg_id: '3', lrmd_op: 'ipc_fwd', lrmd_remote_msg_type: 'request' });
    expect(response.attrs.t).to.equal(undefined);
    expect(ipcPayload(response)?.name).to.equal('ack');

    await send(notify(el('lrmd_ipc_proxy', { lrmd_ipc_op: 'bogus', lrmd_ipc_session: 's2' })));
    await send(notify(el('lrmd_ipc_proxy', { lrmd_ipc_op: 'request', lrmd_ipc_session: 's1', lrmd_ipc_msg_id: '4' })));
    await until(() => errors.length >= 2 && forwarded.length >= 3);
    expect(errors.map((e) => [e.kind, e.error.code, e.node, e.session])).to.deep.equal([
      ['malformed', ErrorCodes.PROTOCOL_ERROR, 'remote7', 's2'],
      ['malformed', ErrorCodes.PROTOCOL_ERROR, 'remote7', 's1'],
    ]);
    expect(forwarded.slice(1).map((m) => [m.attrs.lrmd_ipc_op, m.attrs.lrmd_ipc_session])).to.deep.equal([
      ['destroy', 's2'],
      ['destroy', 's1'],
    ]);
    expect(s.closed).to.equal(false);
    expect(s.relayStats).to.include({ served: 1, responses: 1, open: 0 });
    expect(closes).to.deep.equal(['relay']);
    await s.close();
  });

  it('a closed connection ends its relay sessions (the handler hears "connection") and sends nothing more', async () => {
    const closes: RelayCloseReason[] = [];
    peer = await startScriptedPeer(key, async (c) => {
      await c.send(registerReply(await c.nextRequest()));
      await c.send(notify(ipcNewNotify('s1', 'crmd')));
      await c.send(notify(ipcNewNotify('s2', 'crmd')));
    });
    const relay = { open: () => ({ request: () => undefined, close: (why: RelayCloseReason) => closes.push(why) }) };
    const s = await RemoteSession.connect({ host: '127.0.0.1', port: peer.port, key, ipcRelay: relay, nodeName: 'n' });
    for (let i = 0; i < 200 && s.relayStats.open < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(s.relayStats.open).to.equal(2);
    await s.close();
    expect(closes).to.deep.equal(['connection', 'connection']);
    expect(s.relayStats.open).to.equal(0);
  });
});
