/**
 * Unit tests of the js-tls12 building blocks (PRF, premaster, suites, record layer), and fast-check fuzzing
 * of the record parser and the handshake message parsers: arbitrary bytes give records/messages or a typed
 * `TLS_ERROR`, never another exception, never a hang.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { ErrorCodes, RemoteConnError } from '../../src/errors.js';
import { AlertDescription, alertName, localAlertOf, parseAlert } from '../../src/transport/js-tls12/alerts.js';
import { ClientHandshake } from '../../src/transport/js-tls12/handshake.js';
import { HandshakeBuffer, parseFinished, parseServerHello, parseServerHelloDone, parseServerKeyExchange } from '../../src/transport/js-tls12/handshake-messages.js';
import { bitLength, dhePskPremaster, pskPremaster, stripLeadingZeros, validateDhParams } from '../../src/transport/js-tls12/key-exchange.js';
import { keyBlock, prf } from '../../src/transport/js-tls12/prf.js';
import { AeadState, ContentType, MAX_PLAINTEXT, RecordReader, RecordWriter } from '../../src/transport/js-tls12/record-layer.js';
import { SUITES, suiteById, suitesFor } from '../../src/transport/js-tls12/suites.js';

/** Only RemoteConnError TLS_ERRORs with an alert to send are acceptable parser failures. */
function expectTypedTlsError(err: unknown): void {
  if (!(err instanceof RemoteConnError) || err.code !== ErrorCodes.TLS_ERROR || localAlertOf(err) === undefined) {
    throw new Error(`untyped failure: ${String(err)}`);
  }
}

