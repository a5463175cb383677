/**
 * TLS engine benchmark: js-tls12 (TLS 1.2 PSK on node:crypto) vs node:tls (OpenSSL).
 *
 *   unshare -n -- bash -c 'ip link set lo up && exec node --conditions=source --import tsx bench/tls.ts' [--handshakes 50] [--rtts 1000] [--mb 64] [--no-real]
 *
 * 1. Against a local node:tls TLS 1.2 PSK server (256-byte key, which both engines accept): handshake time
 *    (p50/p90), sequential echo round trips of a 200-byte message, and bulk throughput both ways, for the
 *    PSK and DHE-PSK AES-256-GCM suites.
 * 2. Against the REAL pacemaker-remoted (started with the test fixture; needs its own network namespace):
 *    handshake time with a 4096-byte key (js-tls12 only: node:tls cannot use it) and with a 512-byte key
 *    (both engines), plus back-to-back pokes over js-tls12 with the 4096-byte key.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { FrameDecoder, encodeFrame } from '../packages/remote-conn/src/codec/index.js';
import { classifyInbound, parseXml, pokeRequest, serializeXml } from '../packages/remote-conn/src/messages/index.js';
import { connectJsTls12 } from '../packages/remote-conn/src/transport/js-tls12/index.js';
import { connectNodeTls } from '../packages/remote-conn/src/transport/node-tls.js';
import type { Transport, TransportConnectOptions } from '../packages/remote-conn/src/transport/transport.js';
import { startRealDaemon } from '../packages/remote-conn/test/support/real-daemon.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const HANDSHAKES = opt('handshakes', 50);
const RTTS = opt('rtts', 1000);
const MB = opt('mb', 64);
const REAL = !args.includes('--no-real');

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? 0;
};
const f = (n: number) => n.toFixed(2);

type Engine = 'js-tls12' | 'node-tls';
const connect = (engine: Engine, o: TransportConnectOptions): Promise<Transport> => (engine === 'js-tls12' ? connectJsTls12(o) : connectNodeTls(o));

const SUITES = [
  { label: 'PSK-AES256-GCM-SHA384', openssl: 'PSK-AES256-GCM-SHA384', kx: 'psk' as const },
  { label: 'DHE-PSK-AES256-GCM-SHA384', openssl: 'DHE-PSK-AES256-GCM-SHA384', kx: 'dhe-psk' as const },
];

function options(engine: Engine, port: number, key: Buffer, suite: (typeof SUITES)[number]): TransportConnectOptions {
  return {
    host: '127.0.0.1',
    port,
    key,
    tls: engine === 'js-tls12' ? { engine, keyExchange: suite.kx } : { engine, ciphers: suite.openssl, maxVersion: 'TLSv1.2' },
  };
}

/** node:tls PSK server: mode by first byte: 'e' echo, 's' sink (replies 'k' after n bytes), 'd' download. */
async function localServer(key: Buffer): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    { pskCallback: () => key, ciphers: SUITES.map((s) => s.openssl).join(':'), maxVersion: 'TLSv1.2', dhparam: 'auto' },
    (s) => {
      s.setNoDelay(true);
      s.on('error', () => undefined);
      let mode = '';
      let count = 0;
      s.on('data', (d: Buffer) => {
        if (!mode) {
          mode = String.fromCharCode(d[0] as number);
          d = d.subarray(1);
          if (mode === 'd') {
            const chunk = randomBytes(64 * 1024);
            let left = MB * 1024 * 1024;
            const pump = () => {
              while (left > 0) {
                left -= chunk.length;
                if (!s.write(chunk)) return void s.once('drain', pump);
              }
              s.end();
            };
            pump();
            return;
          }
        }
        if (mode === 'e') s.write(d);
        else if (mode === 's') {
          count += d.length;
          if (count >= MB * 1024 * 1024) s.write('k');
        }
      });
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
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

async function handshakeTimes(make: () => Promise<Transport>, n: number): Promise<number[]> {
  const out: number[] = [];
  // one warm-up (JIT, DH group check cache)
  (await make()).destroy();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const t = await make();
    out.push(performance.now() - t0);
    t.destroy();
  }
  return out;
}

async function echoRtts(t: Transport, n: number): Promise<number[]> {
  const msg = randomBytes(200);
  const out: number[] = [];
  await t.write(Buffer.from('e'));
  for (let i = 0; i < n; i++) {
    let got = 0;
    const t0 = performance.now();
    const done = new Promise<void>((resolve) => {
      const on = (c: Buffer) => {
        got += c.length;
        if (got >= msg.length) {
          t.off('data', on);
          resolve();
        }
      };
      t.on('data', on);
    });
    await t.write(msg);
    await done;
    out.push(performance.now() - t0);
  }
  return out;
}

