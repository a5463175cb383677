/**
 * The cipher suites the js-tls12 engine offers: TLS 1.2 AEAD suites with PSK or DHE-PSK key exchange
 * (RFC 5487, RFC 7905), all of which GnuTLS's `NORMAL:+DHE-PSK:+PSK` accepts (protocol.md §1.2).
 */

/** Key exchange of a suite. */
export type KeyExchange = 'psk' | 'dhe_psk';
/** AEAD cipher of a suite (node:crypto names). */
export type AeadCipher = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
/** PRF / transcript hash of a suite. */
export type PrfHash = 'sha256' | 'sha384';

/** One cipher suite. */
export interface CipherSuite {
  /** IANA code point. */
  readonly id: number;
  /** IANA name, e.g. `TLS_DHE_PSK_WITH_AES_256_GCM_SHA384`. */
  readonly name: string;
  readonly kx: KeyExchange;
  readonly cipher: AeadCipher;
  readonly hash: PrfHash;
  /** Length of each write key. */
  readonly keyLength: number;
  /** Length of each write IV from the key block (GCM: 4-byte salt; ChaCha20: 12-byte mask). */
  readonly fixedIvLength: number;
  /** Explicit nonce bytes carried in each record (GCM: 8; ChaCha20: 0). */
  readonly explicitNonceLength: number;
  /** AEAD tag length. */
  readonly tagLength: 16;
}

function suite(id: number, name: string, kx: KeyExchange, cipher: AeadCipher, hash: PrfHash): CipherSuite {
  const chacha = cipher === 'chacha20-poly1305';
  return Object.freeze({
    id,
    name,
    kx,
    cipher,
    hash,
    keyLength: cipher === 'aes-128-gcm' ? 16 : 32,
    fixedIvLength: chacha ? 12 : 4,
    explicitNonceLength: chacha ? 0 : 8,
    tagLength: 16 as const,
  });
}

/** Every supported suite, in our order of preference (forward secrecy first). */
export const SUITES: readonly CipherSuite[] = Object.freeze([
  suite(0x00ab, 'TLS_DHE_PSK_WITH_AES_256_GCM_SHA384', 'dhe_psk', 'aes-256-gcm', 'sha384'),
  suite(0x00aa, 'TLS_DHE_PSK_WITH_AES_128_GCM_SHA256', 'dhe_psk', 'aes-128-gcm', 'sha256'),
  suite(0xccad, 'TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256', 'dhe_psk', 'chacha20-poly1305', 'sha256'),
  suite(0x00a9, 'TLS_PSK_WITH_AES_256_GCM_SHA384', 'psk', 'aes-256-gcm', 'sha384'),
  suite(0x00a8, 'TLS_PSK_WITH_AES_128_GCM_SHA256', 'psk', 'aes-128-gcm', 'sha256'),
  suite(0xccab, 'TLS_PSK_WITH_CHACHA20_POLY1305_SHA256', 'psk', 'chacha20-poly1305', 'sha256'),
]);

/** The suites to offer for a `tls.keyExchange` setting, in preference order. */
export function suitesFor(keyExchange: 'any' | 'dhe-psk' | 'psk' = 'any'): CipherSuite[] {
  if (keyExchange === 'any') return [...SUITES];
  const kx: KeyExchange = keyExchange === 'dhe-psk' ? 'dhe_psk' : 'psk';
  return SUITES.filter((s) => s.kx === kx);
}

/** Looks a suite up by code point. */
export function suiteById(id: number): CipherSuite | undefined {
  return SUITES.find((s) => s.id === id);
}

/** Looks a suite up by IANA name. */
export function suiteByName(name: string): CipherSuite | undefined {
  return SUITES.find((s) => s.name === name);
}