describe('js-tls12 units', () => {
  it('PRF matches OpenSSL TLS1-PRF (SHA-256 and SHA-384 vectors)', () => {
    // Expected values from `openssl kdf ... TLS1-PRF` (OpenSSL 3.0.19).
    const out256 = prf('sha256', Buffer.from('9bbe436ba940f017b17652849a71db35', 'hex'), 'test label', Buffer.from('a0ba9f936cda311827a6f796ffd5198c', 'hex'), 100);
    expect(out256.toString('hex')).to.equal(
      'e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66',
    );
    const out384 = prf('sha384', Buffer.from('b80b733d6ceefcdc71566ea48e5567df', 'hex'), 'test label', Buffer.from('cd665cf6a8447dd6ff8b27555edb7465', 'hex'), 148);
    expect(out384.toString('hex')).to.equal(
      '7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f',
    );
  });

  it('PSK premaster is uint16(N) || N zeros || uint16(N) || psk, for a 4096-byte key too', () => {
    const psk = randomBytes(4096);
    const pm = pskPremaster(psk);
    expect(pm.length).to.equal(2 + 4096 + 2 + 4096);
    expect(pm.readUInt16BE(0)).to.equal(4096);
    expect(pm.subarray(2, 4098).every((b) => b === 0)).to.equal(true);
    expect(pm.readUInt16BE(4098)).to.equal(4096);
    expect(pm.subarray(4100).equals(psk)).to.equal(true);
  });

  it('DHE-PSK premaster strips leading zero bytes of Z', () => {
    const psk = Buffer.from('key');
    const pm = dhePskPremaster(Buffer.from([0, 0, 7, 8]), psk);
    expect(pm.toString('hex')).to.equal('00020708' + '0003' + psk.toString('hex'));
    expect(stripLeadingZeros(Buffer.from([0])).length).to.equal(1);
    expect(bitLength(Buffer.from([0, 0x01, 0]))).to.equal(9);
  });

  it('suite table: ids, names, preference order, keyExchange filter', () => {
    expect(SUITES.map((s) => s.id)).to.deep.equal([0x00ab, 0x00aa, 0xccad, 0x00a9, 0x00a8, 0xccab]);
    expect(suitesFor('psk').every((s) => s.kx === 'psk')).to.equal(true);
    expect(suitesFor('dhe-psk').map((s) => s.name)).to.deep.equal([
      'TLS_DHE_PSK_WITH_AES_256_GCM_SHA384',
      'TLS_DHE_PSK_WITH_AES_128_GCM_SHA256',
      'TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256',
    ]);
    expect(suiteById(0x00a9)?.hash).to.equal('sha384');
    expect(suiteById(0x002f)).to.equal(undefined);
    expect(alertName(AlertDescription.unknown_psk_identity)).to.equal('unknown_psk_identity');
    expect(alertName(250)).to.equal('alert_250');
  });

  for (const suite of SUITES) {
    it(`${suite.name}: records round-trip; tampering, replay and reordering are caught`, () => {
      const kb = keyBlock(suite.hash, randomBytes(48), randomBytes(32), randomBytes(32), suite.keyLength, suite.fixedIvLength);
      const w = new RecordWriter();
      w.setCipher(new AeadState(suite, kb.clientKey, kb.clientIv));
      const r = new RecordReader({ lenientVersion: false });
      r.setCipher(new AeadState(suite, kb.clientKey, kb.clientIv));
      const msgs = [randomBytes(1), randomBytes(MAX_PLAINTEXT), randomBytes(MAX_PLAINTEXT + 1)];
      const wire = msgs.map((m) => w.encode(ContentType.application_data, m));
      expect(wire[2]?.length).to.equal(2 * 5 + MAX_PLAINTEXT + 1 + 2 * (suite.explicitNonceLength + 16));
      const all = Buffer.concat(wire);
      // Feed in small pieces: framing must not depend on chunking.
      for (let i = 0; i < all.length; i += 777) r.push(all.subarray(i, i + 777));
      const out: Buffer[] = [];
      for (let rec = r.next(); rec; rec = r.next()) out.push(rec.fragment);
      expect(Buffer.concat(out).equals(Buffer.concat(msgs))).to.equal(true);
      // Replaying the first record: wrong sequence number → bad_record_mac.
      r.push(wire[0] as Buffer);
      expect(() => r.next()).to.throw(RemoteConnError, /bad_record_mac/);
      // The reader is poisoned from then on.
      expect(() => r.next()).to.throw(RemoteConnError);
      // Tampered content type (AAD).
      const r2 = new RecordReader({ lenientVersion: false });
      r2.setCipher(new AeadState(suite, kb.clientKey, kb.clientIv));
      const t = Buffer.from(wire[0] as Buffer);
      t[0] = ContentType.handshake;
      r2.push(t);
      expect(() => r2.next()).to.throw(RemoteConnError, /bad_record_mac/);
    });
  }

  it('sequence numbers: a record beyond the last usable number is refused on both sides', () => {
    const suite = SUITES[0] as (typeof SUITES)[number];
    const key = randomBytes(suite.keyLength);
    const iv = randomBytes(suite.fixedIvLength);
    const w = new AeadState(suite, key, iv, 1n);
    w.seal(ContentType.application_data, Buffer.from('0'));
    w.seal(ContentType.application_data, Buffer.from('1'));
    expect(w.sequence).to.equal(2n);
    expect(() => w.seal(ContentType.application_data, Buffer.from('2'))).to.throw(RemoteConnError, /sequence number/);
    const sender = new RecordWriter();
    sender.setCipher(new AeadState(suite, key, iv));
    const reader = new RecordReader();
    reader.setCipher(new AeadState(suite, key, iv, 0n));
    reader.push(Buffer.concat([sender.encode(23, Buffer.from('a')), sender.encode(23, Buffer.from('b'))]));
    expect(reader.next()?.fragment.toString()).to.equal('a');
    expect(() => reader.next()).to.throw(RemoteConnError, /sequence number/);
  });

  it('DH parameter checks', () => {
    const p = Buffer.alloc(256, 0xff);
    expect(() => validateDhParams({ p, g: Buffer.from([2]), ys: Buffer.from([2]) })).to.not.throw();
    expect(() => validateDhParams({ p: Buffer.alloc(255, 0xff), g: Buffer.from([2]), ys: Buffer.from([2]) })).to.throw(/insufficient_security/);
    expect(() => validateDhParams({ p: Buffer.alloc(1025, 0xff), g: Buffer.from([2]), ys: Buffer.from([2]) })).to.throw(/illegal_parameter/);
    const even = Buffer.from(p);
    even[255] = 0xfe;
    expect(() => validateDhParams({ p: even, g: Buffer.from([2]), ys: Buffer.from([2]) })).to.throw(/even/);
    expect(() => validateDhParams({ p, g: Buffer.from([1]), ys: Buffer.from([2]) })).to.throw(/generator/);
    expect(() => validateDhParams({ p, g: Buffer.from([2]), ys: Buffer.from([0, 1]) })).to.throw(/public value/);
  });

  it('alerts: exactly two bytes, known level', () => {
    expect(parseAlert(Buffer.from([2, 40]))).to.deep.equal({ level: 2, description: 40 });
    expect(() => parseAlert(Buffer.from([2]))).to.throw(/decode_error/);
    expect(() => parseAlert(Buffer.from([3, 0]))).to.throw(/illegal_parameter/);
  });

  it('the handshake refuses records before ClientHello and after Finished', () => {
    const hs = new ClientHandshake({ psk: randomBytes(10), identity: Buffer.from('lrmd'), suites: SUITES }, new RecordReader(), new RecordWriter());
    expect(() => hs.onRecord({ type: 22, version: 0x0303, fragment: Buffer.from([2, 0, 0, 0]) })).to.throw(/unexpected_message/);
    expect(hs.clientHello()[0]).to.equal(22);
    expect(() => hs.clientHello()).to.throw();
    expect(() => hs.result).to.throw();
  });
});

