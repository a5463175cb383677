/**
 * The js-tls12 engine against Debian's real pacemaker-remoted 2.1.5 (GnuTLS 3.7.9), with keys longer than
 * node:tls accepts (513, 1024 and 4096 bytes): handshake, register and poke (rc 0), both key exchanges,
 * and a wrong key.
 *
 * Run in a network namespace of its own (only one daemon per namespace):
 *   unshare -n -- bash -c 'ip link set lo up && exec node --conditions=source --import tsx scripts/run-mocha.ts packages/remote-conn/test/real/js-tls12.test.ts'
 */
import { expect } from 'chai';
import { FrameDecoder, encodeFrame } from '../../src/codec/index.js';
import { ErrorCodes, RemoteConnError } from '../../src/errors.js';
import { classifyInbound, parseXml, pokeRequest, registerRequest, serializeXml, type XmlElement } from '../../src/messages/index.js';
import { connectJsTls12 } from '../../src/transport/js-tls12/index.js';
import { connectWith } from '../../src/transport/js-tls12/connection.js';
import { SUITES } from '../../src/transport/js-tls12/suites.js';
import type { Transport } from '../../src/transport/transport.js';
import { startRealDaemon, type RealDaemon } from '../support/real-daemon.js';

function withTransportAttrs(e: XmlElement, id: number): XmlElement {
  return { ...e, attrs: { ...e.attrs, lrmd_remote_msg_id: String(id), lrmd_remote_msg_type: 'request' } };
}

/** Sends `e` as header record + payload record and waits for the reply with the same msg id. */
async function request(t: Transport, decoder: FrameDecoder, e: XmlElement, id: number): Promise<{ rc: number; element: XmlElement }> {
  const frame = encodeFrame(serializeXml(withTransportAttrs(e, id)), id);
  const reply = new Promise<{ rc: number; element: XmlElement }>((resolve, reject) => {
    const timer = setTimeout(() => {
      t.off('data', onData);
      reject(new Error(`no reply to message ${id} within 5 s`));
    }, 5000);
    const onData = (chunk: Buffer) => {
      try {
        for (const f of decoder.push(chunk)) {
          const m = classifyInbound(parseXml(f.xml));
          if (m.type === 'reply' && m.msgId === id) {
            clearTimeout(timer);
            t.off('data', onData);
            resolve({ rc: m.rc, element: m.element });
          }
        }
      } catch (err) {
        clearTimeout(timer);
        t.off('data', onData);
        reject(err as Error);
      }
    };
    t.on('data', onData);
  });
  await t.write(frame.header);
  await t.write(frame.payload);
  return reply;
}

async function session(daemon: RealDaemon, keyExchange: 'dhe-psk' | 'psk' | 'any'): Promise<Transport> {
  return connectJsTls12({ host: daemon.host, port: daemon.port, key: daemon.key, tls: { keyExchange }, signal: AbortSignal.timeout(5000) });
}

for (const keyBytes of [513, 1024, 4096]) {
  describe(`js-tls12 against the real pacemaker-remoted, ${keyBytes}-byte key`, function () {
    this.timeout(20_000);
    let daemon: RealDaemon | undefined;
    before(async () => {
      daemon = await startRealDaemon({ keyBytes });
    });
    after(async () => {
      await daemon?.dispose();
    });

    for (const kx of ['dhe-psk', 'psk', 'any'] as const) {
      it(`${kx}: handshake, register and poke answer rc 0`, async () => {
        const t = await session(daemon as RealDaemon, kx);
        try {
          expect(t.info.engine).to.equal('js-tls12');
          expect(t.info.protocol).to.equal('TLSv1.2');
          expect(t.info.auth).to.equal('psk');
          if (kx === 'psk') expect(t.info.cipher).to.match(/^TLS_PSK_WITH_/);
          else expect(t.info.cipher).to.match(/^TLS_DHE_PSK_WITH_/);
          const decoder = new FrameDecoder();
          const reg = await request(t, decoder, registerRequest({ clientName: 'js-tls12-test', protocolVersion: '1.1' }), 1);
          expect(reg.rc).to.equal(0);
          expect(reg.element.attrs.lrmd_clientid).to.be.a('string').and.not.empty;
          const poke = await request(t, decoder, pokeRequest(), 2);
          expect(poke.rc).to.equal(0);
        } finally {
          await t.close();
        }
      });
    }

    it('a key with one flipped byte gives AUTH_FAILED with the handshake-closed message', async () => {
      const d = daemon as RealDaemon;
      const key = Buffer.from(d.key);
      key[key.length - 1] = (key[key.length - 1] as number) ^ 0x01;
      for (const keyExchange of ['psk', 'dhe-psk'] as const) {
        const err = await connectJsTls12({ host: d.host, port: d.port, key, tls: { keyExchange }, signal: AbortSignal.timeout(5000) }).then(
          () => expect.fail('the handshake should fail'),
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(RemoteConnError);
        expect((err as RemoteConnError).code).to.equal(ErrorCodes.AUTH_FAILED);
        expect((err as RemoteConnError).details.phase).to.equal('tls');
        expect(JSON.stringify((err as RemoteConnError).details)).to.not.include(key.subarray(0, 8).toString('hex'));
      }
    });
  });
}

describe('js-tls12 against the real pacemaker-remoted: every suite (4096-byte key)', function () {
  this.timeout(20_000);
  let daemon: RealDaemon | undefined;
  before(async () => {
    daemon = await startRealDaemon({ keyBytes: 4096 });
  });
  after(async () => {
    await daemon?.dispose();
  });
  it('negotiates each offered suite when it is the only one and then pokes', async () => {
    const seen: string[] = [];
    for (const s of SUITES) {
      const d = daemon as RealDaemon;
      const t = await connectWith({ host: d.host, port: d.port, key: d.key, signal: AbortSignal.timeout(5000) }, { suites: [s] });
      try {
        expect(t.info.cipher).to.equal(s.name);
        const poke = await request(t, new FrameDecoder(), pokeRequest(), 1);
        expect(poke.rc).to.equal(0);
        seen.push(s.name);
      } finally {
        await t.close();
      }
    }
    expect(seen).to.have.length(6);
  });
});
