/**
 * The Diffie-Hellman group the simulated daemon offers in DHE-PSK handshakes. pacemaker-remoted 2.1.5
 * generates a 2048-bit prime at start-up (`pcmk__init_tls_dh`: GnuTLS' "normal" security level, log line
 * `Generating Diffie-Hellman parameters with 2048-bit prime for TLS`); Node's `dhparam: 'auto'` would pick
 * a 3072-bit group. The simulator uses the well-known 2048-bit MODP group of RFC 3526 (group 14), which a
 * client cannot tell from a generated one of the same size, and costs nothing to set up.
 */
import { getDiffieHellman } from 'node:crypto';

/** DER length octets. */
function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function derInteger(value: Buffer): Buffer {
  const v = (value[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), value]) : value;
  return Buffer.concat([Buffer.from([0x02]), derLength(v.length), v]);
}

let cached: string | undefined;

/** PEM `DH PARAMETERS` (PKCS#3) of the 2048-bit group, for `tls.createSecureContext({ dhparam })`. */
export function dhParams2048(): string {
  if (cached) return cached;
  const group = getDiffieHellman('modp14');
  const body = Buffer.concat([derInteger(group.getPrime()), derInteger(group.getGenerator())]);
  const der = Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  cached = `-----BEGIN DH PARAMETERS-----\n${b64}\n-----END DH PARAMETERS-----\n`;
  return cached;
}
