/**
 * `pcmk-remote keygen --x509 --out-dir DIR`: the certificates Pacemaker 3.0+ uses instead of a pre-shared
 * key (PCMK_ca_file, PCMK_cert_file, PCMK_key_file): a CA, a server certificate for the remote nodes and a
 * client certificate for the cluster side (our client), each with its private key.
 *
 * node:crypto makes keys but cannot sign certificates, so the certificates are built with @peculiar/x509
 * (a maintained TypeScript X.509 library on WebCrypto: the keys and signatures come from node:crypto's
 * WebCrypto, the library only encodes ASN.1; its dependency injection needs the `reflect-metadata`
 * polyfill, loaded only by this command's module). Calling the openssl program instead was the other
 * option: no npm dependency, but a program the user's machine may lack and whose flags differ by version. Keys are ECDSA P-256 with SHA-256 signatures, which GnuTLS
 * (the daemon) and OpenSSL (Node) both accept. The daemon checks no host name, so the names are labels.
 */
// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as x509 from '@peculiar/x509';
import { ErrorCodes, RemoteConnError } from '@pcmk-remote/remote-conn';

x509.cryptoProvider.set(x509.CryptoProvider.DEFAULT, webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);

type Key = webcrypto.CryptoKey;
type KeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** Options of {@link generateX509}. */
export interface X509KeygenOptions {
  /** Directory to write the files into (created, mode 0750). */
  outDir: string;
  /** Validity of every certificate, in days. @default 1095 */
  days?: number;
  /** Replace existing files. @default false */
  force?: boolean;
  /** Clock for the validity period (tests). @default now */
  now?: Date;
}

/** The files {@link generateX509} writes, by role. */
export interface X509KeygenResult {
  ca: { cert: string; key: string };
  server: { cert: string; key: string };
  client: { cert: string; key: string };
  notAfter: Date;
}

const FILES = ['ca.pem', 'ca-key.pem', 'server.pem', 'server-key.pem', 'client.pem', 'client-key.pem'] as const;

async function pemKey(key: Key): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

async function leaf(name: string, usage: string, ca: x509.X509Certificate, caKey: Key, notBefore: Date, notAfter: Date) {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${name}`,
    issuer: ca.subject,
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALG,
    notBefore,
    notAfter,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([usage]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  return { cert: cert.toString('pem'), key: await pemKey(keys.privateKey) };
}

/**
 * Writes ca.pem, ca-key.pem (keep it offline: it signs new certificates), server.pem, server-key.pem (for
 * every remote node), client.pem and client-key.pem (for the cluster side). Private keys get mode 0600.
 * @throws RemoteConnError `INVALID_ARGUMENT` (bad `days`, files exist without `force`)
 */
export async function generateX509(options: X509KeygenOptions): Promise<X509KeygenResult> {
  const days = options.days ?? 1095;
  if (!Number.isInteger(days) || days < 1 || days > 36500) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `--days must be an integer from 1 to 36500, got ${String(options.days)}`);
  }
  if (typeof options.outDir !== 'string' || options.outDir.length === 0) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, '--out-dir must name a directory');
  }
  const dir = resolve(options.outDir);
  const present = FILES.filter((f) => existsSync(join(dir, f)));
  if (present.length > 0 && !options.force) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `${join(dir, present[0] as string)} already exists; pass --force to replace the certificates in ${dir}`);
  }
  const notBefore = new Date((options.now ?? new Date()).getTime() - 60_000); // a minute of clock skew
  const notAfter = new Date(notBefore.getTime() + days * 86_400_000);
  const caKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=pcmk-remote CA',
    keys: caKeys,
    signingAlgorithm: ALG,
    notBefore,
    notAfter,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const server = await leaf('pcmk-remote server', '1.3.6.1.5.5.7.3.1', ca, caKeys.privateKey, notBefore, notAfter); // serverAuth
  const client = await leaf('pcmk-remote client', '1.3.6.1.5.5.7.3.2', ca, caKeys.privateKey, notBefore, notAfter); // clientAuth
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  const write = (name: string, text: string, mode: number): string => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode });
    chmodSync(path, mode);
    return path;
  };
  return {
    ca: { cert: write('ca.pem', ca.toString('pem'), 0o644), key: write('ca-key.pem', await pemKey(caKeys.privateKey), 0o600) },
    server: { cert: write('server.pem', server.cert, 0o644), key: write('server-key.pem', server.key, 0o600) },
    client: { cert: write('client.pem', client.cert, 0o644), key: write('client-key.pem', client.key, 0o600) },
    notAfter,
  };
}

/** What to do with the files: the `PCMK_*` lines of each remote node and the options of our client. */
export function x509Instructions(r: X509KeygenResult): string {
  return [
    `wrote a CA, a server and a client certificate (ECDSA P-256, valid until ${r.notAfter.toISOString().slice(0, 10)}):`,
    '',
    `# On every remote node (Pacemaker 3.0 or later), copy ${r.ca.cert}, ${r.server.cert} and ${r.server.key}`,
    '# (the key readable by root only) and set in /etc/sysconfig/pacemaker or /etc/default/pacemaker:',
    `PCMK_ca_file=${r.ca.cert}`,
    `PCMK_cert_file=${r.server.cert}`,
    `PCMK_key_file=${r.server.key}`,
    '',
    '# On the cluster side, pcmk-remote (RemoteSession, RemoteNodeConnection, ConnectionManager) option:',
    `x509: { caFile: '${r.ca.cert}', certFile: '${r.client.cert}', keyFile: '${r.client.key}' }`,
    '',
    `# Keep ${r.ca.key} off the nodes: it signs new certificates.`,
    '',
  ].join('\n');
}
