/**
 * js-tls12 cross-checked against Node's own TLS 1.2 server (OpenSSL): every suite, keys of 1..512 bytes,
 * 64 KiB echoes both ways, one-record-set-per-write on the wire, identity and hint handling, wrong key.
 */
import { expect } from 'chai';
import createDebug from 'debug';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { ErrorCodes, RemoteConnError } from '../../src/errors.js';
import { connectWith } from '../../src/transport/js-tls12/connection.js';
import { connectJsTls12 } from '../../src/transport/js-tls12/index.js';
import { SUITES, type CipherSuite } from '../../src/transport/js-tls12/suites.js';
import type { Transport, TransportConnectOptions } from '../../src/transport/transport.js';

/** A 2048-bit safe prime that is not a named group (so the full group check runs), generator 2. */
const PRIME_HEX =
  'ce344eb24073b25cdf35c884fcd255c58d2f374bf8895c78795656ba8f8d7a249282ef0131fa2006bad1aa4b2e24327bd2d000b8893ed92cecf0f2e472d5873049a8afd359dfd1c0602d70cafdf6c2b729793afcbb4454f79010a357333a291a1efbdf6042b48ef3dd9c8be91c889b1e4441f78c467d785dde72d1123ae96462410f919b28bc1db73cdc0f73797fa215d00d6efc52ccc8020283de292775ef48a6ed85a85ad33a7933b1e4381c007e5503f85d2f4092f77abe81435e1c0dc25cbcd4bcbf0ead7be2e5d6ab5cb3963cc2b68142bb8e4ea88f3e6517e51e7dfc56d0fb70acd0927247de035283d9e1d97e50f3178c13eb900af7208c206984b24f';

/** PEM "DH PARAMETERS" (PKCS #3 DHParameter) for node:tls's `dhparam`. */
function dhparamPem(primeHex: string, g: number): string {
  const int = (b: Buffer) => (b[0] as number) & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
  const tlv = (tag: number, body: Buffer) => {
    const len = body.length < 0x80 ? Buffer.from([body.length]) : body.length < 0x100 ? Buffer.from([0x81, body.length]) : Buffer.from([0x82, body.length >> 8, body.length & 0xff]);
    return Buffer.concat([Buffer.from([tag]), len, body]);
  };
  const der = tlv(0x30, Buffer.concat([tlv(0x02, int(Buffer.from(primeHex, 'hex'))), tlv(0x02, Buffer.from([g]))]));
  return `-----BEGIN DH PARAMETERS-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END DH PARAMETERS-----\n`;
}
const DHPARAM = dhparamPem(PRIME_HEX, 2);

const OPENSSL_NAME: Record<string, string> = {
  TLS_DHE_PSK_WITH_AES_256_GCM_SHA384: 'DHE-PSK-AES256-GCM-SHA384',
  TLS_DHE_PSK_WITH_AES_128_GCM_SHA256: 'DHE-PSK-AES128-GCM-SHA256',
  TLS_DHE_PSK_WITH_CHACHA20_POLY1305_SHA256: 'DHE-PSK-CHACHA20-POLY1305',
  TLS_PSK_WITH_AES_256_GCM_SHA384: 'PSK-AES256-GCM-SHA384',
  TLS_PSK_WITH_AES_128_GCM_SHA256: 'PSK-AES128-GCM-SHA256',
  TLS_PSK_WITH_CHACHA20_POLY1305_SHA256: 'PSK-CHACHA20-POLY1305',
};

interface EchoServer {
  port: number;
  identities: string[];
  close(): Promise<void>;
}

/** A node:tls TLS 1.2 PSK server that echoes everything. */
async function nodeServer(key: Buffer, ciphers: string, extra: tls.TlsOptions = {}): Promise<EchoServer> {
  const identities: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      pskCallback: (_s, identity) => {
        identities.push(identity);
        return key;
      },
      ciphers,
      maxVersion: 'TLSv1.2',
      minVersion: 'TLSv1.2',
      dhparam: DHPARAM,
      ...extra,
    },
    (s) => {
      s.on('error', () => undefined);
      s.pipe(s);
    },
  );
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    identities,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
async function track<T extends { close(): Promise<void> }>(p: Promise<T>): Promise<T> {
  const s = await p;
  servers.push(s);
  return s;
}

