/**
 * Test support: X.509 material for the real 3.0 daemons, made with the openssl command line (`openssl ca`,
 * so certificates can carry past validity dates and be revoked): a CA, a second CA, a server and a client
 * certificate signed by the CA, expired ones, a client signed by the other CA, and a CRL revoking a client.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Paths of the PEM files (all under `dir`). */
export interface X509Fixture {
  readonly dir: string;
  /** `${name}.crt`, `${name}.key`, or `ca.crl` as a path. */
  file(name: string): string;
  dispose(): void;
}

const CONFIG = (dir: string) => `[ ca ]
default_ca = CA_default
[ CA_default ]
dir = ${dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_crl_days = 2
policy = policy_any
unique_subject = no
[ policy_any ]
commonName = supplied
[ leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
`;

/**
 * Creates: ca, other-ca (self-signed CAs); server, client, revoked (signed by ca, valid 2 days);
 * expired-server, expired-client (signed by ca, expired in 2020); stranger (signed by other-ca);
 * ca.crl (ca's CRL revoking `revoked`).
 */
export function makeX509Fixture(): X509Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'x509-real-'));
  const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const caDirs: Record<string, string> = {};
  for (const ca of ['ca', 'other-ca']) {
    const d = join(dir, `${ca}.db`);
    mkdirSync(join(d, 'newcerts'), { recursive: true });
    writeFileSync(join(d, 'index.txt'), '');
    writeFileSync(join(d, 'serial'), '1000\n');
    writeFileSync(join(d, 'crlnumber'), '1000\n');
    writeFileSync(join(d, 'ca.cnf'), CONFIG(d));
    caDirs[ca] = d;
    ossl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '3', '-subj', `/CN=${ca}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  }
  const caArgs = (ca: string) => ['-batch', '-config', join(caDirs[ca] ?? '', 'ca.cnf'), '-cert', `${ca}.crt`, '-keyfile', `${ca}.key`];
  const issue = (name: string, ca: string, validity: string[]) => {
    ossl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    ossl('ca', ...caArgs(ca), '-notext', '-extensions', 'leaf', '-in', `${name}.csr`, '-out', `${name}.crt`, ...validity);
  };
  const valid = ['-days', '2'];
  const expired = ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z'];
  issue('server', 'ca', valid);
  issue('client', 'ca', valid);
  issue('revoked', 'ca', valid);
  issue('expired-server', 'ca', expired);
  issue('expired-client', 'ca', expired);
  issue('stranger', 'other-ca', valid);
  ossl('ca', ...caArgs('ca'), '-revoke', 'revoked.crt');
  ossl('ca', ...caArgs('ca'), '-gencrl', '-out', 'ca.crl');
  return {
    dir,
    file: (name) => join(dir, name.includes('.') ? name : `${name}.crt`),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
