/**
 * Scale: N simulated remote nodes (in a child process) and one ConnectionManager (this process).
 *
 *   npm run bench:scale -- [--nodes 10000] [--max-connects 256] [--json]
 *
 * Prints: time until all nodes are up, handshakes per second, manager RSS per connection, node-down
 * latency after a reset of every connection (p50/p99), and the reconnect storm that follows (time until
 * all are up again, peak concurrent connects).
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { ConnectionManager } from '../packages/remote-conn/src/index.js';

const args = process.argv.slice(2);
const opt = (name: string, d: number) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : d);
const n = opt('nodes', 10_000);
const maxConnects = opt('max-connects', 256);
const engineArg = args.includes('--engine') ? args[args.indexOf('--engine') + 1] : 'auto';
const engine = engineArg === 'js-tls12' || engineArg === 'node-tls' ? engineArg : 'auto';
const key = randomBytes(256);

const child = fork(new URL('./scale-sims.ts', import.meta.url), { execArgv: ['--conditions=source', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const ask = async <T>(msg: object): Promise<T> => {
  child.send(msg);
  return (await once(child, 'message'))[0] as T;
};
const { ports } = await ask<{ ports: number[] }>({ cmd: 'start', n, key: key.toString('hex') });

global.gc?.();
const mem0 = process.memoryUsage();
const rss0 = mem0.rss;
const t0 = performance.now();
const manager = new ConnectionManager({
  defaults: { key, monitorIntervalMs: 60_000, monitorTimeoutMs: 30_000, reconnectIntervalMs: 1000, reconnectJitter: 1, connectTimeoutMs: 120_000, attemptTimeoutMs: 60_000, keepAliveMs: 0, tls: { engine } },
  maxConcurrentConnects: maxConnects,
});
let up = 0;
let allUp: () => void = () => undefined;
manager.on('node-up', () => {
  if (++up === n) allUp();
});
const failures = new Map<string, number>();
manager.on('connect-failed', (e) => {
  const code = (e.error as { code?: string }).code ?? 'unknown';
  failures.set(code, (failures.get(code) ?? 0) + 1);
  if (failures.get(code) === 1 && args.includes('--verbose')) {
    const err = e.error as Error & { details?: unknown; cause?: Error & { code?: string } };
    process.stderr.write(`  first ${code}: ${err.message} details=${JSON.stringify(err.details)} cause=${err.cause?.code ?? ''} ${err.cause?.message ?? ''} phase=${e.phase}\n`);
  }
});
const progress = setInterval(() => {
  const states = new Map<string, number>();
  for (const s of manager.nodes()) states.set(s.state, (states.get(s.state) ?? 0) + 1);
  process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1)} s] up ${up}/${n} states ${JSON.stringify(Object.fromEntries(states))} failures ${JSON.stringify(Object.fromEntries(failures))}\n`);
}, 5000);
progress.unref();
const downAt: number[] = [];
manager.on('node-down', (e) => downAt.push(e.at));
let waitAll = new Promise<void>((r) => (allUp = r));
const tSync = performance.now();
await manager.sync(ports.map((port, i) => ({ name: `n${i}`, host: '127.0.0.1', port })));
await waitAll;
const coldMs = performance.now() - tSync;
const coldPeak = manager.connectSlots.peak;
global.gc?.();
const mem1 = process.memoryUsage();
const rssPerConn = (mem1.rss - rss0) / n;
const perConnKiB = (k: 'heapUsed' | 'external' | 'arrayBuffers') => Math.round(((mem1[k] - mem0[k]) / n / 1024) * 10) / 10;

up = 0;
waitAll = new Promise<void>((r) => (allUp = r));
const tStorm = performance.now();
const { resetAt } = await ask<{ resetAt: number }>({ cmd: 'reset' });
await waitAll;
const stormMs = performance.now() - tStorm;
const lat = downAt.map((t) => t - resetAt).sort((a, b) => a - b);
const p = (q: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * q))] ?? NaN;

clearInterval(progress);
const failuresByCode = Object.fromEntries(failures);
const { handshakeFailures } = await ask<{ handshakeFailures: Record<string, number> }>({ cmd: 'stats' });
const result = {
  nodes: n,
  maxConcurrentConnects: maxConnects,
  engine,
  allUpMs: Math.round(coldMs),
  handshakesPerSecond: Math.round(n / (coldMs / 1000)),
  managerRssPerConnectionKiB: Math.round(rssPerConn / 1024 * 10) / 10,
  managerHeapPerConnectionKiB: { heapUsed: perConnKiB('heapUsed'), external: perConnKiB('external'), arrayBuffers: perConnKiB('arrayBuffers') },
  peakConcurrentConnectsCold: coldPeak,
  nodeDownAfterResetMs: { p50: p(0.5), p99: p(0.99), max: lat.at(-1), count: lat.length },
  stormAllUpAgainMs: Math.round(stormMs),
  connectFailuresByCode: failuresByCode,
  simulatorHandshakeFailures: handshakeFailures,
  stormNote: 'reconnect_interval 1 s with jitter 1.0 (spread over 1-2 s)',
};
await manager.close();
await ask({ cmd: 'stop' });
if (args.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`);
else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
