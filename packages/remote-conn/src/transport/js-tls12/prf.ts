/**
 * The TLS 1.2 pseudo-random function (RFC 5246 §5) and the secrets derived with it: master secret
 * (classic and extended, RFC 7627 §4), key block (§6.3) and Finished verify_data (§7.4.9).
 *
 * Nothing here logs or keeps its inputs.
 */
import { createHash, createHmac } from 'node:crypto';
import type { PrfHash } from './suites.js';

/** `P_hash(secret, seed)` truncated to `length` bytes. */
export function pHash(hash: PrfHash, secret: Uint8Array, seed: Uint8Array, length: number): Buffer {
  const out: Buffer[] = [];
  let total = 0;
  let a: Buffer = Buffer.from(seed);
  while (total < length) {
    a = createHmac(hash, secret).update(a).digest();
    const block = createHmac(hash, secret).update(a).update(seed).digest();
    out.push(block);
    total += block.length;
  }
  return Buffer.concat(out, total).subarray(0, length);
}

/** `PRF(secret, label, seed)` truncated to `length` bytes. */
export function prf(hash: PrfHash, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Buffer {
  return pHash(hash, secret, Buffer.concat([Buffer.from(label, 'latin1'), seed]), length);
}

/** Digest of the handshake transcript. */
export function transcriptHash(hash: PrfHash, messages: readonly Uint8Array[]): Buffer {
  const h = createHash(hash);
  for (const m of messages) h.update(m);
  return h.digest();
}

/** Master secret: extended (RFC 7627, `sessionHash` given) or classic (`clientRandom || serverRandom`). */
export function masterSecret(
  hash: PrfHash,
  premaster: Uint8Array,
  input: { sessionHash: Uint8Array } | { clientRandom: Uint8Array; serverRandom: Uint8Array },
): Buffer {
  if ('sessionHash' in input) return prf(hash, premaster, 'extended master secret', input.sessionHash, 48);
  return prf(hash, premaster, 'master secret', Buffer.concat([input.clientRandom, input.serverRandom]), 48);
}

/** The write keys and IVs of both directions. */
export interface KeyBlock {
  clientKey: Buffer;
  serverKey: Buffer;
  clientIv: Buffer;
  serverIv: Buffer;
}

/** Key expansion for an AEAD suite (no MAC keys). */
export function keyBlock(
  hash: PrfHash,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  keyLength: number,
  ivLength: number,
): KeyBlock {
  const block = prf(hash, master, 'key expansion', Buffer.concat([serverRandom, clientRandom]), 2 * (keyLength + ivLength));
  let at = 0;
  const take = (n: number) => Buffer.from(block.subarray(at, (at += n)));
  const kb = { clientKey: take(keyLength), serverKey: take(keyLength), clientIv: take(ivLength), serverIv: take(ivLength) };
  block.fill(0);
  return kb;
}

/** Finished verify_data (12 bytes). */
export function verifyData(hash: PrfHash, master: Uint8Array, sender: 'client' | 'server', handshakeHash: Uint8Array): Buffer {
  return prf(hash, master, `${sender} finished`, handshakeHash, 12);
}
