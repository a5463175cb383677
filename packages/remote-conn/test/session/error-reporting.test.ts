/**
 * Errors that say what happened (issue #17 §5): the real code of a failure during registration, a local
 * close that is not a peer error, one rule for the caller's aborts, and the reasons of a failed start and
 * of waitFor.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { encodeFrame, encodeHeader } from '../../src/codec/index.js';
import { ErrorCodes, RemoteConnError, RemoteNodeConnection, isRemoteConnError, type SessionCloseEvent } from '../../src/index.js';
import { registerReply, scriptedPeerFixture, type ScriptedConnection } from '../support/scripted-peer.js';

async function rejectsWith(p: Promise<unknown>, code: string): Promise<RemoteConnError> {
  try {
    await p;
  } catch (err) {
    expect(isRemoteConnError(err), String(err)).to.equal(true);
    expect((err as RemoteConnError).code, (err as Error).message).to.equal(code);
    return err as RemoteConnError;
  }
  return expect.fail(`expected ${code}`);
}

describe('RemoteSession: errors that say what happened', function () {
  this.timeout(10_000);
  const key = randomBytes(32);
  const { connectWith } = scriptedPeerFixture(key);
  const registered = (after: (c: ScriptedConnection) => Promise<void>) => async (c: ScriptedConnection) => {
    await c.send(registerReply(await c.nextRequest()));
    await after(c);
  };

  describe('a failure during registration keeps its own code, with phase register', () => {
    const cases: Array<[string, (c: ScriptedConnection) => Promise<void>, string, Record<string, unknown>]> = [
      ['a bad frame', (c) => c.raw(Buffer.alloc(64, 0x41)), ErrorCodes.FRAME_INVALID, {}],
      ['an oversized frame', (c) => c.raw(encodeHeader({ id: 1, payloadUncompressed: 5000 })), ErrorCodes.FRAME_TOO_LARGE, { maxMessageSize: 4096 }],
      ['malformed XML', (c) => c.send('<lrmd_reply lrmd_rc="0"'), ErrorCodes.XML_INVALID, {}],
      ['a DOCTYPE', (c) => c.send('<!DOCTYPE lrmd_reply><lrmd_reply/>'), ErrorCodes.XML_INVALID, {}],
    ];
    for (const [what, send, code, opts] of cases) {
      it(what, async () => {
        const err = await rejectsWith(
          connectWith(async (c) => {
            await c.nextRequest();
            await send(c);
          }, opts),
          code,
        );
        expect(err.details.phase).to.equal('register');
        expect(err.message).to.include('during registration');
      });
    }

    it('a close by the daemon is still PROTOCOL_ERROR: the daemon closed', async () => {
      const err = await rejectsWith(
        connectWith(async (c) => {
          await c.nextRequest();
          c.socket.end();
        }),
        ErrorCodes.PROTOCOL_ERROR,
      );
      expect(err.message).to.include('closed the connection during registration');
    });
  });

  it('a local close with a partial frame buffered is local, without a peer error', async () => {
    // A complete notification and the header of a message whose payload never comes, in one TLS record:
    // once the notification is delivered, the partial frame is buffered.
    const notify = encodeFrame('<lrmd_notify lrmd_origin="send_generic_notify" lrmd_rc="0" lrmd_callid="99" lrmd_op="lrmd_rsc_poke" lrmd_remote_msg_id="0" lrmd_remote_msg_type="notify"/>', 8);
    const s = await connectWith(registered((c) => c.raw(Buffer.concat([notify.header, notify.payload, encodeHeader({ id: 9, payloadUncompressed: 100 })]))));
    await new Promise((resolve) => s.once('notify', resolve));
    const closed = s.whenClosed;
    await s.close();
    const ev: SessionCloseEvent = await closed;
    expect(ev.local).to.equal(true);
    expect(ev.error).to.equal(undefined);
  });

  describe("the caller's AbortSignal: ABORTED with the signal's reason as cause, and the real duration", () => {
    const silent = registered(async (c) => {
      for (;;) await c.nextRequest();
    });

    it('poke with AbortSignal.timeout(200)', async () => {
      const s = await connectWith(silent);
      const err = await rejectsWith(s.poke({ signal: AbortSignal.timeout(200) }), ErrorCodes.ABORTED);
      expect((err.cause as Error).name).to.equal('TimeoutError');
      expect(err.message).to.match(/after \d+ ms/).and.not.include('10000');
      const ms = Number(/after (\d+) ms/.exec(err.message)?.[1]);
      expect(ms).to.be.at.least(190).and.below(5000);
      await s.close();
    });

    it('exec whose result never comes, with AbortSignal.timeout(300)', async () => {
      const s = await connectWith(
        registered(async (c) => {
          const req = await c.nextRequest();
          await c.send(`<lrmd_reply lrmd_rc="12" lrmd_callid="12" lrmd_remote_msg_id="${req.attrs.lrmd_remote_msg_id}" lrmd_remote_msg_type="reply"/>`);
        }),
      );
      const err = await rejectsWith(s.exec({ resource: 'r1', action: 'start', timeoutMs: 20_000, signal: AbortSignal.timeout(300) }), ErrorCodes.ABORTED);
      expect((err.cause as Error).name).to.equal('TimeoutError');
      expect(err.message).not.to.include('50000');
      await s.close();
    });

    it('exec whose reply never comes, with an AbortController', async () => {
      const s = await connectWith(silent);
      const ac = new AbortController();
      const reason = new Error('operator gave up');
      setTimeout(() => ac.abort(reason), 50);
      const err = await rejectsWith(s.exec({ resource: 'r1', action: 'start', timeoutMs: 20_000, signal: ac.signal }), ErrorCodes.ABORTED);
      expect(err.cause).to.equal(reason);
      expect(err.message).to.include('operator gave up');
      await s.close();
    });

    it('connect with AbortSignal.timeout(200) while the register reply never comes', async () => {
      const err = await rejectsWith(connectWith(async () => undefined, { signal: AbortSignal.timeout(200) }), ErrorCodes.ABORTED);
      expect((err.cause as Error).name).to.equal('TimeoutError');
      expect(err.message).to.match(/after \d+ ms/);
    });

    it('our own deadline is still REQUEST_TIMEOUT, with its duration', async () => {
      const s = await connectWith(silent);
      const err = await rejectsWith(s.poke({ timeoutMs: 150 }), ErrorCodes.REQUEST_TIMEOUT);
      expect(err.message).to.include('within 150 ms');
      await s.close();
    });
  });
});

describe('RemoteNodeConnection: reasons and codes that say what happened', function () {
  this.timeout(15_000);

  it('a name that does not resolve is connect-failed with reason host-not-found, not connection-lost', async () => {
    const node = new RemoteNodeConnection({ name: 'n1', host: 'no-such-host.invalid', port: 3121, key: randomBytes(32), connectTimeoutMs: 5000, minRemainingForRetryMs: 10_000 });
    const reasons: string[] = [];
    node.on('connect-failed', (e) => reasons.push(e.reason));
    const err = await rejectsWith(node.start(), ErrorCodes.HOST_NOT_FOUND);
    expect(err.details.phase).to.equal('tcp');
    expect(reasons).to.deep.equal(['host-not-found']);
    await node.stop();
  });

  it('waitFor() that times out is WAIT_TIMEOUT (no request timed out), and an abort is ABORTED with the reason', async () => {
    const node = new RemoteNodeConnection({ name: 'n2', host: '127.0.0.1', port: 1, key: randomBytes(32) });
    const err = await rejectsWith(node.waitFor('up', { timeoutMs: 50 }), ErrorCodes.WAIT_TIMEOUT);
    expect(err.message).to.include('within 50 ms').and.include('stopped');
    const ac = new AbortController();
    const reason = new Error('enough');
    const pending = node.waitFor('up', { signal: ac.signal });
    ac.abort(reason);
    const aborted = await rejectsWith(pending, ErrorCodes.ABORTED);
    expect(aborted.cause).to.equal(reason);
  });
});
