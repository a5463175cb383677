/**
 * Native memory of one TLS PSK client connection in Node, without our code: the floor under the
 * manager's per-connection figure. A node:tls PSK server runs in a child process.
 *
 *   node --expose-gc --import tsx bench/tls-memory.ts [--connections 1000]
 *
 * Prints RSS and heap per connection for TLS 1.3 / TLS 1.2, with a context per connection (what
 * tls.connect builds from cipher options) and with one shared context (what node-tls does).
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import tls from 'node:tls';

const KEY = Buffer.alloc(256, 7);
const CIPHERS = 'PSK-AES256-GCM-SHA384:TLS_CHACHA20_POLY1305_SHA256';

if (process.argv.includes('--server')) {
  const server = tls.createServer({ pskCallback: () => KEY, ciphers: CIPHERS } as tls.TlsOptions, (s) => {
    s.on('error', () => undefined);
    s.on('data', (d) => s.write(d));
  });
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as { port: number }).port));
} else if (process.argv.includes('--variant')) {
  const variant = process.argv[process.argv.indexOf('--variant') + 1] ?? 'tls13';
  const n = Number(process.argv[process.argv.indexOf('--connections') + 1] ?? 1000) || 1000;
  const child = fork(import.meta.filename, ['--server'], { execArgv: ['--import', 'tsx'] });
  const [port] = (await once(child, 'message')) as [number];
  const tls12 = variant.startsWith('tls12');
  const shared = tls.createSecureContext({ ciphers: CIPHERS, ...(tls12 ? { maxVersion: 'TLSv1.2' as const } : {}) });
  const sockets: tls.TLSSocket[] = [];
  const gc = () => (globalThis as { gc?: () => void }).gc?.();
  gc();
  await new Promise((r) => setTimeout(r, 200));
  gc();
  const m0 = process.memoryUsage();
  for (let i = 0; i < n; i++) {
    const s = tls.connect({
      host: '127.0.0.1',
      port,
      pskCallback: () => ({ psk: KEY, identity: 'lrmd' }),
      checkServerIdentity: () => undefined,
      ...(variant.endsWith('shared') ? { secureContext: shared } : { ciphers: CIPHERS, ...(tls12 ? { maxVersion: 'TLSv1.2' as const } : {}) }),
    });
    await once(s, 'secureConnect');
    s.write('hello');
    await once(s, 'data');
    sockets.push(s);
  }
  gc();
  await new Promise((r) => setTimeout(r, 500));
  gc();
  const m = process.memoryUsage();
  const kib = (a: number, b: number) => ((a - b) / n / 1024).toFixed(1);
  process.stdout.write(`${variant.padEnd(14)} RSS/conn ${kib(m.rss, m0.rss)} KiB   heap/conn ${kib(m.heapUsed, m0.heapUsed)} KiB\n`);
  for (const s of sockets) s.destroy();
  child.kill();
} else {
  const n = process.argv.includes('--connections') ? process.argv[process.argv.indexOf('--connections') + 1] : '1000';
  for (const variant of ['tls13', 'tls13-shared', 'tls12', 'tls12-shared']) {
    // A fresh process per variant: RSS does not shrink after a run.
    const c = fork(import.meta.filename, ['--variant', variant, '--connections', String(n)], { execArgv: ['--expose-gc', '--import', 'tsx'] });
    await once(c, 'exit');
  }
}
