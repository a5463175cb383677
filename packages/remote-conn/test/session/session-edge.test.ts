import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame, encodeHeader } from '../../src/codec/index.js';
import { ErrorCodes, RemoteConnError, RemoteNodeConnection, RemoteSession, loadAuthKey, isRemoteConnError, type SessionCloseEvent } from '../../src/index.js';
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

describe('loadAuthKey', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pcmk-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the raw bytes, trailing newline included', async () => {
    const p = join(dir, 'authkey');
    writeFileSync(p, 'secret\n', { mode: 0o640 });
    expect((await loadAuthKey(p)).toString()).to.equal('secret\n');
  });

  it('uses PCMK_authkey_location when no path is given', async () => {
    const p = join(dir, 'k');
    writeFileSync(p, Buffer.from([1, 2, 3]), { mode: 0o600 });
    const saved = process.env.PCMK_authkey_location;
    process.env.PCMK_authkey_location = p;
    try {
      expect([...(await loadAuthKey())]).to.deep.equal([1, 2, 3]);
      rmSync(p);
      const err = await rejectsWith(loadAuthKey(), ErrorCodes.KEY_MISSING);
      expect(err.message).to.include(p).and.include('PCMK_authkey_location');
    } finally {
      if (saved === undefined) delete process.env.PCMK_authkey_location;
      else process.env.PCMK_authkey_location = saved;
    }
  });

  it('names the path in every error: missing, empty, world-readable, not a file', async () => {
    expect((await rejectsWith(loadAuthKey(join(dir, 'none')), ErrorCodes.KEY_MISSING)).message).to.include(join(dir, 'none'));
    const empty = join(dir, 'empty');
    writeFileSync(empty, '', { mode: 0o600 });
    expect((await rejectsWith(loadAuthKey(empty), ErrorCodes.KEY_EMPTY)).message).to.include(empty);
    const open = join(dir, 'open');
    writeFileSync(open, 'k');
    chmodSync(open, 0o644);
    expect((await rejectsWith(loadAuthKey(open), ErrorCodes.KEY_INSECURE)).message).to.include('chmod');
    expect((await loadAuthKey(open, { allowWorldReadable: true })).toString()).to.equal('k');
    await rejectsWith(loadAuthKey(dir), ErrorCodes.KEY_UNREADABLE);
  });

  it('refuses a FIFO, or a symlink to one, at once instead of hanging in open()', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', ['-m', '0600', fifo]);
    symlinkSync(fifo, join(dir, 'to-fifo'));
    for (const p of [fifo, join(dir, 'to-fifo')]) {
      const err = await rejectsWith(loadAuthKey(p), ErrorCodes.KEY_UNREADABLE);
      expect(err.message).to.include('not a regular file');
    }
    // A session and a node connection with such a key fail (hard, no retry), and stop() returns.
    await rejectsWith(RemoteSession.connect({ host: '127.0.0.1', port: 1, keyFile: fifo, connectTimeoutMs: 2000 }), ErrorCodes.KEY_UNREADABLE);
    const node = new RemoteNodeConnection({ name: 'n', host: '127.0.0.1', port: 1, keyFile: fifo, connectTimeoutMs: 2000 });
    await rejectsWith(node.start(), ErrorCodes.KEY_UNREADABLE);
    expect(node.state).to.equal('failed');
    await node.stop();
    expect(node.state).to.equal('stopped');
  });

  it('refuses a key file over 64 KiB with KEY_INVALID, giving its size', async () => {
    const p = join(dir, 'huge');
    writeFileSync(p, Buffer.alloc(64 * 1024 + 1, 1), { mode: 0o600 });
    const err = await rejectsWith(loadAuthKey(p), ErrorCodes.KEY_INVALID);
    expect(err.details.size).to.equal(64 * 1024 + 1);
    expect(err.message).to.include(String(64 * 1024 + 1));
    writeFileSync(p, Buffer.alloc(64 * 1024, 1), { mode: 0o600 });
    expect((await loadAuthKey(p)).length).to.equal(64 * 1024);
  });

  it('follows a symlink to the key', async () => {
    const real = join(dir, 'real');
    writeFileSync(real, 'abc', { mode: 0o600 });
    symlinkSync(real, join(dir, 'link'));
    expect((await loadAuthKey(join(dir, 'link'))).toString()).to.equal('abc');
  });
});

