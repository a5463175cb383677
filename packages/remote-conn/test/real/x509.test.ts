/**
 * X.509 against the real Pacemaker 3.0.0 and 3.0.3 daemons (PCMK_ca_file, PCMK_cert_file, PCMK_key_file,
 * PCMK_crl_file; protocol.md §1.6): connect, register and a Dummy life cycle, and a typed error naming the
 * real cause for each way it fails: wrong CA, expired daemon or client certificate, a client certificate
 * from another CA, one the daemon's CRL revokes, no client certificate, and a PSK client against an X.509
 * daemon or the reverse.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ErrorCodes, RemoteSession, isRemoteConnError, type RemoteConnError, type RemoteSessionOptions } from '../../src/index.js';
import { startRealDaemon, type RealDaemon } from '../support/real-daemon.js';
import { makeX509Fixture, type X509Fixture } from '../support/x509-fixture.js';

async function failure(p: Promise<RemoteSession>): Promise<RemoteConnError> {
  try {
    await (await p).close();
  } catch (err) {
    expect(isRemoteConnError(err), `expected a RemoteConnError, got ${String(err)}`).to.equal(true);
    return err as RemoteConnError;
  }
  return expect.fail('expected a rejection');
}

for (const version of ['3.0.0', '3.0.3'] as const) {
  describe(`X.509 (real pacemaker-remoted ${version})`, function () {
    this.timeout(30_000);
    let fx: X509Fixture;
    let d: RealDaemon;
    const client = (name = 'client', ca = 'ca') => ({ caFile: fx.file(ca), certFile: fx.file(name), keyFile: fx.file(`${name}.key`) });
    const connect = (daemon: RealDaemon, o: Partial<RemoteSessionOptions>) =>
      RemoteSession.connect({ host: daemon.host, port: daemon.port, connectTimeoutMs: 5000, ...o } as RemoteSessionOptions);

    before(async () => {
      fx = makeX509Fixture();
      d = await startRealDaemon({ version, x509: { ca: fx.file('ca'), cert: fx.file('server'), key: fx.file('server.key'), crl: fx.file('ca.crl') } });
    });
    after(async () => {
      await d?.dispose();
      fx?.dispose();
    });

    it(`${version}: connects with certificates, registers, and runs a Dummy through start, monitor and stop`, async () => {
      const s = await connect(d, { x509: client() });
      try {
        expect(s.transportInfo).to.include({ engine: 'node-tls', auth: 'x509' });
        expect(s.daemon.protocolVersion).to.equal('1.2');
        await s.registerResource({ id: 'x1', standard: 'ocf', provider: 'pacemaker', type: 'Dummy' });
        for (const action of ['start', 'monitor', 'stop'] as const) {
          const r = await s.exec({ resource: 'x1', action, timeoutMs: 20_000 });
          expect(r.rc, action).to.equal(0);
        }
        await s.unregisterResource('x1');
      } finally {
        await s.close();
      }
    });

    it(`${version}: our CA did not sign the daemon's certificate: AUTH_FAILED "not trusted"`, async () => {
      const err = await failure(connect(d, { x509: client('client', 'other-ca') }));
      expect(err.code).to.equal(ErrorCodes.AUTH_FAILED);
      expect(err.message).to.match(/certificate of the daemon .* is not trusted: the CA file must hold the CA that signed the daemon's PCMK_cert_file/);
    });

    it(`${version}: the daemon's certificate has expired: AUTH_FAILED "has expired"`, async () => {
      const old = await startRealDaemon({ version, x509: { ca: fx.file('ca'), cert: fx.file('expired-server'), key: fx.file('expired-server.key') } });
      try {
        const err = await failure(connect(old, { x509: client() }));
        expect(err.code).to.equal(ErrorCodes.AUTH_FAILED);
        expect(err.message).to.match(/certificate of the daemon .* has expired.*CERT_HAS_EXPIRED/);
      } finally {
        await old.dispose();
      }
    });

    it(`${version}: our certificate has expired: AUTH_FAILED naming its end date (the daemon logs the expired chain)`, async () => {
      const err = await failure(connect(d, { x509: client('expired-client') }));
      expect(err.code).to.equal(ErrorCodes.AUTH_FAILED);
      expect(err.message).to.match(/our client certificate \(CN=expired-client\) expired on 2020-01-02/);
      await new Promise((r) => setTimeout(r, 100));
      expect(d.log()).to.match(/expired certificate/);
    });

    it(`${version}: our certificate comes from another CA: AUTH_FAILED "not signed by the CA"`, async () => {
      const err = await failure(connect(d, { x509: { ...client('stranger'), caFile: fx.file('ca') } }));
      expect(err.code).to.equal(ErrorCodes.AUTH_FAILED);
      expect(err.message).to.include('not signed by the CA in our CA file');
    });

    it(`${version}: the daemon's CRL revokes our certificate: AUTH_FAILED naming PCMK_crl_file`, async () => {
      const err = await failure(connect(d, { x509: client('revoked') }));
      expect(err.code).to.equal(ErrorCodes.AUTH_FAILED);
      expect(err.message).to.include("the daemon's PCMK_crl_file revokes it");
      await new Promise((r) => setTimeout(r, 100));
      expect(d.log()).to.match(/chain is revoked/);
    });

    it(`${version}: no client certificate: INVALID_ARGUMENT before connecting (the daemon requires one)`, async () => {
      const err = await failure(connect(d, { x509: { caFile: fx.file('ca') } }));
      expect(err.code).to.equal(ErrorCodes.INVALID_ARGUMENT);
      expect(err.message).to.include('requires a client certificate');
    });

    it(`${version}: a PSK client against the X.509 daemon: AUTH_FAILED saying the daemon runs in X.509 mode`, async () => {
      const tls13 = await failure(connect(d, { key: randomBytes(256) }));
      expect(tls13.code).to.equal(ErrorCodes.AUTH_FAILED);
      expect(tls13.message).to.match(/presented a certificate: it runs in X\.509 mode .* this client uses a pre-shared key/);
      expect(tls13.details.authMismatch).to.equal('daemon-x509');
      // Over TLS 1.2 (and js-tls12 for long keys) the daemon just hangs up: the message lists X.509 mode as a cause.
      for (const o of [{ key: randomBytes(256), tls: { maxVersion: 'TLSv1.2' as const } }, { key: randomBytes(4096) }]) {
        const err = await failure(connect(d, o));
        expect(err.code).to.equal(ErrorCodes.AUTH_FAILED);
        expect(err.message).to.match(/X\.509 mode/);
      }
    });

    it(`${version}: an X.509 client against a PSK daemon: AUTH_FAILED saying the daemon is not in X.509 mode`, async () => {
      const psk = await startRealDaemon({ version });
      try {
        const err = await failure(connect(psk, { x509: client() }));
        expect(err.code).to.equal(ErrorCodes.AUTH_FAILED);
        expect(err.message).to.match(/without presenting a certificate: it does not run in X\.509 mode/);
        expect(err.details.authMismatch).to.equal('daemon-psk');
      } finally {
        await psk.dispose();
      }
    });
  });
}
