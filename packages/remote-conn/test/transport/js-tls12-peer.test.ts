/**
 * js-tls12 negative paths against a scripted raw TLS server: every misbehaviour must end in the right
 * error code (and the right alert on the wire) within a bounded time.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ErrorCodes, RemoteConnError, type RemoteConnErrorCode } from '../../src/errors.js';
import { AlertDescription, AlertLevel, encodeAlert } from '../../src/transport/js-tls12/alerts.js';
import { u16, vec16 } from '../../src/transport/js-tls12/bytes.js';
import { connectWith } from '../../src/transport/js-tls12/connection.js';
import { ExtensionType, HandshakeType, encodeHandshake } from '../../src/transport/js-tls12/handshake-messages.js';
import { HANDSHAKE_CLOSED_MESSAGE, connectJsTls12 } from '../../src/transport/js-tls12/index.js';
import { ContentType, recordHeader } from '../../src/transport/js-tls12/record-layer.js';
import { suiteByName, type CipherSuite } from '../../src/transport/js-tls12/suites.js';
import type { Transport, TransportConnectOptions } from '../../src/transport/transport.js';
import { defaultServerExtensions, extension, plainRecord, scriptedTlsServer, serverHelloBody, type PeerConn, type ScriptedTlsServer } from './js-tls12-peer.js';

const key = randomBytes(700); // longer than node:tls accepts
const PSK256 = suiteByName('TLS_PSK_WITH_AES_256_GCM_SHA384') as CipherSuite;
const DHE128 = suiteByName('TLS_DHE_PSK_WITH_AES_128_GCM_SHA256') as CipherSuite;

let server: ScriptedTlsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(script: (c: PeerConn) => Promise<void>): Promise<ScriptedTlsServer> {
  server = await scriptedTlsServer(script);
  return server;
}

function opts(port: number, extra: Partial<TransportConnectOptions> = {}): TransportConnectOptions {
  return { host: '127.0.0.1', port, key, signal: AbortSignal.timeout(4000), ...extra };
}

async function rejection(p: Promise<Transport>): Promise<RemoteConnError> {
  const r = await p.then(
    async (t) => {
      await t.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  if (!(r instanceof RemoteConnError)) expect.fail(`expected a RemoteConnError, got ${String(r)}`);
  return r;
}

async function expectHandshakeError(script: (c: PeerConn) => Promise<void>, code: RemoteConnErrorCode, extra: Partial<TransportConnectOptions> = {}): Promise<{ err: RemoteConnError; conn: PeerConn }> {
  const s = await start(script);
  const err = await rejection(connectJsTls12(opts(s.port, extra)));
  expect(err.code, err.message).to.equal(code);
  expect(err.details.phase).to.equal('tls');
  expect(err.code).to.not.equal(ErrorCodes.ABORTED);
  const conn = await s.done;
  return { err, conn };
}

/** The client must have sent this fatal alert (and then closed). */
function expectAlertSent(conn: PeerConn, name: keyof typeof AlertDescription): void {
  expect(conn.alerts.map((a) => [a.level, a.description])).to.deep.include([AlertLevel.fatal, AlertDescription[name]]);
}

/** Reads the ClientHello, runs `then`, and waits for the client to close. */
function afterHello(then: (c: PeerConn) => void | Promise<void>): (c: PeerConn) => Promise<void> {
  return async (c) => {
    await c.readClientHello();
    await then(c);
    await c.drain();
  };
}

function closeEvent(t: Transport): Promise<Error | undefined> {
  return new Promise((resolve) => t.once('close', resolve));
}

