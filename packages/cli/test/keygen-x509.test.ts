/**
 * `pcmk-remote keygen --x509 --out-dir DIR`: the files, their modes, the certificates' roles and usages (read
 * back with node:crypto), the printed PCMK_* lines and client options, and the refusals. A real 3.0 daemon
 * accepting these certificates is in test/real/keygen-x509.test.ts.
 */
import { expect } from 'chai';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './cli-io.js';

describe('pcmk-remote keygen --x509', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keygen-x509-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a CA, a server and a client certificate with their keys, and prints how to use them', async () => {
    const out = join(dir, 'certs');
    const r = await cli(['keygen', '--x509', '--out-dir', out, '--days', '30']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include(`PCMK_ca_file=${join(out, 'ca.pem')}`).and.include(`PCMK_cert_file=${join(out, 'server.pem')}`).and.include(`PCMK_key_file=${join(out, 'server-key.pem')}`);
    expect(r.stdout).to.include(`x509: { caFile: '${join(out, 'ca.pem')}', certFile: '${join(out, 'client.pem')}', keyFile: '${join(out, 'client-key.pem')}' }`);
    const cert = (name: string) => new X509Certificate(readFileSync(join(out, name)));
    const ca = cert('ca.pem');
    expect(ca.ca).to.equal(true);
    expect(ca.checkIssued(ca)).to.equal(true);
    for (const [name, usage] of [['server.pem', '1.3.6.1.5.5.7.3.1'], ['client.pem', '1.3.6.1.5.5.7.3.2']] as const) {
      const c = cert(name);
      expect(c.ca, name).to.equal(false);
      expect(c.checkIssued(ca) && c.verify(ca.publicKey), name).to.equal(true);
      expect(c.keyUsage, name).to.deep.equal([usage]);
      const days = (new Date(c.validTo).getTime() - new Date(c.validFrom).getTime()) / 86_400_000;
      expect(days, name).to.be.closeTo(30, 0.01);
      const key = createPrivateKey(readFileSync(join(out, name.replace('.pem', '-key.pem'))));
      expect(key.asymmetricKeyType).to.equal('ec');
      expect(statSync(join(out, name.replace('.pem', '-key.pem'))).mode & 0o777, name).to.equal(0o600);
    }
    expect(statSync(join(out, 'ca-key.pem')).mode & 0o777).to.equal(0o600);
  });

  it('refuses to replace certificates without --force, and needs --x509 and --out-dir together', async () => {
    expect((await cli(['keygen', '--x509', '--out-dir', dir])).code).to.equal(0);
    const again = await cli(['keygen', '--x509', '--out-dir', dir]);
    expect(again.code).to.equal(2);
    expect(again.stderr).to.match(/ca\.pem already exists; pass --force/);
    expect((await cli(['keygen', '--x509', '--out-dir', dir, '--force'])).code).to.equal(0);
    const alone = await cli(['keygen', '--x509']);
    expect(alone.code).to.equal(2);
    expect(alone.stderr).to.include('--x509 and --out-dir go together');
    const badDays = await cli(['keygen', '--x509', '--out-dir', join(dir, 'x'), '--days', '0']);
    expect(badDays.code).to.equal(2);
    expect(badDays.stderr).to.include('--days must be an integer from 1 to 36500');
  });
});