function opts(port: number, key: Buffer, extra: Partial<TransportConnectOptions> = {}): TransportConnectOptions {
  return { host: '127.0.0.1', port, key, signal: AbortSignal.timeout(5000), ...extra };
}

/** Writes `data` (as one write) and collects the echo. */
async function echo(t: Transport, data: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`echo timed out after ${got} of ${data.length} bytes`)), 5000);
    const onData = (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= data.length) {
        clearTimeout(timer);
        t.off('data', onData);
        resolve();
      }
    };
    t.on('data', onData);
  });
  await t.write(data);
  await done;
  return Buffer.concat(chunks);
}

describe('js-tls12 against node:tls (OpenSSL) as the server', function () {
  this.timeout(20_000);

  for (const suite of SUITES) {
    it(`${suite.name}: keys of 1, 32, 256, 512 bytes; echo; info`, async () => {
      for (const len of [1, 32, 256, 512]) {
        const key = randomBytes(len);
        const srv = await track(nodeServer(key, OPENSSL_NAME[suite.name] as string));
        const t = await connectWith(opts(srv.port, key), { suites: [suite] });
        try {
          expect(t.info).to.include({ engine: 'js-tls12', protocol: 'TLSv1.2', cipher: suite.name, auth: 'psk', remoteAddress: '127.0.0.1', remotePort: srv.port });
          const msg = randomBytes(200);
          expect((await echo(t, msg)).equals(msg)).to.equal(true);
          expect(srv.identities).to.deep.equal(['lrmd']);
        } finally {
          await t.close();
        }
        expect(t.open).to.equal(false);
      }
    });

    it(`${suite.name}: 64 KiB both ways, and back-to-back writes`, async () => {
      const key = randomBytes(512);
      const srv = await track(nodeServer(key, OPENSSL_NAME[suite.name] as string));
      const t = await connectWith(opts(srv.port, key), { suites: [suite] });
      try {
        const big = randomBytes(64 * 1024);
        expect((await echo(t, big)).equals(big)).to.equal(true);
        const parts = [randomBytes(40), randomBytes(16384), randomBytes(16385), randomBytes(1)];
        const all = Buffer.concat(parts);
        const received: Buffer[] = [];
        let n = 0;
        const done = new Promise<void>((resolve) =>
          t.on('data', (c: Buffer) => {
            received.push(c);
            n += c.length;
            if (n >= all.length) resolve();
          }),
        );
        await Promise.all(parts.map((p) => t.write(p)));
        await done;
        expect(Buffer.concat(received).equals(all)).to.equal(true);
      } finally {
        await t.close();
      }
    });
  }

  it('offers the six suites in order, DHE-PSK first; keyExchange restricts the offer', async () => {
    const key = randomBytes(48);
    const all = Object.values(OPENSSL_NAME).join(':');
    const srv = await track(nodeServer(key, all));
    for (const [kx, want] of [
      ['any', /^TLS_DHE_PSK_WITH_/],
      ['dhe-psk', /^TLS_DHE_PSK_WITH_/],
      ['psk', /^TLS_PSK_WITH_/],
    ] as const) {
      const t = await connectJsTls12(opts(srv.port, key, { tls: { keyExchange: kx } }));
      expect(t.info.cipher).to.match(want);
      await t.close();
    }
  });

  it('sends a custom identity, and handles a PSK identity hint (ServerKeyExchange in plain PSK)', async () => {
    const key = randomBytes(100);
    const srv = await track(nodeServer(key, 'PSK-AES128-GCM-SHA256', { pskIdentityHint: 'some hint' }));
    const t = await connectJsTls12(opts(srv.port, key, { identity: 'someone-else', tls: { keyExchange: 'psk' } }));
    expect((await echo(t, Buffer.from('x'))).toString()).to.equal('x');
    await t.close();
    expect(srv.identities).to.deep.equal(['someone-else']);
  });

  it('a wrong key → AUTH_FAILED (OpenSSL answers our Finished with a fatal alert)', async () => {
    const key = randomBytes(64);
    for (const c of ['PSK-AES256-GCM-SHA384', 'DHE-PSK-AES256-GCM-SHA384']) {
      const srv = await track(nodeServer(key, c));
      const wrong = Buffer.from(key);
      wrong[0] = (wrong[0] as number) ^ 1;
      const err = await connectJsTls12(opts(srv.port, wrong)).then(
        () => expect.fail('must fail'),
        (e: unknown) => e as RemoteConnError,
      );
      expect(err).to.be.instanceOf(RemoteConnError);
      expect(err.code).to.equal(ErrorCodes.AUTH_FAILED);
      expect(err.details.phase).to.equal('tls');
    }
  });

  it('no suite in common (server has only CBC) → AUTH_FAILED', async () => {
    const key = randomBytes(64);
    const srv = await track(nodeServer(key, 'PSK-AES128-CBC-SHA'));
    const err = await connectJsTls12(opts(srv.port, key)).then(
      () => expect.fail('must fail'),
      (e: unknown) => e as RemoteConnError,
    );
    expect(err.code).to.equal(ErrorCodes.AUTH_FAILED);
  });

  it('300 DHE-PSK handshakes agree with OpenSSL (covers shared secrets with leading zero bytes)', async function () {
    this.timeout(60_000);
    const key = randomBytes(32);
    const srv = await track(nodeServer(key, 'DHE-PSK-AES128-GCM-SHA256'));
    for (let i = 0; i < 300; i++) {
      const t = await connectJsTls12(opts(srv.port, key, { tls: { keyExchange: 'dhe-psk', quickAck: false } }));
      t.destroy();
    }
  });

  it('debug output never contains key material', async () => {
    const key = randomBytes(256);
    const srv = await track(nodeServer(key, 'DHE-PSK-AES256-GCM-SHA384:PSK-AES256-GCM-SHA384'));
    const lines: string[] = [];
    const previous = createDebug.disable();
    const origLog = createDebug.log;
    createDebug.enable('pcmk-remote:*');
    createDebug.log = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
    try {
      const t = await connectJsTls12(opts(srv.port, key));
      await echo(t, Buffer.from('hello'));
      await t.close();
      const wrong = randomBytes(256);
      await connectJsTls12(opts(srv.port, wrong)).catch(() => undefined);
    } finally {
      createDebug.log = origLog;
      createDebug.disable();
      if (previous) createDebug.enable(previous);
    }
    expect(lines.length).to.be.greaterThan(2);
    const text = lines.join('\n');
    for (let i = 0; i + 8 <= key.length; i += 8) {
      expect(text).to.not.include(key.subarray(i, i + 8).toString('hex'));
      expect(text).to.not.include(key.subarray(i, i + 8).toString('base64'));
    }
  });
});