describe('js-tls12 fuzzing (fast-check)', function () {
  this.timeout(60_000);

  it('RecordReader: arbitrary bytes in arbitrary chunks → records or a typed TLS error', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }), fc.boolean(), (chunks, withCipher) => {
        const r = new RecordReader({ lenientVersion: !withCipher });
        if (withCipher) {
          const s = SUITES[4] as (typeof SUITES)[number];
          r.setCipher(new AeadState(s, Buffer.alloc(s.keyLength, 1), Buffer.alloc(s.fixedIvLength, 2)));
        }
        try {
          for (const c of chunks) {
            r.push(c);
            for (let i = 0; i < 10_000; i++) if (!r.next()) break;
          }
        } catch (err) {
          expectTypedTlsError(err);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('RecordReader: well-formed headers with random bodies and lengths', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0x0200, max: 0x0400 }), fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 2000 }), (type, version, length, body) => {
        const r = new RecordReader();
        const h = Buffer.alloc(5);
        h[0] = type;
        h.writeUInt16BE(version, 1);
        h.writeUInt16BE(length, 3);
        r.push(h);
        r.push(body);
        try {
          const rec = r.next();
          if (rec) expect(rec.fragment.length).to.equal(length);
        } catch (err) {
          expectTypedTlsError(err);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('handshake message parsers: arbitrary bodies → a value or a typed TLS error', () => {
    const parsers: Array<(b: Buffer) => unknown> = [
      parseServerHello,
      (b) => parseServerKeyExchange(b, 'psk'),
      (b) => parseServerKeyExchange(b, 'dhe_psk'),
      parseServerHelloDone,
      parseFinished,
      parseAlert,
      (b) => {
        const hb = new HandshakeBuffer(4096);
        hb.push(b);
        for (let i = 0; i < 10_000; i++) if (!hb.next()) break;
      },
    ];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: parsers.length - 1 }), (bytes, which) => {
        try {
          (parsers[which] as (b: Buffer) => unknown)(Buffer.from(bytes));
        } catch (err) {
          expectTypedTlsError(err);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('ServerHello: structured fuzz with random extension lists', () => {
    const ext = fc.record({ type: fc.integer({ min: 0, max: 0xffff }), data: fc.uint8Array({ maxLength: 20 }) });
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.integer({ min: 0, max: 40 }), fc.array(ext, { maxLength: 6 }), fc.integer({ min: -3, max: 3 }), (random, sidLen, exts, skew) => {
        const e = Buffer.concat(exts.map((x) => Buffer.concat([Buffer.from([x.type >> 8, x.type & 0xff, x.data.length >> 8, x.data.length & 0xff]), x.data])));
        const elen = Math.max(0, e.length + skew);
        const body = Buffer.concat([Buffer.from([3, 3]), random, Buffer.from([sidLen]), Buffer.alloc(Math.min(sidLen, 32)), Buffer.from([0, 0xa9, 0]), Buffer.from([elen >> 8, elen & 0xff]), e]);
        try {
          const sh = parseServerHello(body);
          expect(sh.suite).to.equal(0xa9);
        } catch (err) {
          expectTypedTlsError(err);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('ClientHandshake: arbitrary server records after ClientHello → progress or a typed TLS error', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ type: fc.constantFrom(20, 21, 22, 23), body: fc.uint8Array({ minLength: 1, maxLength: 200 }) }), { maxLength: 6 }), (recs) => {
        const hs = new ClientHandshake({ psk: Buffer.alloc(16, 7), identity: Buffer.from('lrmd'), suites: SUITES }, new RecordReader(), new RecordWriter());
        hs.clientHello();
        try {
          for (const r of recs) hs.onRecord({ type: r.type, version: 0x0303, fragment: Buffer.from(r.body) });
        } catch (err) {
          expectTypedTlsError(err);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