describe('js-tls12 against a scripted server: handshake failures', function () {
  this.timeout(8000);

  it('the server closes after the ClientHello without a byte → retryable CONNECT_FAILED (not a key problem)', async () => {
    const { err } = await expectHandshakeError(afterHello((c) => void c.socket.end()), ErrorCodes.CONNECT_FAILED);
    expect(err.message).to.match(/closed it before answering the TLS ClientHello/);
    expect(err.details.phase).to.equal('tls');
  });

  it('plaintext close_notify then close (what GnuTLS does on a wrong key) → AUTH_FAILED', async () => {
    const { err } = await expectHandshakeError(
      afterHello((c) => void c.socket.end(plainRecord(ContentType.alert, encodeAlert(AlertLevel.warning, AlertDescription.close_notify), 0x0301))),
      ErrorCodes.AUTH_FAILED,
    );
    expect(err.message).to.equal(HANDSHAKE_CLOSED_MESSAGE);
  });

  it('a reset after the ClientHello, before any byte → CONNECT_FAILED', async () => {
    await expectHandshakeError(afterHello((c) => void c.socket.resetAndDestroy()), ErrorCodes.CONNECT_FAILED);
  });

  it('a reset after the server answered (ServerHello sent, then reset) → AUTH_FAILED', async () => {
    await expectHandshakeError(async (c) => {
      await c.handshake(key, { skipFinal: true });
      c.socket.resetAndDestroy();
    }, ErrorCodes.AUTH_FAILED);
  });

  it('a reset after our second flight (the daemon rejecting our Finished) → AUTH_FAILED', async () => {
    await expectHandshakeError(async (c) => {
      await c.handshake(key, { skipFinal: true });
      c.socket.end();
    }, ErrorCodes.AUTH_FAILED);
  });

  for (const name of ['bad_record_mac', 'decrypt_error', 'handshake_failure', 'insufficient_security', 'unknown_psk_identity'] as const) {
    it(`fatal alert ${name} → AUTH_FAILED`, async () => {
      const { err } = await expectHandshakeError(
        afterHello((c) => c.raw(plainRecord(ContentType.alert, encodeAlert(AlertLevel.fatal, AlertDescription[name])))),
        ErrorCodes.AUTH_FAILED,
      );
      expect(err.details.peerAlert).to.equal(name);
    });
  }

  it('fatal alert protocol_version → TLS_ERROR naming the alert', async () => {
    const { err } = await expectHandshakeError(
      afterHello((c) => c.raw(plainRecord(ContentType.alert, encodeAlert(AlertLevel.fatal, AlertDescription.protocol_version)))),
      ErrorCodes.TLS_ERROR,
    );
    expect(err.message).to.include('protocol_version');
  });

  it('a truncated record followed by EOF → AUTH_FAILED (peer hung up mid-handshake)', async () => {
    await expectHandshakeError(afterHello((c) => void c.socket.end(Buffer.from([22, 3, 3]))), ErrorCodes.AUTH_FAILED);
  });

  it('a ServerHello with a truncated body → TLS_ERROR, decode_error sent', async () => {
    const { conn } = await expectHandshakeError(
      afterHello((c) => {
        const body = serverHelloBody({ suite: PSK256.id }).subarray(0, 40);
        c.raw(plainRecord(ContentType.handshake, encodeHandshake(HandshakeType.server_hello, body)));
      }),
      ErrorCodes.TLS_ERROR,
    );
    expectAlertSent(conn, 'decode_error');
  });

  it('ServerHelloDone before ServerHello → TLS_ERROR, unexpected_message sent', async () => {
    const { conn } = await expectHandshakeError(afterHello((c) => c.sendHandshake([HandshakeType.server_hello_done, Buffer.alloc(0)])), ErrorCodes.TLS_ERROR);
    expectAlertSent(conn, 'unexpected_message');
  });

  it('DHE-PSK without a ServerKeyExchange → TLS_ERROR, unexpected_message sent', async () => {
    const { conn } = await expectHandshakeError(
      afterHello((c) => c.sendHandshake([HandshakeType.server_hello, serverHelloBody({ suite: DHE128.id })], [HandshakeType.server_hello_done, Buffer.alloc(0)])),
      ErrorCodes.TLS_ERROR,
    );
    expectAlertSent(conn, 'unexpected_message');
  });

  it('a Certificate message (not a PSK flight) → TLS_ERROR, unexpected_message sent', async () => {
    const { conn } = await expectHandshakeError(
      afterHello((c) => c.sendHandshake([HandshakeType.server_hello, serverHelloBody({ suite: PSK256.id })], [HandshakeType.certificate, Buffer.from([0, 0, 0])])),
      ErrorCodes.TLS_ERROR,
    );
    expectAlertSent(conn, 'unexpected_message');
  });

  it('the server picks a suite we did not offer → TLS_ERROR, illegal_parameter sent', async () => {
    const { conn, err } = await expectHandshakeError(
      afterHello((c) => c.sendHandshake([HandshakeType.server_hello, serverHelloBody({ suite: 0x00a9 })])),
      ErrorCodes.TLS_ERROR,
      { tls: { keyExchange: 'dhe-psk' } },
    );
    expect(err.message).to.include('not offered');
    expectAlertSent(conn, 'illegal_parameter');
  });

  it('the server picks TLS 1.1 → TLS_ERROR, protocol_version sent', async () => {
    const { conn } = await expectHandshakeError(afterHello((c) => c.sendHandshake([HandshakeType.server_hello, serverHelloBody({ suite: PSK256.id, version: 0x0302 })])), ErrorCodes.TLS_ERROR);
    expectAlertSent(conn, 'protocol_version');
  });

  it('an extension we did not offer → TLS_ERROR, unsupported_extension sent', async () => {
    const exts = Buffer.concat([defaultServerExtensions(true), extension(0x0023, Buffer.alloc(0))]);
    const { conn } = await expectHandshakeError(afterHello((c) => c.sendHandshake([HandshakeType.server_hello, serverHelloBody({ suite: PSK256.id, extensions: exts })])), ErrorCodes.TLS_ERROR);
    expectAlertSent(conn, 'unsupported_extension');
  });

  it('a duplicated extension → TLS_ERROR, illegal_parameter sent', async () => {
    const exts = Buffer.concat([defaultServerExtensions(true), extension(ExtensionType.extended_master_secret, Buffer.alloc(0))]);
    const { conn } = await expectHandshakeError(afterHello((c) => c.sendHandshake([HandshakeType.server_hello, serverHelloBody({ suite: PSK256.id, extensions: exts })])), ErrorCodes.TLS_ERROR);
    expectAlertSent(conn, 'illegal_parameter');
  });

  it('a non-empty renegotiation_info → TLS_ERROR, handshake_failure sent', async () => {
    const exts = extension(ExtensionType.renegotiation_info, Buffer.from([12, ...randomBytes(12)]));
    const { conn } = await expectHandshakeError(afterHello((c) => c.sendHandshake([HandshakeType.server_hello, serverHelloBody({ suite: PSK256.id, extensions: exts })])), ErrorCodes.TLS_ERROR);
    expectAlertSent(conn, 'handshake_failure');
  });

  it('a DH group under 2048 bits → TLS_ERROR, insufficient_security sent', async () => {
    const p = Buffer.concat([Buffer.from([0xff]), randomBytes(126), Buffer.from([0xff])]); // 1024 bits
    const ske = Buffer.concat([vec16(Buffer.alloc(0)), vec16(p), vec16(Buffer.from([2])), vec16(Buffer.from([5]))]);
    const { conn } = await expectHandshakeError(
      afterHello((c) =>
        c.sendHandshake([HandshakeType.server_hello, serverHelloBody({ suite: DHE128.id })], [HandshakeType.server_key_exchange, ske], [HandshakeType.server_hello_done, Buffer.alloc(0)]),
      ),
      ErrorCodes.TLS_ERROR,
    );
    expectAlertSent(conn, 'insufficient_security');
  });

  for (const [label, ys] of [
    ['Ys = 1', (_p: bigint) => 1n],
    ['Ys = p - 1', (p: bigint) => p - 1n],
    ['Ys = p', (p: bigint) => p],
  ] as const) {
    it(`DH public value out of range (${label}) → TLS_ERROR, illegal_parameter sent`, async () => {
      const { createDiffieHellmanGroup } = await import('node:crypto');
      const g = createDiffieHellmanGroup('modp14');
      const p = g.getPrime();
      const y = ys(BigInt(`0x${p.toString('hex')}`)).toString(16);
      const yBuf = Buffer.from(y.length % 2 ? `0${y}` : y, 'hex');
      const ske = Buffer.concat([vec16(Buffer.alloc(0)), vec16(p), vec16(Buffer.from([2])), vec16(yBuf)]);
      const { conn } = await expectHandshakeError(
        afterHello((c) =>
          c.sendHandshake([HandshakeType.server_hello, serverHelloBody({ suite: DHE128.id })], [HandshakeType.server_key_exchange, ske], [HandshakeType.server_hello_done, Buffer.alloc(0)]),
        ),
        ErrorCodes.TLS_ERROR,
      );
      expectAlertSent(conn, 'illegal_parameter');
    });
  }

  it('an unexpected ChangeCipherSpec before ServerHelloDone → TLS_ERROR, unexpected_message sent', async () => {
    const { conn } = await expectHandshakeError(
      afterHello((c) => {
        c.sendHandshake([HandshakeType.server_hello, serverHelloBody({ suite: PSK256.id })]);
        c.raw(plainRecord(ContentType.change_cipher_spec, Buffer.from([1])));
      }),
      ErrorCodes.TLS_ERROR,
    );
    expectAlertSent(conn, 'unexpected_message');
  });

  it('application data before the handshake finished → TLS_ERROR, unexpected_message sent', async () => {
    const { conn } = await expectHandshakeError(afterHello((c) => c.raw(plainRecord(ContentType.application_data, Buffer.from('hi')))), ErrorCodes.TLS_ERROR);
    expectAlertSent(conn, 'unexpected_message');
  });

  it('a record of an unknown content type → TLS_ERROR, unexpected_message sent', async () => {
    const { conn } = await expectHandshakeError(afterHello((c) => c.raw(plainRecord(99, Buffer.from('x')))), ErrorCodes.TLS_ERROR);
    expectAlertSent(conn, 'unexpected_message');
  });

  it('a plaintext record over 2^14 bytes → TLS_ERROR, record_overflow sent', async () => {
    const { conn } = await expectHandshakeError(afterHello((c) => c.raw(recordHeader(ContentType.handshake, 0x0303, 16385))), ErrorCodes.TLS_ERROR);
    expectAlertSent(conn, 'record_overflow');
  });

  it('a bad server Finished → TLS_ERROR, decrypt_error sent', async () => {
    const { conn, err } = await expectHandshakeError(async (c) => {
      await c.handshake(key, { tamperFinished: true });
      await c.drain();
    }, ErrorCodes.TLS_ERROR);
    expect(err.details.localAlert).to.equal('decrypt_error');
    expectAlertSent(conn, 'decrypt_error');
  });

  it('a corrupted (bad tag) server Finished record → TLS_ERROR, bad_record_mac sent', async () => {
    const { conn } = await expectHandshakeError(async (c) => {
      await c.handshake(key, { skipFinal: true });
      c.raw(plainRecord(ContentType.change_cipher_spec, Buffer.from([1])));
      const rec = (c.serverWriteCipher as NonNullable<typeof c.serverWriteCipher>).seal(ContentType.handshake, c.finishedMessage());
      rec[rec.length - 1] = (rec[rec.length - 1] as number) ^ 0x80;
      c.raw(rec);
      c.writer.setCipher(c.serverWriteCipher as NonNullable<typeof c.serverWriteCipher>);
      await c.drain();
    }, ErrorCodes.TLS_ERROR);
    // The alert is encrypted with our write key: the scripted server decrypts it.
    expectAlertSent(conn, 'bad_record_mac');
  });

  it('the server Finished sent without ChangeCipherSpec → TLS_ERROR, unexpected_message sent', async () => {
    const { conn } = await expectHandshakeError(async (c) => {
      await c.handshake(key, { skipFinal: true });
      c.raw(plainRecord(ContentType.handshake, c.finishedMessage()));
      await c.drain();
    }, ErrorCodes.TLS_ERROR);
    expectAlertSent(conn, 'unexpected_message');
  });

  it('a HelloRequest during the handshake is ignored', async () => {
    const s = await start(async (c) => {
      await c.readClientHello();
      c.raw(plainRecord(ContentType.handshake, encodeHandshake(HandshakeType.hello_request, Buffer.alloc(0))));
      await c.handshake(key);
      await c.drain();
    });
    const t = await connectJsTls12(opts(s.port));
    expect(t.info.cipher).to.equal('TLS_DHE_PSK_WITH_AES_256_GCM_SHA384');
    await t.close();
    await s.done;
  });

  it('classic master secret when the server does not echo EMS', async () => {
    const s = await start(async (c) => {
      await c.handshake(key, { ems: false, suite: PSK256 });
      await c.drain();
    });
    const t = await connectJsTls12(opts(s.port));
    expect(t.info.cipher).to.equal(PSK256.name);
    await t.close();
    await s.done;
  });

  it('abort while the server stays silent → rejects with the abort reason, socket destroyed', async () => {
    let sawEof = false;
    const s = await start(async (c) => {
      await c.readClientHello();
      const r = await c.drain(3000);
      sawEof = r.length === 0;
    });
    const ac = new AbortController();
    const reason = new RemoteConnError(ErrorCodes.CONNECT_TIMEOUT, 'deadline');
    setTimeout(() => ac.abort(reason), 100);
    const err = await rejection(connectJsTls12({ host: '127.0.0.1', port: s.port, key, signal: ac.signal }));
    expect(err).to.equal(reason);
    await s.done;
    expect(sawEof).to.equal(true);
    const ac2 = new AbortController();
    const s2 = server;
    setTimeout(() => ac2.abort(new Error('user')), 50);
    const err2 = await rejection(connectJsTls12({ host: '127.0.0.1', port: (s2 as ScriptedTlsServer).port, key, signal: ac2.signal }));
    expect(err2.code).to.equal(ErrorCodes.ABORTED);
  });
});