/** A TCP proxy that records the TLS records the client sends (content type and length). */
async function recordingProxy(target: number): Promise<{ port: number; records: Array<{ type: number; length: number }>; close(): Promise<void> }> {
  const records: Array<{ type: number; length: number }> = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    let buf = Buffer.alloc(0);
    client.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
        const length = buf.readUInt16BE(3);
        records.push({ type: buf[0] as number, length });
        buf = buf.subarray(5 + length);
      }
      upstream.write(d);
    });
    upstream.pipe(client);
    client.on('end', () => upstream.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    records,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe('js-tls12: each write in record(s) of its own', function () {
  this.timeout(20_000);
  for (const suite of [SUITES[0], SUITES[5]] as CipherSuite[]) {
    it(`${suite.name}: back-to-back writes of 40, 200, 70000, 1 bytes give 1+1+5+1 application records`, async () => {
      const key = randomBytes(512);
      const srv = await track(nodeServer(key, OPENSSL_NAME[suite.name] as string));
      const proxy = await track(recordingProxy(srv.port));
      const t = await connectWith(opts(proxy.port, key), { suites: [suite] });
      const sizes = [40, 200, 70000, 1];
      const total = sizes.reduce((a, b) => a + b, 0);
      let got = 0;
      const echoed = new Promise<void>((resolve) =>
        t.on('data', (c: Buffer) => {
          got += c.length;
          if (got >= total) resolve();
        }),
      );
      await Promise.all(sizes.map((n) => t.write(randomBytes(n))));
      await echoed;
      await t.close();
      const overhead = suite.explicitNonceLength + suite.tagLength;
      const app = proxy.records.filter((r) => r.type === 23).map((r) => r.length - overhead);
      expect(app).to.deep.equal([40, 200, 16384, 16384, 16384, 16384, 4464, 1]);
    });
  }
});
