/**
 * Premaster secrets for PSK and DHE-PSK (RFC 4279 §2, §3) and the finite-field Diffie-Hellman step with
 * validation of the server's group (RFC 5246 §8.1.2, RFC 7919 §3 "insufficient_security").
 */
import { createDiffieHellman, createHash, createPrivateKey, createPublicKey, diffieHellman, randomBytes, type KeyObject } from 'node:crypto';
import createDebug from 'debug';
import { tlsFault } from './alerts.js';
import { u16 } from './bytes.js';
import type { ServerDhParams } from './handshake-messages.js';

const debug = createDebug('pcmk-remote:tls12');

/** Smallest DH prime accepted (bits). */
export const MIN_DH_BITS = 2048;
/** Largest DH prime accepted (bits), to bound the work a server can make us do. */
export const MAX_DH_BITS = 8192;

/** `uint16(len(other)) || other || uint16(len(psk)) || psk`. */
function premaster(other: Uint8Array, psk: Uint8Array): Buffer {
  return Buffer.concat([u16(other.length), other, u16(psk.length), psk]);
}

/** Plain PSK premaster: `other_secret` is N zero bytes (RFC 4279 §2). */
export function pskPremaster(psk: Uint8Array): Buffer {
  return premaster(Buffer.alloc(psk.length), psk);
}

/** DHE-PSK premaster: `other_secret` is Z with leading zero bytes stripped (RFC 4279 §3, RFC 5246 §8.1.2). */
export function dhePskPremaster(z: Uint8Array, psk: Uint8Array): Buffer {
  return premaster(stripLeadingZeros(z), psk);
}

/** Removes leading zero bytes. */
export function stripLeadingZeros(b: Uint8Array): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return Buffer.from(b.subarray(i));
}

/** Bit length of an unsigned big-endian integer. */
export function bitLength(b: Uint8Array): number {
  const s = stripLeadingZeros(b);
  const top = s[0] ?? 0;
  return top === 0 ? 0 : (s.length - 1) * 8 + (32 - Math.clz32(top));
}

function toBigInt(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${Buffer.from(b).toString('hex')}`);
}

// OpenSSL DH_check flags (as exposed by node's DiffieHellman#verifyError).
const DH_CHECK_P_NOT_PRIME = 0x01;
const DH_MODULUS_TOO_SMALL = 0x80;

/** Groups that passed the (slow, ~200 ms for an unknown 2048-bit prime) primality check, by digest. */
const verifiedGroups = new Map<string, true>();
const VERIFIED_GROUPS_MAX = 32;

/**
 * Validates the server's group and public value.
 * @throws RemoteConnError `TLS_ERROR`: insufficient_security for a small group, illegal_parameter otherwise
 */
export function validateDhParams(dh: ServerDhParams): void {
  const bits = bitLength(dh.p);
  if (bits < MIN_DH_BITS) throw tlsFault('insufficient_security', `the server's DH group has ${bits} bits (at least ${MIN_DH_BITS} required)`);
  if (bits > MAX_DH_BITS) throw tlsFault('illegal_parameter', `the server's DH group has ${bits} bits (at most ${MAX_DH_BITS} accepted)`);
  const p = toBigInt(dh.p);
  if ((p & 1n) === 0n) throw tlsFault('illegal_parameter', "the server's DH prime is even");
  const g = toBigInt(dh.g);
  if (g <= 1n || g >= p - 1n) throw tlsFault('illegal_parameter', "the server's DH generator is out of range");
  const ys = toBigInt(dh.ys);
  if (ys <= 1n || ys >= p - 1n) throw tlsFault('illegal_parameter', "the server's DH public value is out of range");
}

/** Result of {@link dheAgree}. */
export interface DheAgreement {
  /** Our public value, to send in ClientKeyExchange. */
  yc: Buffer;
  /** The shared secret Z (leading zeros stripped). Caller wipes it after use. */
  z: Buffer;
}

