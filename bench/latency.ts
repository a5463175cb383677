/**
 * Request latency against the REAL pacemaker-remoted: our client vs Pacemaker's own C client (liblrmd),
 * for three traffic patterns reported separately: paced (50 ms apart), back-to-back, and pipelined.
 *
 *   npm run bench:latency -- [--count 1000] [--paced-count 1000] [--window 16] [--json]
 *
 * Needs Debian's pacemaker-remote (the daemon) and, for the C baseline, pacemaker-dev + gcc.
 * The op is `lrmd_rsc_info` (a synchronous request/reply in the C API).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RemoteSession } from '../packages/remote-conn/src/index.js';
import { startRealDaemon, type RealDaemon } from '../packages/remote-conn/test/support/real-daemon.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const count = opt('count', 1000);
const pacedCount = opt('paced-count', 1000);
const windowSize = opt('window', 16);
const json = args.includes('--json');

interface Row {
  client: string;
  pattern: string;
  count: number;
  connectMs: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  totalMs: number;
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ours(d: RealDaemon, pattern: 'back-to-back' | 'paced' | 'pipelined', n: number, quickAck: boolean): Promise<Row> {
  const t0 = performance.now();
  const s = await RemoteSession.connect({ host: d.host, port: d.port, key: d.key, tls: { quickAck } });
  const connectMs = performance.now() - t0;
  await s.registerResource({ id: 'bench-rsc', standard: 'ocf', provider: 'pacemaker', type: 'Dummy' });
  const rtt: number[] = [];
  const start = performance.now();
  if (pattern === 'pipelined') {
    let next = 0;
    const worker = async () => {
      while (next < n) {
        next++;
        const a = performance.now();
        await s.resourceInfo('bench-rsc');
        rtt.push(performance.now() - a);
      }
    };
    await Promise.all(Array.from({ length: windowSize }, worker));
  } else {
    for (let i = 0; i < n; i++) {
      if (pattern === 'paced') await sleep(50);
      const a = performance.now();
      await s.resourceInfo('bench-rsc');
      rtt.push(performance.now() - a);
    }
  }
  const totalMs = performance.now() - start;
  await s.unregisterResource('bench-rsc');
  await s.close();
  rtt.sort((a, b) => a - b);
  return {
    client: quickAck ? 'pcmk-remote' : 'pcmk-remote (no quickack)',
    pattern: pattern === 'pipelined' ? `pipelined (window ${windowSize})` : pattern,
    count: n,
    connectMs,
    p50: pct(rtt, 0.5),
    p90: pct(rtt, 0.9),
    p99: pct(rtt, 0.99),
    max: rtt.at(-1) ?? 0,
    totalMs,
  };
}

function cBinary(): string | undefined {
  const out = join(import.meta.dirname, '../.tmp/cbuild/lrmd-bench');
  if (existsSync(out)) return out;
  try {
    mkdirSync(join(import.meta.dirname, '../.tmp/cbuild'), { recursive: true });
    const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'pacemaker-lrmd'], { encoding: 'utf8' }).trim().split(/\s+/);
    execFileSync('gcc', ['-O2', '-o', out, join(import.meta.dirname, 'c-client/lrmd-bench.c'), ...flags], { stdio: 'ignore' });
    return out;
  } catch {
    return undefined;
  }
}

function cClient(bin: string, d: RealDaemon, pattern: 'back-to-back' | 'paced', n: number): Row {
  const out = execFileSync(bin, [d.host, String(d.port), String(n), pattern], {
    encoding: 'utf8',
    env: { ...process.env, PCMK_authkey_location: d.keyPath },
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Row;
}

const d = await startRealDaemon({ keyBytes: 256 });
const rows: Row[] = [];
try {
  const bin = cBinary();
  for (const pattern of ['back-to-back', 'paced'] as const) {
    const n = pattern === 'paced' ? pacedCount : count;
    rows.push(await ours(d, pattern, n, true));
    rows.push(await ours(d, pattern, n, false));
    if (bin) rows.push(cClient(bin, d, pattern, n));
  }
  rows.push(await ours(d, 'pipelined', count, true));
  rows.push(await ours(d, 'pipelined', count, false));
  if (!bin) {
    process.stderr.write(
      'C baseline skipped: building bench/c-client/lrmd-bench.c needs pacemaker-dev, gcc and pkg-config. Install them with\n' +
        '  apt-get -o DPkg::Lock::Timeout=600 install -y pacemaker-dev gcc pkg-config\n' +
        'then run npm run bench:latency again.\n',
    );
  }
} finally {
  await d.dispose();
}

if (json) {
  process.stdout.write(`${JSON.stringify(rows)}\n`);
} else {
  const f = (x: number) => x.toFixed(2).padStart(8);
  process.stdout.write(`pacemaker-remoted ${execFileSync('/usr/sbin/pacemaker-remoted', ['--version'], { encoding: 'utf8' }).split('\n')[0]}, lrmd_rsc_info round trips (ms)\n`);
  process.stdout.write('client                     pattern                count  connect      p50      p90      p99      max   total ms\n');
  for (const r of rows) {
    process.stdout.write(`${r.client.padEnd(26)} ${r.pattern.padEnd(22)} ${String(r.count).padStart(5)} ${f(r.connectMs)} ${f(r.p50)} ${f(r.p90)} ${f(r.p99)} ${f(r.max)} ${r.totalMs.toFixed(0).padStart(9)}\n`);
  }
  for (const pattern of ['back-to-back', 'paced']) {
    const c = rows.find((r) => r.client === 'c-liblrmd' && r.pattern === pattern);
    const t = rows.find((r) => r.client === 'pcmk-remote' && r.pattern === pattern);
    if (c && t) process.stdout.write(`ratio C/pcmk-remote p50 ${pattern}: ${(c.p50 / t.p50).toFixed(1)}x; connect: ${(c.connectMs / t.connectMs).toFixed(1)}x\n`);
  }
}
