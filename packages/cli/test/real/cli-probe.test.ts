/**
 * `pcmk-remote probe` against Debian's real pacemaker-remoted 2.1.5.
 *
 * Safe mode: GnuTLS must answer our TLS 1.2 PSK ClientHello with a suite we support; the suite must be the
 * one a complete js-tls12 handshake negotiates; and the daemon must never accept the probe as a client (its
 * log line "Remote client connection accepted" and the new-client notification to a registered owner only
 * come with a completed handshake). `--full`: every step against the real daemon, with 256- and 4096-byte
 * keys, and a wrong key.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RemoteSession } from '@pcmk-remote/remote-conn';
import { connectJsTls12 } from '@pcmk-remote/remote-conn/internal';
import type { ProbeReport } from '../../src/probe.js';
import { cli, cliChild } from '../cli-io.js';
import { startRealDaemon, type RealDaemon } from '../../../remote-conn/test/support/real-daemon.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const accepted = (d: RealDaemon) => (d.log().match(/Remote client connection accepted/g) ?? []).length;
const parse = (s: string) => JSON.parse(s) as ProbeReport;

describe('pcmk-remote probe (real pacemaker-remoted 2.1.5)', function () {
  this.timeout(60_000);

  describe('256-byte key', () => {
    let d: RealDaemon;
    let target: string;
    before(async () => {
      d = await startRealDaemon({ keyBytes: 256 });
      target = `${d.host}:${d.port}`;
    });
    after(async () => d?.dispose());

    it('safe mode: the daemon answers our PSK hello with the suite a full js-tls12 handshake gets; no client is accepted', async () => {
      const before = accepted(d);
      const r = await cli(['probe', target, '--json']);
      expect(r.code, r.stdout + r.stderr).to.equal(0);
      const rep = parse(r.stdout);
      expect(rep.handshakeCompleted).to.equal(false);
      const hello = rep.steps.find((s) => s.step === 'tls-hello');
      expect(hello?.ok).to.equal(true);
      expect(hello?.detail?.version).to.equal('TLSv1.2');
      expect(hello?.detail?.serverHelloDone).to.equal(true);
      await sleep(300);
      expect(accepted(d), 'the daemon logged an accepted client after a safe probe').to.equal(before);

      const t = await connectJsTls12({ host: d.host, port: d.port, key: d.key, signal: AbortSignal.timeout(10_000) });
      const negotiated = t.info.cipher;
      await t.close();
      expect(hello?.detail?.suite).to.equal(negotiated);
      await sleep(300);
      expect(accepted(d)).to.equal(before + 1); // control: a completed handshake is logged
    });

    it('safe probes leave a registered owner alone; a --full probe is seen by it as a new client', async () => {
      const owner = await RemoteSession.connect({ host: d.host, port: d.port, key: d.key, connectTimeoutMs: 10_000 });
      let newClients = 0;
      owner.on('new-client', () => newClients++);
      try {
        for (let i = 0; i < 3; i++) expect((await cli(['probe', target, '--json'])).code).to.equal(0);
        await owner.poke({ timeoutMs: 5000 });
        await sleep(300);
        expect(newClients).to.equal(0);
        expect(owner.closed).to.equal(false);

        const keyFile = join(d.dir, 'probe-key');
        writeFileSync(keyFile, d.key, { mode: 0o600 });
        const full = await cli(['probe', target, '--full', '--key', keyFile, '--json']);
        expect(full.code, full.stdout).to.equal(0);
        const deadline = Date.now() + 5000;
        while (newClients === 0 && Date.now() < deadline) await sleep(20);
        expect(newClients).to.equal(1);
      } finally {
        await owner.close();
      }
    });

    it('--full: key, TCP, TLS, registration (protocol 1.1), poke and executor all pass', async () => {
      const r = await cli(['probe', target, '--full', '--key', d.keyPath, '--json']);
      expect(r.code, r.stdout).to.equal(0);
      const rep = parse(r.stdout);
      expect(rep.steps.map((s) => `${s.step}:${s.ok}`)).to.deep.equal(['key:true', 'tcp:true', 'tls:true', 'register:true', 'poke:true', 'executor:true']);
      const by = Object.fromEntries(rep.steps.map((s) => [s.step, s]));
      expect(by.key?.detail).to.include({ bytes: 256, engine: 'node-tls' });
      expect(by.register?.detail?.protocolVersion).to.equal('1.1');
      expect(by.executor?.detail?.recurringOps).to.equal(0);
      expect(by.tls?.detail?.suite).to.be.a('string').and.not.equal('unknown');
    });

    it('--full with a wrong key: exit 1 at step tls, AUTH_FAILED (child process)', async () => {
      const wrong = join(d.dir, 'wrong-key');
      writeFileSync(wrong, randomBytes(256), { mode: 0o600 });
      const r = await cliChild(['probe', target, '--full', '--key', wrong, '--json'], { timeoutMs: 40_000 });
      expect(r.code, r.stderr).to.equal(1);
      const last = parse(r.stdout).steps.at(-1);
      expect(last).to.include({ step: 'tls', ok: false });
      expect(last?.error?.code).to.equal('PCMK_REMOTE_AUTH_FAILED');
      expect(last?.hint).to.match(/key differs/);
    });
  });

  describe('4096-byte key', () => {
    let d: RealDaemon;
    before(async () => {
      d = await startRealDaemon({ keyBytes: 4096 });
    });
    after(async () => d?.dispose());

    it('safe mode needs no key; --full goes through the built-in js-tls12 engine', async () => {
      const safe = await cli(['probe', `${d.host}:${d.port}`, '--json']);
      expect(safe.code).to.equal(0);
      const r = await cli(['probe', `${d.host}:${d.port}`, '--full', '--key', d.keyPath, '--json']);
      expect(r.code, r.stdout).to.equal(0);
      const rep = parse(r.stdout);
      const by = Object.fromEntries(rep.steps.map((s) => [s.step, s]));
      expect(by.key?.detail).to.include({ bytes: 4096, engine: 'js-tls12' });
      expect(by.tls?.detail).to.include({ engine: 'js-tls12', version: 'TLSv1.2' });
      expect(by.tls?.detail?.suite).to.equal(parse(safe.stdout).steps[1]?.detail?.suite);
      expect(by.poke?.ok).to.equal(true);
    });
  });
});
