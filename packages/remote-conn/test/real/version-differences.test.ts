/**
 * What a client can observe that differs between the real daemons of the version matrix (2.1.5, 3.0.0,
 * 3.0.3; protocol.md §5.2), with our behaviour for each: register extras as typed fields, a rejected
 * register (3.0.2+ sends no reply), graceful shutdown with nack, empty and oversized key files, and the PSK
 * identity (checked from 3.0.2).
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, RemoteSession, isRemoteConnError, type RemoteConnError } from '../../src/index.js';
import { DAEMON_VERSIONS, startRealDaemon, type DaemonVersion, type RealDaemon } from '../support/real-daemon.js';

const atLeast302 = (v: DaemonVersion) => v === '3.0.3';
const v3 = (v: DaemonVersion) => v !== '2.1.5';

async function failure(p: Promise<unknown>): Promise<RemoteConnError> {
  try {
    const s = await p;
    await (s as RemoteSession | undefined)?.close?.();
  } catch (err) {
    expect(isRemoteConnError(err), `expected a RemoteConnError, got ${String(err)}`).to.equal(true);
    return err as RemoteConnError;
  }
  return expect.fail('expected a rejection');
}

for (const version of DAEMON_VERSIONS) {
  describe(`version differences (real pacemaker-remoted ${version})`, function () {
    this.timeout(30_000);
    let d: RealDaemon;
    before(async () => {
      d = await startRealDaemon({ version, env: { PCMK_node_start_state: 'standby' } });
    });
    after(async () => {
      await d?.dispose();
    });
    const connect = (o: Partial<Parameters<typeof RemoteSession.connect>[0]> = {}) => RemoteSession.connect({ host: d.host, port: d.port, key: d.key, connectTimeoutMs: 5000, ...o });

    it(`${version}: register reply extras become typed fields (uptime from 2.1.6, node_start_state from 2.1.7)`, async () => {
      const s = await connect();
      try {
        expect(s.daemon.protocolVersion).to.equal(v3(version) ? '1.2' : '1.1');
        if (v3(version)) {
          expect(s.daemon.uptimeS).to.be.a('number').within(0, 60);
          expect(s.daemon.nodeStartState).to.equal('standby');
        } else {
          expect(s.daemon).to.not.have.property('uptimeS');
          expect(s.daemon).to.not.have.property('nodeStartState');
        }
      } finally {
        await s.close();
      }
    });

    it(`${version}: a register the daemon rejects (protocol 0.9) is a typed error within the connect budget`, async () => {
      const t0 = Date.now();
      const err = await failure(connect({ protocolVersion: '0.9', connectTimeoutMs: 2500 }));
      const took = Date.now() - t0;
      if (atLeast302(version)) {
        // 3.0.2+: no reply at all; the budget ends the wait and the message says why a register goes unanswered.
        expect(err.code).to.equal(ErrorCodes.CONNECT_TIMEOUT);
        expect(err.message).to.match(/during register.*3\.0\.2 and later send no reply to a register they reject/);
        expect(took).to.be.within(2400, 4000);
      } else {
        expect(err.code).to.equal(ErrorCodes.PROTOCOL_MISMATCH);
        expect(err.details).to.include({ rc: -71, daemonVersion: v3(version) ? '1.2' : '1.1' });
        expect(took).to.be.lessThan(2000);
      }
      // The daemon is unharmed.
      const s = await connect();
      await s.poke();
      await s.close();
    });

    it(`${version}: the PSK identity is ${atLeast302(version) ? 'checked (only "lrmd")' : 'ignored'}`, async () => {
      if (atLeast302(version)) {
        const err = await failure(connect({ identity: 'not-lrmd' }));
        expect(err.code).to.equal(ErrorCodes.AUTH_FAILED);
        expect(err.message).to.include('PSK identity').and.include('"not-lrmd"');
        expect(d.log()).to.include('Expected remote username lrmd, but got not-lrmd');
      } else {
        const s = await connect({ identity: 'not-lrmd' });
        await s.poke();
        await s.close();
      }
    });

    it(`${version}: shutdown_nack makes the daemon exit at once (the answer gets no reply)`, async () => {
      const s = await connect();
      const asked = new Promise<void>((resolve) => s.once('shutdown-request', () => resolve()));
      d.signal('SIGTERM');
      await asked;
      const t0 = Date.now();
      // 2.1.5 has already gone; 3.0 exits on the nack: either way no reply, so "not delivered".
      expect(await s.nackShutdown()).to.equal(false);
      await d.waitExit(5000);
      expect(Date.now() - t0).to.be.lessThan(2000);
      expect((await s.whenClosed).afterShutdownRequest).to.equal(true);
      await d.start();
    });
  });

  describe(`key files (real pacemaker-remoted ${version})`, function () {
    this.timeout(30_000);

    it(`${version}: an empty key file on the daemon: our client cannot match it (${atLeast302(version) ? 'a zero-length key' : 'no key'} there), AUTH_FAILED`, async () => {
      const d = await startRealDaemon({ version, key: Buffer.alloc(0) });
      try {
        const err = await failure(RemoteSession.connect({ host: d.host, port: d.port, key: randomBytes(256), connectTimeoutMs: 5000 }));
        expect(err.code).to.equal(ErrorCodes.AUTH_FAILED);
        await new Promise((r) => setTimeout(r, 200));
        const log = d.log();
        // 2.1.5 and 3.0.0/3.0.1 read an empty file as "no key"; 3.0.2+ use it as a zero-length key.
        if (atLeast302(version)) expect(log).to.not.match(/Could not read Pacemaker Remote key|Required key not available/);
        else expect(log).to.match(/Required key not available|Could not read Pacemaker Remote key/);
      } finally {
        await d.dispose();
      }
    });

    it(`${version}: an empty key file on our side is KEY_EMPTY before any connection`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'empty-key-'));
      try {
        writeFileSync(join(dir, 'authkey'), '', { mode: 0o600 });
        const err = await failure(RemoteSession.connect({ host: '127.0.0.1', port: 1, keyFile: join(dir, 'authkey') }));
        expect(err.code).to.equal(ErrorCodes.KEY_EMPTY);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it(`${version}: a 16 KiB key works (js-tls12); a 64 KiB key is KEY_TOO_LONG (TLS carries at most 65535 bytes)`, async () => {
      const key = randomBytes(16_384);
      const d = await startRealDaemon({ version, key });
      try {
        const s = await RemoteSession.connect({ host: d.host, port: d.port, key, connectTimeoutMs: 10_000 });
        expect(s.transportInfo.engine).to.equal('js-tls12');
        await s.poke();
        await s.close();
        const err = await failure(RemoteSession.connect({ host: d.host, port: d.port, key: randomBytes(65_536), connectTimeoutMs: 5000 }));
        expect(err.code).to.equal(ErrorCodes.KEY_TOO_LONG);
      } finally {
        await d.dispose();
      }
    });
  });
}