// Minimal DER, enough to hand a DH group and values to node:crypto's KeyObject API (PKCS #3 dhKeyAgreement).
function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}
function derInteger(value: Uint8Array): Buffer {
  const v = stripLeadingZeros(value);
  return tlv(0x02, (v[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}
const DH_KEY_AGREEMENT_OID = Buffer.from('06092a864886f70d010301', 'hex'); // 1.2.840.113549.1.3.1
function dhAlgorithm(p: Buffer, g: Buffer): Buffer {
  return tlv(0x30, DH_KEY_AGREEMENT_OID, tlv(0x30, derInteger(p), derInteger(g)));
}
function dhPublicKey(p: Buffer, g: Buffer, y: Buffer): KeyObject {
  return createPublicKey({ key: tlv(0x30, dhAlgorithm(p, g), tlv(0x03, Buffer.from([0]), derInteger(y))), format: 'der', type: 'spki' });
}
/** Reads one DER TLV at `at`; returns content bounds. */
function readTlv(der: Buffer, at: number): { tag: number; start: number; end: number } {
  const tag = der[at] ?? -1;
  let len = der[at + 1] ?? 0;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[start + i] ?? 0);
    start += n;
  }
  if (start + len > der.length) throw new RangeError('bad DER');
  return { tag, start, end: start + len };
}
/** The public value y from a DH SubjectPublicKeyInfo. */
function spkiPublicValue(der: Buffer): Buffer {
  const outer = readTlv(der, 0);
  const alg = readTlv(der, outer.start);
  const bits = readTlv(der, alg.end);
  if (bits.tag !== 0x03) throw new RangeError('bad DER');
  const int = readTlv(der, bits.start + 1);
  if (int.tag !== 0x02) throw new RangeError('bad DER');
  return stripLeadingZeros(der.subarray(int.start, int.end));
}

/**
 * Checks, once per group per process, that p is prime (OpenSSL's DH_check through node's
 * `createDiffieHellman`, ~200 ms for an unknown 2048-bit prime, so the verdict is cached).
 */
function checkGroupOnce(p: Buffer, g: Buffer): void {
  const id = createHash('sha256').update(u16(p.length)).update(p).update(g).digest('hex');
  if (verifiedGroups.has(id)) return;
  let flags: number;
  try {
    flags = createDiffieHellman(p, g).verifyError;
  } catch {
    throw tlsFault('illegal_parameter', "node:crypto refused the server's DH group");
  }
  if (flags & (DH_CHECK_P_NOT_PRIME | DH_MODULUS_TOO_SMALL)) {
    throw tlsFault('illegal_parameter', `the server's DH group failed validation (DH_check flags 0x${flags.toString(16)})`);
  }
  if (flags !== 0) debug('server DH group accepted with DH_check flags 0x%s (GnuTLS groups are not safe primes)', flags.toString(16));
  if (verifiedGroups.size >= VERIFIED_GROUPS_MAX) verifiedGroups.delete(verifiedGroups.keys().next().value as string);
  verifiedGroups.set(id, true);
}

/**
 * Validates the server's DH parameters, makes an ephemeral key pair in its group and computes the shared
 * secret.
 * @throws RemoteConnError `TLS_ERROR` (insufficient_security, illegal_parameter)
 */
export function dheAgree(dh: ServerDhParams): DheAgreement {
  validateDhParams(dh);
  const p = stripLeadingZeros(dh.p);
  const g = stripLeadingZeros(dh.g);
  checkGroupOnce(p, g);
  // Private exponent: one byte shorter than p, so 2 <= x < p - 1 (all but negligibly often).
  const x = randomBytes(p.length - 1);
  const pkcs8 = tlv(0x30, derInteger(Buffer.from([0])), dhAlgorithm(p, g), tlv(0x04, derInteger(x)));
  x.fill(0);
  let secret: Buffer;
  let yc: Buffer;
  try {
    const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    pkcs8.fill(0);
    yc = spkiPublicValue(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }));
    secret = diffieHellman({ privateKey, publicKey: dhPublicKey(p, g, dh.ys) });
  } catch {
    pkcs8.fill(0);
    throw tlsFault('illegal_parameter', "the server's DH public value was rejected");
  }
  const z = stripLeadingZeros(secret);
  secret.fill(0);
  if (z.length === 1 && ((z[0] as number) <= 1)) throw tlsFault('illegal_parameter', 'degenerate DH shared secret');
  return { yc, z };
}