async function upload(t: Transport): Promise<number> {
  const chunk = randomBytes(64 * 1024);
  const total = MB * 1024 * 1024;
  const ack = new Promise<void>((resolve) => t.once('data', () => resolve()));
  const t0 = performance.now();
  await t.write(Buffer.from('s'));
  for (let sent = 0; sent < total; sent += chunk.length) await t.write(chunk);
  await ack;
  return MB / ((performance.now() - t0) / 1000);
}

async function download(t: Transport): Promise<number> {
  const total = MB * 1024 * 1024;
  let got = 0;
  const t0 = performance.now();
  const done = new Promise<void>((resolve) =>
    t.on('data', (c: Buffer) => {
      got += c.length;
      if (got >= total) resolve();
    }),
  );
  await t.write(Buffer.from('d'));
  await done;
  return MB / ((performance.now() - t0) / 1000);
}

async function poke(t: Transport, decoder: FrameDecoder, id: number): Promise<void> {
  const e = pokeRequest();
  const frame = encodeFrame(serializeXml({ ...e, attrs: { ...e.attrs, lrmd_remote_msg_id: String(id), lrmd_remote_msg_type: 'request' } }), id);
  const reply = new Promise<void>((resolve, reject) => {
    const on = (c: Buffer) => {
      for (const fr of decoder.push(c)) {
        const m = classifyInbound(parseXml(fr.xml));
        if (m.type === 'reply' && m.msgId === id) {
          t.off('data', on);
          if (m.rc === 0) resolve();
          else reject(new Error(`poke rc ${m.rc}`));
        }
      }
    };
    t.on('data', on);
  });
  await t.write(frame.header);
  await t.write(frame.payload);
  await reply;
}

const lines: string[] = [];
const log = (s: string) => {
  lines.push(s);
  process.stdout.write(`${s}\n`);
};

log(`# TLS engines, Node ${process.version}, ${new Date().toISOString()}`);
log('');
log(`## Local node:tls PSK server, 256-byte key (handshakes n=${HANDSHAKES}, ${RTTS} sequential 200-byte echo round trips, ${MB} MiB bulk)`);
log('');
log('| engine | suite | handshake p50 ms | p90 ms | echo RTT p50 ms | p90 ms | round trips/s | upload MB/s | download MB/s |');
log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
{
  const key = randomBytes(256);
  const srv = await localServer(key);
  try {
    for (const suite of SUITES) {
      for (const engine of ['js-tls12', 'node-tls'] as Engine[]) {
        const o = options(engine, srv.port, key, suite);
        const hs = await handshakeTimes(() => connect(engine, o), HANDSHAKES);
        const t1 = await connect(engine, o);
        const t0 = performance.now();
        const rtts = await echoRtts(t1, RTTS);
        const rps = RTTS / ((performance.now() - t0) / 1000);
        t1.destroy();
        const t2 = await connect(engine, o);
        const up = await upload(t2);
        t2.destroy();
        const t3 = await connect(engine, o);
        const down = await download(t3);
        t3.destroy();
        log(`| ${engine} | ${suite.label} | ${f(pct(hs, 0.5))} | ${f(pct(hs, 0.9))} | ${f(pct(rtts, 0.5))} | ${f(pct(rtts, 0.9))} | ${rps.toFixed(0)} | ${up.toFixed(0)} | ${down.toFixed(0)} |`);
      }
    }
  } finally {
    await srv.close();
  }
}

if (REAL) {
  log('');
  log(`## Real pacemaker-remoted 2.1.5 (GnuTLS 3.7.9), handshake n=${HANDSHAKES}`);
  log('');
  log('| key bytes | engine | suite | handshake p50 ms | p90 ms |');
  log('| --- | --- | --- | --- | --- |');
  let pokeLine = '';
  for (const keyBytes of [4096, 512]) {
    const daemon = await startRealDaemon({ keyBytes });
    try {
      for (const suite of SUITES) {
        for (const engine of (keyBytes > 512 ? ['js-tls12'] : ['js-tls12', 'node-tls']) as Engine[]) {
          const o = options(engine, daemon.port, daemon.key, suite);
          const hs = await handshakeTimes(() => connect(engine, o), HANDSHAKES);
          log(`| ${keyBytes} | ${engine} | ${suite.label} | ${f(pct(hs, 0.5))} | ${f(pct(hs, 0.9))} |`);
        }
      }
      if (keyBytes === 4096) {
        const t = await connectJsTls12({ host: daemon.host, port: daemon.port, key: daemon.key });
        const decoder = new FrameDecoder();
        const times: number[] = [];
        for (let i = 1; i <= 200; i++) {
          const t0 = performance.now();
          await poke(t, decoder, i);
          times.push(performance.now() - t0);
        }
        await t.close();
        pokeLine = `js-tls12, 4096-byte key, ${t.info.cipher}: 200 back-to-back pokes (quickAck on): p50 ${f(pct(times, 0.5))} ms, p90 ${f(pct(times, 0.9))} ms`;
      }
    } finally {
      await daemon.dispose();
    }
  }
  log('');
  log(pokeLine);
}
