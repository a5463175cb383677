/**
 * Scale: N simulated remote nodes (in child processes, at most --sims-per-child each) and one
 * ConnectionManager (this process).
 *
 *   npm run bench:scale -- [--nodes 10000] [--max-connects 256] [--engine auto|node-tls|js-tls12]
 *                          [--lone-resets 200] [--sims-per-child 4000] [--cold-only] [--verbose] [--json]
 *
 * Prints: time until all nodes are up, handshakes per second, manager RSS and heap per connection,
 * node-down latency after lone resets (one node at a time, p50/p99) and after a reset of every connection
 * at once, and the reconnect storm that follows (time until all are up again, peak concurrent connects).
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

// Each simulator holds a listening socket and, once connected, an accepted one: 2 descriptors per node. A
// process whose descriptor limit is reached accepts and closes at once (libuv's EMFILE trick), which a
// client sees as a silent close. So the simulators are spread over children of at most SIMS_PER_CHILD.
const SIMS_PER_CHILD = opt('sims-per-child', 4000);
const childCount = Math.max(1, Math.ceil(n / SIMS_PER_CHILD));
const children = Array.from({ length: childCount }, () =>
  fork(new URL('./scale-sims.ts', import.meta.url), { execArgv: ['--conditions=source', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
);
const askOne = async <T>(child: (typeof children)[number], msg: object): Promise<T> => {
  const reply = once(child, 'message');
  child.send(msg);
  return (await reply)[0] as T;
};
const askAll = <T>(msg: (i: number) => object): Promise<T[]> => Promise.all(children.map((c, i) => askOne<T>(c, msg(i))));
const sizes = children.map((_, i) => Math.min(SIMS_PER_CHILD, n - i * SIMS_PER_CHILD));
const ports = (await askAll<{ ports: number[] }>((i) => ({ cmd: 'start', n: sizes[i], first: i * SIMS_PER_CHILD, key: key.toString('hex') }))).flatMap((r) => r.ports);
const now = () => performance.timeOrigin + performance.now();

global.gc?.();
const mem0 = process.memoryUsage();
const rss0 = mem0.rss;
const t0 = performance.now();
const manager = new ConnectionManager({
  defaults: { key, monitorIntervalMs: 60_000, monitorTimeoutMs: 30_000, reconnectIntervalMs: 1000, reconnectJitter: 1, connectTimeoutMs: 120_000, attemptTimeoutMs: 60_000, keepAliveMs: 0, tls: { engine } },
  maxConcurrentConnects: maxConnects,
});
let up = 0;
let failed = 0;
let allUp: () => void = () => undefined;
// "All up" also ends when the rest have failed for good (state failed): the figures then say how many.
const settle = () => {
  if (up + failed >= n) allUp();
};
manager.on('node-up', () => {
  up++;
  settle();
});
manager.on('state', (e) => {
  if (e.to === 'failed') {
    failed++;
    settle();
  }
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
const downByNode = new Map<string, number>();
manager.on('node-down', (e) => {
  const t = now();
  downAt.push(t);
  downByNode.set(e.node, t);
});
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

const coldUp = up;
const coldFailed = failed;
if (args.includes('--cold-only')) {
  process.stdout.write(`${JSON.stringify({ nodes: n, allUpMs: Math.round(coldMs), up: coldUp, failed: coldFailed, rssPerConnectionKiB: Math.round((rssPerConn / 1024) * 10) / 10 })}\n`);
  clearInterval(progress);
  await manager.close();
  await askAll(() => ({ cmd: 'stop' }));
  process.exit(0);
}
const pct = (sorted: number[], q: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN) * 10) / 10;

// Lone resets: a sample of nodes reset one at a time, 20 ms apart (each child resets its own share).
const sample = opt('lone-resets', 200);
const picks = Array.from({ length: Math.min(sample, n) }, (_, i) => Math.floor((i * n) / Math.min(sample, n)));
up = n - picks.length;
failed = 0;
waitAll = new Promise<void>((r) => (allUp = r));
settle(); // nothing to wait for with --lone-resets 0
downByNode.clear();
const lone = await askAll<{ resets: Array<{ index: number; at: number }> }>((c) => ({
  cmd: 'reset-each',
  gapMs: 20,
  indexes: picks.filter((g) => Math.floor(g / SIMS_PER_CHILD) === c).map((g) => g - c * SIMS_PER_CHILD),
}));
await waitAll;
const loneLat = lone
  .flatMap((r, c) => r.resets.map((x) => (downByNode.get(`n${c * SIMS_PER_CHILD + x.index}`) ?? NaN) - x.at))
  .filter((x) => Number.isFinite(x))
  .sort((a, b) => a - b);

up = 0;
failed = 0;
downAt.length = 0;
waitAll = new Promise<void>((r) => (allUp = r));
const tStorm = performance.now();
const resetAt = Math.min(...(await askAll<{ resetAt: number }>(() => ({ cmd: 'reset' }))).map((r) => r.resetAt));
await waitAll;
const stormMs = performance.now() - tStorm;
const lat = downAt.map((t) => t - resetAt).sort((a, b) => a - b);
const p = (q: number) => pct(lat, q);

clearInterval(progress);
const failuresByCode = Object.fromEntries(failures);
const handshakeFailures: Record<string, number> = {};
for (const r of await askAll<{ handshakeFailures: Record<string, number> }>(() => ({ cmd: 'stats' })))
  for (const [k, v] of Object.entries(r.handshakeFailures)) handshakeFailures[k] = (handshakeFailures[k] ?? 0) + v;
const result = {
  nodes: n,
  maxConcurrentConnects: maxConnects,
  engine,
  simulatorProcesses: childCount,
  allUpMs: Math.round(coldMs),
  upAfterColdStart: coldUp,
  failedAfterColdStart: coldFailed,
  handshakesPerSecond: Math.round(n / (coldMs / 1000)),
  managerRssPerConnectionKiB: Math.round(rssPerConn / 1024 * 10) / 10,
  managerHeapPerConnectionKiB: { heapUsed: perConnKiB('heapUsed'), external: perConnKiB('external'), arrayBuffers: perConnKiB('arrayBuffers') },
  peakConcurrentConnectsCold: coldPeak,
  nodeDownAfterLoneResetMs: { p50: pct(loneLat, 0.5), p99: pct(loneLat, 0.99), max: pct(loneLat, 1), count: loneLat.length },
  nodeDownAfterStormResetMs: { p50: p(0.5), p99: p(0.99), max: p(1), count: lat.length },
  stormUpAgain: up,
  stormFailed: failed,
  stormAllUpAgainMs: Math.round(stormMs),
  connectFailuresByCode: failuresByCode,
  simulatorHandshakeFailures: handshakeFailures,
  stormNote: 'reconnect_interval 1 s with jitter 1.0 (spread over 1-2 s)',
};
await manager.close();
await askAll(() => ({ cmd: 'stop' }));
if (args.includes('--json')) process.stdout.write(`${JSON.stringify(result)}\n`);
else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
