/**
 * Large messages and notification bursts against a ConnectionManager: does one connection's big message stall
 * the event loop, and with it the monitoring of every other node?
 *
 *   npm run bench:large-message -- [--sizes 1,5,19] [--burst 100000] [--monitor-ms 100] [--json]
 *
 * Two child processes (bench/large-message-peer.ts) play four daemons: `big`, and three healthy nodes, all
 * monitored every `--monitor-ms`. `big` then sends, one scenario at a time: an IPC proxy request carrying a
 * CIB of N MiB (a tree of elements, as the relay receives for `cibadmin --replace`), an exec result whose
 * output attribute is N MiB of escaped meta-data (one huge attribute full of references), and a burst of
 * unsolicited poke notifications. Per scenario it prints the worst event-loop stall (the largest gap of a
 * 5 ms interval timer, minus 5 ms, counting only the time the main thread ran in it: see the probe), the
 * raw largest timer gap, the worst gap between two monitor results of the healthy nodes, the time
 * until the message was handled, and the heap + external memory after GC against the baseline before it
 * (RSS for information: the allocator keeps freed pages mapped, so it does not come back down at once).
 *
 * Goal (issue #17): no stall over 50 ms, healthy monitors unaffected (worst gap within 50 ms of the idle
 * control's), memory back within 50 MB of the baseline. Run with --expose-gc (the npm script does).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { ConnectionManager } from '../packages/remote-conn/src/index.js';
import type { PeerCommand, PeerReport } from './large-message-peer.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] as string) : dflt;
};
const sizes = opt('sizes', '1,5,19').split(',').map(Number);
const burst = Number(opt('burst', '100000'));
const monitorMs = Number(opt('monitor-ms', '100'));
const json = args.includes('--json');
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:large-message does)');

const HEALTHY = ['h1', 'h2', 'h3'];
const key = randomBytes(32);
// Two processes: the big node's daemon, and the healthy nodes' (their answers must not wait behind its work).
const peers = [['big'], HEALTHY].map((nodes) =>
  fork(new URL('./large-message-peer.ts', import.meta.url), [nodes.join(','), key.toString('base64')], {
    execArgv: ['--conditions=source', '--import', 'tsx'],
    stdio: 'inherit',
  }),
);
const reports: PeerReport[] = [];
const waiters: Array<(r: PeerReport) => void> = [];
for (const peer of peers) {
  peer.on('message', (r: PeerReport) => {
    const w = waiters.shift();
    if (w) w(r);
    else reports.push(r);
  });
}
const nextReport = (type: PeerReport['type']): Promise<PeerReport> => {
  const i = reports.findIndex((r) => r.type === type);
  if (i >= 0) return Promise.resolve(reports.splice(i, 1)[0] as PeerReport);
  return new Promise((resolve) => {
    const w = (r: PeerReport) => {
      if (r.type === type) resolve(r);
      else {
        reports.push(r);
        waiters.unshift(w);
      }
    };
    waiters.push(w);
  });
};
const command = (c: PeerCommand) => (peers[0] as ChildProcess).send(c);

const ports: Record<string, number> = {};
for (const _ of peers) Object.assign(ports, ((await nextReport('ready')) as Extract<PeerReport, { type: 'ready' }>).ports);
const manager = new ConnectionManager({
  defaults: {
    key,
    host: '127.0.0.1',
    monitorIntervalMs: monitorMs,
    monitorTimeoutMs: 60_000,
    requestTimeoutMs: 60_000,
    reconnectIntervalMs: 0,
  },
});
for (const [name, port] of Object.entries(ports)) manager.addNode({ name, port });
await Promise.all(Object.keys(ports).map((n) => manager.node(n)?.waitFor('up', { timeoutMs: 20_000 })));

// Probes: event-loop stall and monitor gaps of the healthy nodes.
// A gap of the 5 ms timer is a stall of ours only as far as the main thread ran meanwhile: on a shared
// machine the process is also descheduled, which delays timers without any work of ours. The main thread's
// run time comes from /proc/thread-self/schedstat (ns; Linux), else from process.cpuUsage() (all threads,
// GC helpers included: an upper bound). Both the stall and the raw timer gap are reported; the goal applies
// to the stall.
const schedstat = '/proc/thread-self/schedstat';
const hasSchedstat = existsSync(schedstat);
const runMs = (): number => {
  if (hasSchedstat) return Number(readFileSync(schedstat, 'utf8').split(' ')[0]) / 1e6;
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
let worstStall = 0;
let worstWallGap = 0;
let lastTick = performance.now();
let lastRun = runMs();
const ticker = setInterval(() => {
  const now = performance.now();
  const run = runMs();
  const wall = now - lastTick;
  worstWallGap = Math.max(worstWallGap, wall - 5);
  worstStall = Math.max(worstStall, Math.min(wall, run - lastRun) - 5);
  lastTick = now;
  lastRun = run;
}, 5);
// Garbage-collection pauses, reported apart: they hold every connection, whatever the parser does.
let worstGc = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) worstGc = Math.max(worstGc, e.duration);
});
gcObserver.observe({ entryTypes: ['gc'] });
const lastMonitor = new Map<string, number>();
let worstMonitorGap = 0;
manager.on('monitor', (e) => {
  if (!HEALTHY.includes(e.node)) return;
  const now = performance.now();
  const prev = lastMonitor.get(e.node);
  if (prev !== undefined) worstMonitorGap = Math.max(worstMonitorGap, now - prev);
  lastMonitor.set(e.node, now);
});
const resetProbes = () => {
  worstStall = 0;
  worstWallGap = 0;
  worstGc = 0;
  lastRun = runMs();
  worstMonitorGap = 0;
  lastTick = performance.now();
  lastMonitor.clear();
};
const memory = () => {
  for (let i = 0; i < 4; i++) gc();
  const m = process.memoryUsage();
  return { used: (m.heapUsed + m.external) / 2 ** 20, rss: m.rss / 2 ** 20 };
};
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Row {
  scenario: string;
  handledMs: number;
  worstStallMs: number;
  worstWallGapMs: number;
  worstGcPauseMs: number;
  worstHealthyMonitorGapMs: number;
  memoryDeltaMb: number;
  rssDeltaMb: number;
  bigStillUp: boolean;
}
const rows: Row[] = [];

async function scenario(name: string, run: () => Promise<void>): Promise<void> {
  await sleep(300);
  const base = memory();
  resetProbes();
  const t0 = performance.now();
  await run();
  const handledMs = performance.now() - t0;
  await sleep(3 * monitorMs);
  const row: Row = {
    scenario: name,
    handledMs: Math.round(handledMs),
    worstStallMs: Math.round(worstStall),
    worstWallGapMs: Math.round(worstWallGap),
    worstGcPauseMs: 0,
    worstHealthyMonitorGapMs: Math.round(worstMonitorGap),
    memoryDeltaMb: 0,
    rssDeltaMb: 0,
    bigStillUp: manager.node('big')?.state === 'up',
  };
  row.worstGcPauseMs = Math.round(worstGc);
  const after = memory();
  row.memoryDeltaMb = Math.round((after.used - base.used) * 10) / 10;
  row.rssDeltaMb = Math.round(after.rss - base.rss);
  rows.push(row);
  if (!json) console.log(`${name.padEnd(22)} handled ${String(row.handledMs).padStart(6)} ms   worst stall ${String(row.worstStallMs).padStart(5)} ms (timer gap ${String(row.worstWallGapMs).padStart(5)} ms, GC pause ${String(row.worstGcPauseMs).padStart(4)} ms)   healthy monitor gap ${String(row.worstHealthyMonitorGapMs).padStart(5)} ms   heap+external ${row.memoryDeltaMb >= 0 ? '+' : ''}${row.memoryDeltaMb} MB (rss ${row.rssDeltaMb >= 0 ? '+' : ''}${row.rssDeltaMb} MB)   big ${row.bigStillUp ? 'up' : 'DOWN'}`);
}

const big = () => {
  const s = manager.node('big')?.session;
  if (!s) throw new Error('node big is not up');
  return s;
};

if (!json) console.log(`large messages: 1 big + ${HEALTHY.length} healthy nodes, monitor every ${monitorMs} ms (Node ${process.version})`);
// The control: the same probes while nothing happens, for the noise of the machine (monitor gaps above all).
await scenario('idle (control)', () => sleep(3000));
for (const mib of sizes) {
  const bytes = Math.round(mib * 2 ** 20);
  await scenario(`cib tree ${mib} MiB`, async () => {
    const handled = nextReport('ipc-destroy');
    command({ cmd: 'big', shape: 'cib', bytes: bytes - 1024 });
    await handled;
  });
  await scenario(`output attr ${mib} MiB`, async () => {
    const s = big();
    const handled = new Promise<void>((resolve) => s.once('foreign-op-result', () => resolve()));
    command({ cmd: 'big', shape: 'output', bytes: bytes - 2048 });
    await handled;
  });
}
if (burst > 0) {
  await scenario(`burst ${burst} notifies`, async () => {
    const s = big();
    let seen = 0;
    const done = new Promise<void>((resolve) => {
      const on = (e: { callId: number }) => {
        if (e.callId >= 2_000_000 && ++seen === burst) {
          s.off('notify', on);
          resolve();
        }
      };
      s.on('notify', on);
    });
    command({ cmd: 'burst', count: burst });
    await done;
  });
}

clearInterval(ticker);
gcObserver.disconnect();
await manager.close();
await Promise.all(
  peers.map((p) => {
    const exited = new Promise((r) => p.once('exit', r));
    p.send({ cmd: 'stop' } satisfies PeerCommand);
    return exited;
  }),
);
if (json) console.log(JSON.stringify(rows, null, 2));
const control = rows[0] as Row;
const failed = rows.filter(
  (r) => r.worstStallMs > 50 || r.memoryDeltaMb > 50 || !r.bigStillUp || r.worstHealthyMonitorGapMs > Math.max(control.worstHealthyMonitorGapMs, monitorMs) + 50,
);
if (!json) {
  console.log(
    failed.length === 0
      ? 'goal met: no stall over 50 ms, healthy monitors within 50 ms of the control, memory back within 50 MB'
      : `goal NOT met in: ${failed.map((r) => r.scenario).join(', ')}`,
  );
}