describe('js-tls12 against a scripted server: after the handshake', function () {
  this.timeout(8000);

  async function established(script: (c: PeerConn) => Promise<void>, extra: Partial<TransportConnectOptions> = {}, hooks = {}): Promise<Transport> {
    const s = await start(async (c) => {
      await c.handshake(key, { suite: PSK256 });
      await script(c);
    });
    return connectWith(opts(s.port, extra), hooks);
  }

  it('a corrupted record → close with TLS_ERROR, bad_record_mac sent', async () => {
    const t = await established(async (c) => {
      const rec = c.writer.encode(ContentType.application_data, Buffer.from('hello'));
      rec[10] = (rec[10] as number) ^ 1;
      c.raw(rec);
      await c.drain();
    });
    const err = await closeEvent(t);
    expect(err).to.be.instanceOf(RemoteConnError);
    expect((err as RemoteConnError).code).to.equal(ErrorCodes.TLS_ERROR);
    expect(t.open).to.equal(false);
    expectAlertSent(await (server as ScriptedTlsServer).done, 'bad_record_mac');
  });

  it('a record over 2^14 + 2048 bytes → close with TLS_ERROR, record_overflow sent', async () => {
    const t = await established(async (c) => {
      c.raw(recordHeader(ContentType.application_data, 0x0303, 16384 + 2049));
      await c.drain();
    });
    const err = (await closeEvent(t)) as RemoteConnError;
    expect(err.code).to.equal(ErrorCodes.TLS_ERROR);
    expectAlertSent(await (server as ScriptedTlsServer).done, 'record_overflow');
  });

  it('a ChangeCipherSpec after the handshake → close with TLS_ERROR, unexpected_message sent', async () => {
    const t = await established(async (c) => {
      c.send(ContentType.change_cipher_spec, Buffer.from([1]));
      await c.drain();
    });
    expect(((await closeEvent(t)) as RemoteConnError).code).to.equal(ErrorCodes.TLS_ERROR);
    expectAlertSent(await (server as ScriptedTlsServer).done, 'unexpected_message');
  });

  it('a ServerHello after the handshake (renegotiation) → close with TLS_ERROR', async () => {
    const t = await established(async (c) => {
      c.send(ContentType.handshake, encodeHandshake(HandshakeType.server_hello, serverHelloBody({ suite: PSK256.id })));
      await c.drain();
    });
    expect(((await closeEvent(t)) as RemoteConnError).code).to.equal(ErrorCodes.TLS_ERROR);
    expectAlertSent(await (server as ScriptedTlsServer).done, 'unexpected_message');
  });

  it('a HelloRequest after the handshake → no_renegotiation warning, the connection stays usable', async () => {
    let received = '';
    const t = await established(async (c) => {
      c.send(ContentType.handshake, encodeHandshake(HandshakeType.hello_request, Buffer.alloc(0)));
      const r = await c.next();
      if (r === 'eof' || r.type !== ContentType.alert) throw new Error('expected the no_renegotiation alert');
      const data = await c.next();
      if (data === 'eof' || data.type !== ContentType.application_data) throw new Error('expected data');
      received = data.fragment.toString();
      c.send(ContentType.application_data, Buffer.from('pong'));
      await c.drain();
    });
    const got = new Promise<string>((resolve) => t.once('data', (d: Buffer) => resolve(d.toString())));
    await new Promise((r) => setTimeout(r, 50));
    await t.write(Buffer.from('ping'));
    expect(await got).to.equal('pong');
    const conn = await (async () => {
      await t.close();
      return (server as ScriptedTlsServer).done;
    })();
    expect(received).to.equal('ping');
    expect(conn.alerts[0]).to.deep.equal({ level: AlertLevel.warning, description: AlertDescription.no_renegotiation });
  });

  it('data then close_notify → data delivered, clean close (no error), close_notify answered', async () => {
    const t = await established(async (c) => {
      c.send(ContentType.application_data, Buffer.from('bye'));
      c.send(ContentType.alert, encodeAlert(AlertLevel.warning, AlertDescription.close_notify));
      await c.drain();
    });
    const data: string[] = [];
    t.on('data', (d: Buffer) => data.push(d.toString()));
    expect(await closeEvent(t)).to.equal(undefined);
    expect(data.join('')).to.equal('bye');
    const conn = await (server as ScriptedTlsServer).done;
    expect(conn.alerts).to.deep.include({ level: AlertLevel.warning, description: AlertDescription.close_notify });
    const err = await t.write(Buffer.from('late')).then(() => undefined, (e: unknown) => e as RemoteConnError);
    expect(err?.code).to.equal(ErrorCodes.CLOSED);
  });

  it('a bare EOF → clean close', async () => {
    const t = await established(async (c) => {
      c.socket.end();
    });
    expect(await closeEvent(t)).to.equal(undefined);
  });

  it('data and EOF in the same segment as the server Finished → data delivered, then a clean close', async () => {
    const s = await start(async (c) => {
      await c.handshake(key, { skipFinal: true });
      const cipher = c.serverWriteCipher as NonNullable<typeof c.serverWriteCipher>;
      const ccs = plainRecord(ContentType.change_cipher_spec, Buffer.from([1]));
      const fin = cipher.seal(ContentType.handshake, c.finishedMessage());
      c.socket.end(Buffer.concat([ccs, fin, cipher.seal(ContentType.application_data, Buffer.from('last words'))]));
    });
    const t = await connectJsTls12(opts(s.port));
    const data: string[] = [];
    t.on('data', (d: Buffer) => data.push(d.toString()));
    expect(await closeEvent(t)).to.equal(undefined);
    expect(data.join('')).to.equal('last words');
  });

  it('EOF in the middle of a record → close with TLS_ERROR', async () => {
    const t = await established(async (c) => {
      c.socket.end(c.writer.encode(ContentType.application_data, Buffer.from('partial')).subarray(0, 12));
    });
    expect(((await closeEvent(t)) as RemoteConnError).code).to.equal(ErrorCodes.TLS_ERROR);
  });

  it('a fatal alert → close with TLS_ERROR naming it', async () => {
    const t = await established(async (c) => {
      c.send(ContentType.alert, encodeAlert(AlertLevel.fatal, AlertDescription.internal_error));
      await c.drain();
    });
    const err = (await closeEvent(t)) as RemoteConnError;
    expect(err.code).to.equal(ErrorCodes.TLS_ERROR);
    expect(err.message).to.include('internal_error');
  });

  it('a reset → close with an error', async () => {
    const t = await established(async (c) => {
      await new Promise((r) => setTimeout(r, 20));
      c.socket.resetAndDestroy();
    });
    const err = await closeEvent(t);
    expect(err).to.be.instanceOf(RemoteConnError);
  });

  it('close() sends close_notify and emits close exactly once', async () => {
    const t = await established(async (c) => {
      await c.drain();
    });
    let closes = 0;
    t.on('close', () => closes++);
    await t.close();
    await t.close();
    t.destroy();
    const conn = await (server as ScriptedTlsServer).done;
    expect(conn.alerts).to.deep.equal([{ level: AlertLevel.warning, description: AlertDescription.close_notify }]);
    await new Promise((r) => setTimeout(r, 20));
    expect(closes).to.equal(1);
  });

  it('destroy(error) reports that error with close', async () => {
    const t = await established(async (c) => {
      await c.drain();
    });
    const boom = new Error('boom');
    const p = closeEvent(t);
    t.destroy(boom);
    expect(await p).to.equal(boom);
  });

  it('sequence number exhaustion → the write is refused and the connection closes with TLS_ERROR', async () => {
    // maxSeq 2: Finished uses 0, two writes use 1 and 2, the third cannot be sent.
    const t = await established(async (c) => {
      await c.drain();
    }, {}, { maxSeq: 2n });
    const closed = closeEvent(t);
    await t.write(Buffer.from('a'));
    await t.write(Buffer.from('b'));
    const err = await t.write(Buffer.from('c')).then(() => undefined, (e: unknown) => e as RemoteConnError);
    expect(err?.code).to.equal(ErrorCodes.CLOSED);
    expect(((await closed) as RemoteConnError).code).to.equal(ErrorCodes.TLS_ERROR);
  });
});

