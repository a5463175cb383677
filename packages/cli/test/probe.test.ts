/**
 * `pcmk-remote probe` against the simulated daemon: safe mode never completes the handshake (the daemon
 * never sees a connected client and an owning session is never told about a new client), `--full` checks
 * everything, and failures give the failing step, the error code, a hint and exit code 1 or 2.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { RemoteSession } from '@pcmk-remote/remote-conn';
import { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';
import { connectJsTls12, SUITES } from '@pcmk-remote/remote-conn/internal';
import type { ProbeReport } from '../src/probe.js';
import { freePort } from '../../remote-conn/test/support/real-daemon.js';
import { cli, cliChild, tempKeyDir } from './cli-io.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A TCP server on 127.0.0.1 that runs `onConn` for each connection; closes everything on `close()`. */
async function rawServer(onConn: (s: net.Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('close', () => sockets.delete(s));
    onConn(s);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => srv.close(r));
    },
  };
}

const parse = (stdout: string) => JSON.parse(stdout) as ProbeReport;

describe('pcmk-remote probe (simulator)', function () {
  this.timeout(20_000);
  const key = randomBytes(256);
  let sim: SimulatedRemoteDaemon;
  let connected: number;
  let target: string;

  const tmp = tempKeyDir('pcmk-probe-', key);
  beforeEach(async () => {
    sim = await SimulatedRemoteDaemon.start({ key, noDelay: true });
    connected = 0;
    sim.on('client-connected', () => connected++);
    target = `127.0.0.1:${sim.port}`;
  });
  afterEach(async () => {
    await sim.stop();
  });

  describe('safe mode (default)', () => {
    it('reports TCP and the suite the daemon picks, and never completes the handshake', async () => {
      const r = await cli(['probe', target, '--json']);
      expect(r.code, r.stderr).to.equal(0);
      const rep = parse(r.stdout);
      expect(rep.mode).to.equal('safe');
      expect(rep.handshakeCompleted).to.equal(false);
      expect(rep.steps.map((s) => s.step)).to.deep.equal(['tcp', 'tls-hello']);
      expect(rep.steps.every((s) => s.ok)).to.equal(true);
      const hello = rep.steps[1]?.detail as Record<string, unknown>;
      expect(hello.version).to.equal('TLSv1.2');
      expect(hello.stoppedBefore).to.equal('ClientKeyExchange');
      expect(hello.serverHelloDone).to.equal(true);
      // The same suite a complete js-tls12 handshake with the right key negotiates with this daemon.
      const t = await connectJsTls12({ host: '127.0.0.1', port: sim.port, key, signal: AbortSignal.timeout(5000) });
      const negotiated = t.info.cipher;
      await t.close();
      expect(hello.suite).to.equal(negotiated);
      expect(SUITES.map((s) => s.name)).to.include(hello.suite);
      if (String(hello.suite).includes('DHE')) expect(hello.dhBits).to.be.a('number').and.to.be.at.least(1024);
      await sleep(100);
      expect(connected, 'only our own full js-tls12 handshake counts').to.equal(1);
      expect(rep.note).to.match(/stopped early/).and.to.match(/--full/);
    });

    it('says in text that the handshake was stopped early and that --full is needed for the key', async () => {
      const r = await cli(['probe', target]);
      expect(r.code).to.equal(0);
      expect(r.stdout).to.match(/safe mode: the TLS handshake is not completed/);
      expect(r.stdout).to.match(/ok +tcp/).and.to.match(/ok +tls-hello/);
      expect(r.stdout).to.match(/stopped early on purpose/).and.to.match(/key, registration, poke and executor were NOT checked/);
      expect(r.stdout).to.match(/Use --full/);
      expect(r.stderr).to.equal('');
      expect(connected).to.equal(0);
    });

    it('leaves a registered owner undisturbed: no new-client notification, while a --full probe triggers one', async () => {
      const owner = await RemoteSession.connect({ host: '127.0.0.1', port: sim.port, key, connectTimeoutMs: 5000 });
      let newClients = 0;
      owner.on('new-client', () => newClients++);
      try {
        for (let i = 0; i < 3; i++) expect((await cli(['probe', target, '--json'])).code).to.equal(0);
        await owner.poke({ timeoutMs: 3000 });
        await sleep(150);
        expect(newClients).to.equal(0);
        expect(sim.clientCount).to.equal(1);
        expect(owner.closed).to.equal(false);
        // Control: the same detector sees a full probe.
        const full = await cli(['probe', target, '--full', '--key', tmp.keyFile, '--json']);
        expect(full.code, full.stderr).to.equal(0);
        const deadline = Date.now() + 3000;
        while (newClients === 0 && Date.now() < deadline) await sleep(20);
        expect(newClients).to.equal(1);
      } finally {
        await owner.close();
      }
    });

    it('nothing listening: exit 2, CONNECT_REFUSED at step tcp, hint about port 3121 and PCMK_remote_port', async () => {
      const r = await cli(['probe', `127.0.0.1:${await freePort()}`, '--json']);
      expect(r.code).to.equal(2);
      const rep = parse(r.stdout);
      expect(rep.steps).to.have.length(1);
      expect(rep.steps[0]).to.include({ step: 'tcp', ok: false });
      expect(rep.steps[0]?.error?.code).to.equal('PCMK_REMOTE_CONNECT_REFUSED');
      expect(rep.steps[0]?.hint).to.match(/3121/).and.to.match(/PCMK_remote_port/);
    });

    it('TCP accepted but no answer to the hello: exit 2, CONNECT_TIMEOUT at tls-hello within --timeout', async () => {
      sim.hang(true);
      const t0 = Date.now();
      const r = await cli(['probe', target, '--timeout', '400ms', '--json']);
      const took = Date.now() - t0;
      expect(r.code).to.equal(2);
      const rep = parse(r.stdout);
      expect(rep.steps.map((s) => [s.step, s.ok])).to.deep.equal([['tcp', true], ['tls-hello', false]]);
      expect(rep.steps[1]?.error?.code).to.equal('PCMK_REMOTE_CONNECT_TIMEOUT');
      expect(rep.steps[1]?.hint).to.match(/accepted the TCP connection but nothing answered/);
      expect(took).to.be.within(350, 5000);
    });

    it('a peer that hangs up on the hello: exit 1, AUTH_FAILED (no suite in common)', async () => {
      const srv = await rawServer((s) => s.once('data', () => s.end()));
      try {
        const r = await cli(['probe', `127.0.0.1:${srv.port}`, '--json']);
        expect(r.code).to.equal(1);
        const rep = parse(r.stdout);
        expect(rep.steps[1]).to.include({ step: 'tls-hello', ok: false });
        expect(rep.steps[1]?.error?.code).to.equal('PCMK_REMOTE_AUTH_FAILED');
        expect(rep.steps[1]?.hint).to.match(/PCMK_tls_priorities/);
      } finally {
        await srv.close();
      }
    });

    it('a service that is not TLS: exit 1, TLS_ERROR with a hint about another service on the port', async () => {
      const srv = await rawServer((s) => s.once('data', () => s.write('HTTP/1.1 400 Bad Request\r\n\r\n')));
      try {
        const r = await cli(['probe', `127.0.0.1:${srv.port}`, '--json']);
        expect(r.code).to.equal(1);
        const rep = parse(r.stdout);
        expect(rep.steps[1]?.error?.code).to.equal('PCMK_REMOTE_TLS_ERROR');
        expect(rep.steps[1]?.hint).to.match(/another service/);
      } finally {
        await srv.close();
      }
    });
  });

  describe('--full', () => {
    it('prints the warning first, then checks key, TCP, TLS, registration, poke and the executor', async () => {
      const r = await cli(['probe', target, '--full', '--key', tmp.keyFile, '--json']);
      expect(r.code, r.stdout).to.equal(0);
      expect(r.stderr).to.match(/^WARNING: --full completes the TLS handshake/).and.to.match(/unexpected client takeover/);
      const rep = parse(r.stdout);
      expect(rep.mode).to.equal('full');
      expect(rep.handshakeCompleted).to.equal(true);
      expect(rep.steps.map((s) => s.step)).to.deep.equal(['key', 'tcp', 'tls', 'register', 'poke', 'executor']);
      expect(rep.steps.every((s) => s.ok)).to.equal(true);
      const [k, , tlsStep, reg, poke, exec] = rep.steps;
      expect(k?.detail).to.include({ bytes: 256, engine: 'node-tls' });
      expect(tlsStep?.detail?.version).to.match(/^TLSv1\.[23]$/);
      expect(tlsStep?.detail?.suite).to.be.a('string').and.not.equal('unknown');
      expect(reg?.detail?.protocolVersion).to.equal('1.1');
      expect(poke?.ms).to.be.a('number').and.at.least(0);
      expect(exec?.detail?.recurringOps).to.equal(0);
      expect(connected).to.equal(1);
    });

    it('wrong key: exit 1 at step tls with AUTH_FAILED and a key hint', async () => {
      const wrong = join(tmp.dir, 'wrong');
      writeFileSync(wrong, randomBytes(256), { mode: 0o600 });
      const r = await cli(['probe', target, '--full', '--key', wrong, '--json']);
      expect(r.code).to.equal(1);
      const rep = parse(r.stdout);
      const last = rep.steps.at(-1);
      expect(last).to.include({ step: 'tls', ok: false });
      expect(last?.error?.code).to.equal('PCMK_REMOTE_AUTH_FAILED');
      expect(last?.hint).to.match(/key differs/).and.to.match(/sha256sum/);
      expect(connected).to.equal(0);
    });

    it('wrong 4096-byte key: the hint says such keys are supported through the built-in engine', async () => {
      const long = join(tmp.dir, 'long');
      writeFileSync(long, randomBytes(4096), { mode: 0o600 });
      const r = await cli(['probe', target, '--full', '--key', long, '--json']);
      expect(r.code).to.equal(1);
      const rep = parse(r.stdout);
      expect(rep.steps[0]?.detail).to.include({ bytes: 4096, engine: 'js-tls12' });
      expect(rep.steps.at(-1)?.error?.code).to.equal('PCMK_REMOTE_AUTH_FAILED');
      expect(rep.steps.at(-1)?.hint).to.match(/4096 bytes/).and.to.match(/built-in TLS 1\.2 engine/);
    });

    it('nothing listening: exit 2 at step tcp with the port hint', async () => {
      const r = await cli(['probe', `127.0.0.1:${await freePort()}`, '--full', '--key', tmp.keyFile, '--json']);
      expect(r.code).to.equal(2);
      const rep = parse(r.stdout);
      expect(rep.steps.map((s) => [s.step, s.ok])).to.deep.equal([['key', true], ['tcp', false]]);
      expect(rep.steps[1]?.error?.code).to.equal('PCMK_REMOTE_CONNECT_REFUSED');
      expect(rep.steps[1]?.hint).to.match(/PCMK_remote_port/);
    });

    it('accepts TCP and never answers: exit 2, CONNECT_TIMEOUT at step tls after --timeout', async () => {
      sim.hang(true);
      const t0 = Date.now();
      const r = await cli(['probe', target, '--full', '--key', tmp.keyFile, '--timeout', '0.5s', '--json']);
      expect(Date.now() - t0).to.be.within(450, 6000);
      expect(r.code).to.equal(2);
      const rep = parse(r.stdout);
      expect(rep.steps.map((s) => [s.step, s.ok])).to.deep.equal([['key', true], ['tcp', true], ['tls', false]]);
      expect(rep.steps[2]?.error?.code).to.equal('PCMK_REMOTE_CONNECT_TIMEOUT');
    });

    it('a daemon that stops answering after registration: the poke fails with exit 1', async () => {
      // TCP, TLS and registration work; the answer to the poke comes far too late.
      sim.on('request', (e) => {
        if (e.op === 'lrmd_rsc_poke') sim.setReplyDelay(3000);
      });
      const r = await cli(['probe', target, '--full', '--key', tmp.keyFile, '--timeout', '800ms', '--json']);
      expect(r.code).to.equal(1);
      const rep = parse(r.stdout);
      expect(rep.steps.at(-1)).to.include({ step: 'poke', ok: false });
      expect(rep.steps.at(-1)?.error?.code).to.equal('PCMK_REMOTE_REQUEST_TIMEOUT');
    });

    it('missing key file: exit 2 at step key, with where the key is looked up', async () => {
      const r = await cli(['probe', target, '--full', '--key', join(tmp.dir, 'nope'), '--json']);
      expect(r.code).to.equal(2);
      const rep = parse(r.stdout);
      expect(rep.steps).to.have.length(1);
      expect(rep.steps[0]?.error?.code).to.equal('PCMK_REMOTE_KEY_MISSING');
      expect(rep.steps[0]?.hint).to.include(join(tmp.dir, 'nope'));
    });

    it('default key location: the hint names $PCMK_authkey_location and /etc/pacemaker/authkey', async () => {
      const saved = process.env.PCMK_authkey_location;
      process.env.PCMK_authkey_location = join(tmp.dir, 'missing-default');
      try {
        const r = await cli(['probe', target, '--full', '--json']);
        expect(r.code).to.equal(2);
        const step = parse(r.stdout).steps[0];
        expect(step?.error?.code).to.equal('PCMK_REMOTE_KEY_MISSING');
        expect(step?.hint).to.include('$PCMK_authkey_location').and.to.include('/etc/pacemaker/authkey');
      } finally {
        if (saved === undefined) delete process.env.PCMK_authkey_location;
        else process.env.PCMK_authkey_location = saved;
      }
    });
  });

  describe('usage and exit codes', () => {
    it('a bad --timeout is a usage error (exit 2)', async () => {
      const r = await cli(['probe', target, '--timeout', '10 parsecs']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/--timeout: cannot parse duration/).and.to.match(/PCMK_REMOTE_INVALID_ARGUMENT/);
      expect(connected).to.equal(0);
    });

    it('a missing HOST is a usage error (exit 2)', async () => {
      const r = await cli(['probe']);
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(/missing required argument/);
    });

    it('as a child process: exit 0 for a daemon in safe mode, 2 when nothing listens, 1 for a wrong key', async () => {
      const wrong = join(tmp.dir, 'wrong2');
      writeFileSync(wrong, randomBytes(64), { mode: 0o600 });
      const [ok, refused, auth] = await Promise.all([
        cliChild(['probe', target]),
        cliChild(['probe', `127.0.0.1:${await freePort()}`]),
        cliChild(['probe', target, '--full', '--key', wrong]),
      ]);
      expect(ok.code, ok.stderr).to.equal(0);
      expect(ok.stdout).to.match(/result: ok \(exit 0\)/);
      expect(refused.code).to.equal(2);
      expect(refused.stdout).to.match(/FAIL +tcp .*PCMK_REMOTE_CONNECT_REFUSED/);
      expect(auth.code).to.equal(1);
      expect(auth.stderr).to.match(/^WARNING/);
      expect(auth.stdout).to.match(/FAIL +tls .*PCMK_REMOTE_AUTH_FAILED/).and.to.match(/hint: the daemon ended the TLS handshake/);
    });
  });
});
