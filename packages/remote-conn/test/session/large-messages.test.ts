/**
 * Large messages through a whole session (TLS, frames, slices): what the peer sent before it closed is
 * delivered before the close, and requests behind a large message are answered.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { RemoteSession, type SessionCloseEvent } from '../../src/index.js';
import type { OpResult } from '../../src/messages/index.js';
import { registerReply, startScriptedPeer, type ScriptedConnection, type ScriptedPeer } from '../support/scripted-peer.js';

const bigResult = (bytes: number) =>
  `<lrmd_notify lrmd_origin="send_cmd_complete_notify" lrmd_op="lrmd_rsc_exec" lrmd_callid="77" lrmd_rsc_id="x" lrmd_rsc_action="meta-data" lrmd_exec_rc="0" lrmd_exec_op_status="0" lrmd_rsc_output="${'&lt;p/&gt;&#10;'.repeat(Math.ceil(bytes / 16))}" lrmd_remote_msg_id="0" lrmd_remote_msg_type="notify"/>`;

describe('RemoteSession: large messages', function () {
  this.timeout(20_000);
  const key = randomBytes(32);
  let peer: ScriptedPeer | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });

  const connect = async (after: (c: ScriptedConnection) => Promise<void>) => {
    peer = await startScriptedPeer(key, async (c) => {
      await c.send(registerReply(await c.nextRequest()));
      await after(c);
    });
    return RemoteSession.connect({ host: '127.0.0.1', port: peer.port, key, connectTimeoutMs: 5000 });
  };

  it('delivers a large message the peer sent just before closing, then closes', async () => {
    const order: string[] = [];
    let output = 0;
    const s = await connect(async (c) => {
      await c.send(bigResult(8 * 2 ** 20));
      c.socket.end();
    });
    s.on('foreign-op-result', (r: OpResult) => {
      order.push('result');
      output = r.output?.length ?? 0;
    });
    const ev: SessionCloseEvent = await s.whenClosed;
    order.push('close');
    expect(order).to.deep.equal(['result', 'close']);
    expect(output).to.equal(Math.ceil((8 * 2 ** 20) / 16) * 5);
    expect(ev.error).to.equal(undefined);
  });

  it('answers a poke whose reply comes behind a large message', async () => {
    const s = await connect(async (c) => {
      const poke = await c.nextRequest();
      await c.send(bigResult(6 * 2 ** 20));
      const id = poke.attrs.lrmd_remote_msg_id ?? '0';
      await c.send(`<lrmd_reply lrmd_origin="process_lrmd_message" lrmd_rc="5" lrmd_callid="5" lrmd_remote_msg_id="${id}" lrmd_remote_msg_type="reply"/>`);
      await c.send('<lrmd_notify lrmd_origin="send_generic_notify" lrmd_rc="0" lrmd_callid="5" lrmd_op="lrmd_rsc_poke" lrmd_remote_msg_id="0" lrmd_remote_msg_type="notify"/>');
    });
    let bigFirst = false;
    s.once('foreign-op-result', () => {
      bigFirst = true;
    });
    await s.poke({ timeoutMs: 15_000 });
    expect(bigFirst).to.equal(true);
    await s.close();
  });
});