describe('js-tls12: TCP-level failures and option checks', function () {
  this.timeout(8000);

  it('ECONNREFUSED → CONNECT_REFUSED (phase tcp)', async () => {
    const s = await start(async () => undefined);
    const port = s.port;
    await s.close();
    server = undefined;
    const err = await rejection(connectJsTls12(opts(port)));
    expect(err.code).to.equal(ErrorCodes.CONNECT_REFUSED);
    expect(err.details.phase).to.equal('tcp');
  });

  it('an unresolvable host → HOST_NOT_FOUND (phase tcp)', async () => {
    const err = await rejection(connectJsTls12({ host: 'no-such-host.invalid', port: 3121, key, signal: AbortSignal.timeout(6000) }));
    expect([ErrorCodes.HOST_NOT_FOUND, ErrorCodes.ABORTED]).to.include(err.code);
    if (err.code === ErrorCodes.HOST_NOT_FOUND) expect(err.details.phase).to.equal('tcp');
  });

  it('key checks: empty → KEY_EMPTY, over 65535 bytes → KEY_TOO_LONG (no key bytes in the error)', async () => {
    expect((await rejection(connectJsTls12({ host: '127.0.0.1', port: 1, key: Buffer.alloc(0) }))).code).to.equal(ErrorCodes.KEY_EMPTY);
    const big = randomBytes(65536);
    const err = await rejection(connectJsTls12({ host: '127.0.0.1', port: 1, key: big }));
    expect(err.code).to.equal(ErrorCodes.KEY_TOO_LONG);
    expect(err.message + JSON.stringify(err.details)).to.not.include(big.subarray(0, 6).toString('hex'));
  });

  it('an already aborted signal rejects at once', async () => {
    const err = await rejection(connectJsTls12({ host: '127.0.0.1', port: 1, key, signal: AbortSignal.abort() }));
    expect(err.code).to.equal(ErrorCodes.ABORTED);
  });

  it('a wrong-key peer never sees key material in errors (64-byte key, both kx)', async () => {
    for (const kx of ['psk', 'dhe-psk'] as const) {
      const { err } = await expectHandshakeError(
        async (c) => {
          await c.readClientHello();
          c.socket.end(plainRecord(ContentType.alert, encodeAlert(AlertLevel.fatal, AlertDescription.bad_record_mac)));
        },
        ErrorCodes.AUTH_FAILED,
        { tls: { keyExchange: kx } },
      );
      const text = `${err.message} ${JSON.stringify(err.details)} ${String(err.cause)}`;
      expect(text).to.not.include(key.subarray(0, 6).toString('hex'));
      await server?.close();
      server = undefined;
    }
  });

  it('u16 helper sanity (used by the scripted server)', () => {
    expect(u16(0x1234)).to.deep.equal(Buffer.from([0x12, 0x34]));
  });
});

describe('js-tls12 end-to-end fuzzing: random server bytes after the ClientHello', function () {
  this.timeout(60_000);
  it('always rejects with a typed error (AUTH_FAILED or TLS_ERROR) within the bound, never hangs', async () => {
    const { default: fc } = await import('fast-check');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 1, maxLength: 400 }), { minLength: 1, maxLength: 4 }), fc.boolean(), async (chunks, validHeader) => {
        const s = await scriptedTlsServer(async (c) => {
          await c.readClientHello();
          for (const chunk of chunks) {
            const b = Buffer.from(chunk);
            c.raw(validHeader ? plainRecord(ContentType.handshake, b) : b);
          }
          c.socket.end();
        });
        try {
          const err = await rejection(connectJsTls12({ host: '127.0.0.1', port: s.port, key, signal: AbortSignal.timeout(3000) }));
          expect([ErrorCodes.AUTH_FAILED, ErrorCodes.TLS_ERROR]).to.include(err.code);
        } finally {
          await s.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
