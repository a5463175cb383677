/**
 * X.509 mode (Pacemaker 3.0+: PCMK_ca_file, PCMK_cert_file, PCMK_key_file) through node:tls, against the
 * simulated daemon in certificate mode: RemoteSession and RemoteNodeConnection, with the options given as
 * files or as PEM contents, and the failure paths (untrusted daemon, rejected client, unreadable files).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, RemoteNodeConnection, RemoteSession, isRemoteConnError, type NodeDownEvent } from '../../src/index.js';
import { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';
import { isCredentialAlert } from '../../src/transport/node-tls.js';

describe('X.509 mode (RemoteSession and RemoteNodeConnection over certificates)', function () {
  this.timeout(30_000);
  let dir: string;
  const f = (name: string) => join(dir, name);
  const pem = (name: string) => readFileSync(f(name), 'utf8');
  let sim: SimulatedRemoteDaemon;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'x509-session-'));
    const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    writeFileSync(f('ext.cnf'), 'basicConstraints=CA:FALSE\n');
    for (const ca of ['ca', 'other-ca']) {
      ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '2', '-subj', `/CN=${ca}`);
    }
    const issue = (name: string, ca: string) => {
      ossl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      ossl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', 'ext.cnf');
    };
    issue('server', 'ca');
    issue('client', 'ca');
    issue('stranger', 'other-ca');
    sim = await SimulatedRemoteDaemon.start({ version: '3.0.2', x509: { ca: pem('ca.crt'), cert: pem('server.crt'), key: pem('server.key') } });
  });
  after(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const files = () => ({ caFile: f('ca.crt'), certFile: f('client.crt'), keyFile: f('client.key') });

  it('connects with caFile/certFile/keyFile, registers and pokes', async () => {
    const s = await RemoteSession.connect({ host: '127.0.0.1', port: sim.port, x509: files(), connectTimeoutMs: 5000 });
    try {
      expect(s.transportInfo).to.include({ engine: 'node-tls', auth: 'x509' });
      expect(s.daemon.protocolVersion).to.equal('1.2');
      expect((await s.poke()).rttMs).to.be.greaterThan(0);
    } finally {
      await s.close();
    }
  });

  it('accepts PEM contents as well as files', async () => {
    const s = await RemoteSession.connect({ host: '127.0.0.1', port: sim.port, x509: { ca: pem('ca.crt'), cert: pem('client.crt'), key: readFileSync(f('client.key')) }, connectTimeoutMs: 5000 });
    await s.poke();
    await s.close();
  });

  it('refuses a daemon whose certificate our CA did not sign: AUTH_FAILED, with the verification error', async () => {
    const err = await RemoteSession.connect({ host: '127.0.0.1', port: sim.port, x509: { ...files(), caFile: f('other-ca.crt') }, connectTimeoutMs: 5000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRemoteConnError(err, ErrorCodes.AUTH_FAILED), String(err)).to.equal(true);
    expect((err as Error).message).to.match(/certificate/i);
  });

  it('is refused by the daemon when our certificate is not from its CA', async () => {
    const err = await RemoteSession.connect({
      host: '127.0.0.1',
      port: sim.port,
      x509: { caFile: f('ca.crt'), certFile: f('stranger.crt'), keyFile: f('stranger.key') },
      connectTimeoutMs: 5000,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRemoteConnError(err), String(err)).to.equal(true);
    // GnuTLS (Pacemaker 3.x) answers with an alert (AUTH_FAILED); a node:tls server just closes, which
    // after a TLS 1.3 handshake is only visible at registration (PROTOCOL_ERROR). Both name the cause.
    expect([ErrorCodes.AUTH_FAILED, ErrorCodes.PROTOCOL_ERROR]).to.include((err as { code: string }).code);
    expect((err as Error).message).to.match(/client certificate/);
  });

  it('recognizes a credential alert anywhere in an error chain (TLS 1.3 rejections arrive after the handshake)', () => {
    const alert = Object.assign(new Error('alert'), { code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' });
    expect(isCredentialAlert(new Error('closed', { cause: new Error('lost', { cause: alert }) }))).to.equal(true);
    expect(isCredentialAlert(Object.assign(new Error('x'), { code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' }))).to.equal(true);
    expect(isCredentialAlert(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).to.equal(false);
    expect(isCredentialAlert('not an error')).to.equal(false);
  });

  it('names an unreadable file (CERT_UNREADABLE) and rejects ambiguous or incomplete options', async () => {
    const missing = await RemoteSession.connect({ host: '127.0.0.1', port: sim.port, x509: { ...files(), certFile: f('nope.crt') } }).catch((e: unknown) => e);
    expect(isRemoteConnError(missing, ErrorCodes.CERT_UNREADABLE)).to.equal(true);
    expect((missing as Error).message).to.include(f('nope.crt'));
    const both = await RemoteSession.connect({ host: '127.0.0.1', port: sim.port, x509: { ...files(), ca: pem('ca.crt') } }).catch((e: unknown) => e);
    expect(isRemoteConnError(both, ErrorCodes.INVALID_ARGUMENT)).to.equal(true);
    const none = await RemoteSession.connect({ host: '127.0.0.1', port: sim.port, x509: { caFile: f('ca.crt'), certFile: f('client.crt') } }).catch((e: unknown) => e);
    expect(isRemoteConnError(none, ErrorCodes.INVALID_ARGUMENT)).to.equal(true);
    expect((none as Error).message).to.include('keyFile');
    const mixed = await RemoteSession.connect({ host: '127.0.0.1', port: sim.port, key: randomBytes(32), x509: files() }).catch((e: unknown) => e);
    expect(isRemoteConnError(mixed, ErrorCodes.INVALID_ARGUMENT)).to.equal(true);
  });

  it('a RemoteNodeConnection comes up over X.509 and an unreadable certificate is a hard connect failure', async () => {
    const c = new RemoteNodeConnection({ name: 'x509-node', host: '127.0.0.1', port: sim.port, x509: files(), monitorIntervalMs: 200, monitorTimeoutMs: 1000, connectTimeoutMs: 5000 });
    const up = new Promise((r) => c.once('node-up', r));
    await c.start();
    await up;
    expect(c.state).to.equal('up');
    const down = new Promise<NodeDownEvent>((r) => c.once('node-down', r));
    await c.stop();
    expect((await down).reason).to.equal('stopped');

    const bad = new RemoteNodeConnection({ name: 'x509-bad', host: '127.0.0.1', port: sim.port, x509: { ...files(), keyFile: f('nope.key') }, connectTimeoutMs: 5000 });
    const failures: Array<{ willRetry: boolean; error: unknown }> = [];
    bad.on('connect-failed', (e) => failures.push(e));
    await bad.start().catch(() => undefined);
    await bad.stop();
    expect(failures).to.have.length(1);
    expect(failures[0]?.willRetry).to.equal(false);
    expect(isRemoteConnError(failures[0]?.error, ErrorCodes.CERT_UNREADABLE)).to.equal(true);
  });
});
