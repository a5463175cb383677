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
const key = randomBytes(256);

const child = fork(new URL('./scale-sims.ts', import.meta.url), { execArgv: ['--conditions=source', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const ask = async <T>(msg: object): Promise<T> => {
  child.send(msg);
  return (await once(child, 'message'))[0] as T;
};
const { ports } = await ask<{ ports: number[] }>({ cmd: 'start', n, key: key.toString('hex') });

global.gc?.();
const rss0 = process.memoryUsage().rss;
const manager = new ConnectionManager({
  defaults: { key, monitorIntervalMs: 60_000, monitorTimeoutMs: 30_000, reconnectIntervalMs: 1000, reconnectJitter: 1, connectTimeoutMs: 120_000, attemptTimeoutMs: 60_000, keepAliveMs: 0 },
  maxConcurrentConnects: maxConnects,
});
let up = 0;
let allUp: () => void = () => undefined;
manager.on('node-up', () => {
  if (++up === n) allUp();
});
const downAt: number[] = [];
manager.on('node-down', (e) => downAt.push(e.at));
const t0 = performance.now();
let waitAll = new Promise<void>((r) => (allUp = r));
await manager.sync(ports.map((port, i) => ({ name: `n${i}`, host: '127.0.0.1', port })));
await waitAll;
const coldMs = performance.now() - t0;
const coldPeak = manager.connectSlots.peak;
global.gc?.();
const rssPerConn = (process.memoryUsage().rss - rss0) / n;

up = 0;
waitAll = new Promise<void>((r) => (allUp = r));
const tStorm = performance.now();
const { resetAt } = await ask<{ resetAt: number }>({ cmd: 'reset' });
await waitAll;
const stormMs = performance.now() - tStorm;
const lat = downAt.map((t) => t - resetAt).sort((a, b) => a - b);
const p = (q: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * q))] ?? NaN;

const result = {
  nodes: n,
  maxConcurrentConnects: maxConnects,
  allUpMs: Math.round(coldMs),
  handshakesPerSecond: Math.round(n / (coldMs / 1000)),
  managerRssPerConnectionKiB: Math.round(rssPerConn / 1024 * 10) / 10,
  peakConcurrentConnectsCold: coldPeak,
  nodeDownAfterResetMs: { p50: p(0.5), p99: p(0.99), max: lat.at(-1), count: lat.length },
  stormAllUpAgainMs: Math.round(stormMs),
  stormNote: 'reconnect_interval 1 s with jitter 1.0 (spread over 1-2 s)',
};
await manager.close();
await ask({ cmd: 'stop' });
if (args.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`);
else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