describe('RemoteSession against a scripted peer (malformed input, timeouts)', function () {
  this.timeout(10_000);
  const key = randomBytes(64);
  const { connectWith } = scriptedPeerFixture(key);

  const registered = (after: (c: ScriptedConnection) => Promise<void>) => async (c: ScriptedConnection) => {
    await c.send(registerReply(await c.nextRequest(), { uptime: '42', node_start_state: 'standby' }));
    await after(c);
  };

  it('reads uptime and node start state from the register reply (2.1.7+ fields)', async () => {
    const s = await connectWith(registered(async () => undefined));
    expect(s.daemon).to.deep.include({ uptimeS: 42, nodeStartState: 'standby', protocolVersion: '1.1' });
    await s.close();
  });

  it('maps lrmd_rc -71 at registration to PROTOCOL_MISMATCH', async () => {
    const err = await rejectsWith(
      connectWith(async (c) => c.send(registerReply(await c.nextRequest(), { lrmd_rc: '-71', lrmd_protocol_version: '9.0' }))),
      ErrorCodes.PROTOCOL_MISMATCH,
    );
    expect(err.message).to.include('1.1').and.include('9.0');
  });

  it('rejects a register reply without a client id', async () => {
    await rejectsWith(
      connectWith(async (c) => c.send(registerReply(await c.nextRequest(), { lrmd_clientid: '' }))),
      ErrorCodes.PROTOCOL_ERROR,
    );
  });

  it('times out when registration is never answered (3.0.2+ sends no reply to a refused register)', async () => {
    const err = await rejectsWith(connectWith(async () => undefined, { connectTimeoutMs: 300 }), ErrorCodes.CONNECT_TIMEOUT);
    expect(err.details.phase).to.equal('register');
  });

  const closesWith = async (bytes: (c: ScriptedConnection) => Promise<void>, code: string, opts: Record<string, unknown> = {}) => {
    const s = await connectWith(registered(bytes), opts);
    const pending = s.poke().catch((e: unknown) => e);
    const ev: SessionCloseEvent = await s.whenClosed;
    expect(ev.error?.code).to.equal(code);
    expect(((await pending) as RemoteConnError).code).to.equal(ErrorCodes.CLOSED);
  };

  it('closes cleanly with FRAME_INVALID on a bad endian marker', async () => {
    await closesWith((c) => c.raw(Buffer.alloc(64, 0x41)), ErrorCodes.FRAME_INVALID);
  });

  it('closes with FRAME_INVALID when sizes disagree', async () => {
    const h = encodeHeader({ id: 1, payloadUncompressed: 10 });
    h.writeUInt32LE(99, 24);
    await closesWith((c) => c.raw(h), ErrorCodes.FRAME_INVALID);
  });

  it('closes with FRAME_TOO_LARGE before buffering an oversized message', async () => {
    await closesWith((c) => c.raw(encodeHeader({ id: 1, payloadUncompressed: 5000 })), ErrorCodes.FRAME_TOO_LARGE, { maxMessageSize: 4096 });
  });

  it('closes with XML_INVALID on malformed XML', async () => {
    await closesWith((c) => c.send('<lrmd_reply lrmd_rc="0"'), ErrorCodes.XML_INVALID);
  });

  it('closes with FRAME_INVALID when the peer ends mid-message', async () => {
    await closesWith(async (c) => {
      await c.raw(encodeHeader({ id: 1, payloadUncompressed: 100 }));
      c.socket.end();
    }, ErrorCodes.FRAME_INVALID);
  });

  it('times out a request that never gets a reply, and keeps the session usable', async () => {
    const s = await connectWith(
      registered(async (c) => {
        await c.nextRequest(); // first poke: ignored
        const second = await c.nextRequest();
        await c.send(`<lrmd_reply lrmd_origin="x" lrmd_rc="0" lrmd_callid="5" lrmd_remote_msg_id="${second.attrs.lrmd_remote_msg_id}" lrmd_remote_msg_type="reply"/>`);
        await c.send('<lrmd_notify lrmd_origin="send_generic_notify" lrmd_rc="0" lrmd_callid="5" lrmd_op="lrmd_rsc_poke" lrmd_remote_msg_id="0" lrmd_remote_msg_type="notify"/>');
      }),
      { requestTimeoutMs: 200 },
    );
    await rejectsWith(s.poke(), ErrorCodes.REQUEST_TIMEOUT);
    expect((await s.poke({ timeoutMs: 2000 })).rttMs).to.be.greaterThan(0);
    await s.close();
  });

  it('ignores poke notifications of other clients (matches by call id)', async () => {
    const s = await connectWith(
      registered(async (c) => {
        const req = await c.nextRequest();
        await c.send(`<lrmd_reply lrmd_rc="0" lrmd_callid="8" lrmd_remote_msg_id="${req.attrs.lrmd_remote_msg_id}" lrmd_remote_msg_type="reply"/>`);
        await c.send('<lrmd_notify lrmd_rc="0" lrmd_callid="7" lrmd_op="lrmd_rsc_poke" lrmd_remote_msg_id="0" lrmd_remote_msg_type="notify"/>');
        await new Promise((r) => setTimeout(r, 100));
        await c.send('<lrmd_notify lrmd_rc="0" lrmd_callid="8" lrmd_op="lrmd_rsc_poke" lrmd_remote_msg_id="0" lrmd_remote_msg_type="notify"/>');
      }),
    );
    const seen: boolean[] = [];
    s.on('notify', (n) => seen.push(n.ours));
    await s.poke();
    expect(seen).to.deep.equal([false, true]);
    await s.close();
  });

  // Bug #7: over js-tls12 the daemon's reply and its notification often arrive in one chunk; the
  // notification was dispatched before poke()/exec() had registered the call id, and was lost.
  const sameChunk = (c: ScriptedConnection, ...xml: string[]) => {
    const parts = xml.flatMap((x, i) => {
      const f = encodeFrame(x, 500 + i);
      return [f.header, f.payload];
    });
    return c.raw(Buffer.concat(parts));
  };

  it('resolves poke when the reply and the notification arrive in the same chunk', async () => {
    const s = await connectWith(
      registered(async (c) => {
        const req = await c.nextRequest();
        await sameChunk(
          c,
          `<lrmd_reply lrmd_rc="0" lrmd_callid="8" lrmd_remote_msg_id="${req.attrs.lrmd_remote_msg_id}" lrmd_remote_msg_type="reply"/>`,
          '<lrmd_notify lrmd_rc="0" lrmd_callid="8" lrmd_op="lrmd_rsc_poke" lrmd_remote_msg_id="0" lrmd_remote_msg_type="notify"/>',
        );
      }),
    );
    expect((await s.poke({ timeoutMs: 1500 })).rttMs).to.be.greaterThan(0);
    await s.close();
  });

  it('resolves exec when the reply and the result arrive in the same chunk', async () => {
    const s = await connectWith(
      registered(async (c) => {
        const req = await c.nextRequest();
        await sameChunk(
          c,
          `<lrmd_reply lrmd_rc="12" lrmd_callid="12" lrmd_remote_msg_id="${req.attrs.lrmd_remote_msg_id}" lrmd_remote_msg_type="reply"/>`,
          '<lrmd_notify lrmd_origin="send_cmd_complete_notify" lrmd_rc="0" lrmd_exec_rc="0" lrmd_exec_op_status="0" lrmd_callid="12" lrmd_rsc_id="r1" lrmd_rsc_action="start" lrmd_op="lrmd_rsc_exec" lrmd_remote_msg_id="0" lrmd_remote_msg_type="notify"/>',
        );
      }),
    );
    const r = await s.exec({ resource: 'r1', action: 'start', timeoutMs: 1500, resultTimeoutMs: 1500 });
    expect(r).to.deep.include({ rc: 0, opStatus: 0, callId: 12 });
    await s.close();
  });

  it('answers proxied IPC sessions with destroy, and acks a shutdown request nobody listens to', async () => {
    const got: string[] = [];
    const s = await connectWith(
      registered(async (c) => {
        await c.send('<lrmd_ipc_proxy lrmd_ipc_op="new" lrmd_ipc_server="cib_rw" lrmd_ipc_session="abc" lrmd_remote_msg_id="0" lrmd_remote_msg_type="notify"/>');
        const d = await c.nextRequest();
        got.push(`${d.attrs.lrmd_ipc_op}:${d.attrs.lrmd_ipc_session}:${d.attrs.lrmd_op}`);
        await c.send(`<lrmd_reply lrmd_rc="0" lrmd_remote_msg_id="${d.attrs.lrmd_remote_msg_id}" lrmd_remote_msg_type="reply"/>`);
        await c.send('<lrmd_ipc_proxy lrmd_ipc_op="shutdown_req" lrmd_ipc_session="0" lrmd_remote_msg_id="0" lrmd_remote_msg_type="notify"/>');
        const ack = await c.nextRequest();
        got.push(`${ack.attrs.lrmd_ipc_op}:${ack.attrs.lrmd_op}`);
        c.socket.end();
      }),
    );
    const ev = await s.whenClosed;
    expect(got).to.deep.equal(['destroy:abc:ipc_fwd', 'shutdown_ack:ipc_fwd']);
    expect(ev.afterShutdownRequest).to.equal(true);
    expect(ev.error).to.equal(undefined);
  });

  it('refuses a key longer than 512 bytes on node-tls with a hint, without key bytes in the message', async () => {
    const long = randomBytes(600);
    const err = await rejectsWith(
      RemoteSession.connect({ host: '127.0.0.1', port: 9, key: long, tls: { engine: 'node-tls' } }),
      ErrorCodes.KEY_TOO_LONG,
    );
    expect(err.message).to.include('512').and.include('bs=256');
    expect(err.message).not.to.include(long.subarray(0, 8).toString('hex'));
  });

  it('validates options with INVALID_ARGUMENT', async () => {
    await rejectsWith(RemoteSession.connect({ host: '', key }), ErrorCodes.INVALID_ARGUMENT);
    await rejectsWith(RemoteSession.connect({ host: 'h', port: 70000, key }), ErrorCodes.INVALID_ARGUMENT);
    await rejectsWith(RemoteSession.connect({ host: 'h', key, connectTimeoutMs: -1 }), ErrorCodes.INVALID_ARGUMENT);
  });
});
