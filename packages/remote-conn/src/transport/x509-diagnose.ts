/**
 * Naming the real cause when a daemon in X.509 mode refuses our client certificate. Pacemaker 3.0 checks
 * the client's certificate after a TLS 1.3 handshake has completed on our side and then just closes the
 * connection (no alert reaches us), so the cause is looked for in our own material: an expired or not yet
 * valid certificate, or one our CA file did not sign (the daemon's PCMK_ca_file normally holds the same CA).
 */
import { X509Certificate } from 'node:crypto';
import type { X509Material } from './transport.js';

/** PEM blocks of one kind in a text. */
function pemBlocks(pem: string | Buffer, label: string): string[] {
  const re = new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`, 'g');
  return String(pem).match(re) ?? [];
}

/**
 * Why the daemon probably refused our client certificate, as a phrase for an error message, checking the
 * validity dates (at `now`) and whether a CA of `x509.ca` issued it.
 */
export function clientCertProblem(x509: X509Material, now = new Date()): string {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(x509.cert);
  } catch {
    return 'our client certificate could not be parsed';
  }
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (now > to) return `our client certificate (${cert.subject.replace(/\n/g, ', ')}) expired on ${to.toISOString()}`;
  if (now < from) return `our client certificate is not valid before ${from.toISOString()} (check the clocks)`;
  const cas: X509Certificate[] = [];
  for (const block of pemBlocks(x509.ca, 'CERTIFICATE')) {
    try {
      cas.push(new X509Certificate(block));
    } catch {
      /* not a certificate we can read: skip */
    }
  }
  if (cas.length > 0 && !cas.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) {
    return 'our client certificate is not signed by the CA in our CA file (the daemon checks it against its PCMK_ca_file)';
  }
  return "the daemon refused our client certificate: it is not signed by the CA in the daemon's PCMK_ca_file, or the daemon's PCMK_crl_file revokes it";
}
