/**
 * Farm under a real cluster: a single-node Pacemaker cluster (the real-cluster fixture) manages N simulated
 * remote nodes of one SimulatedRemoteFarm (this process), each with a Dummy (exclusive discovery), added in
 * batches of --batch (the next batch once the previous one is Online, as real-cluster.md found necessary
 * beyond ~200). Runs as root inside its own network namespace:
 *
 *   npm run bench:farm -- --nodes N [--batch 50] [--timeout 900s] [--node-action-limit 40] [--json]
 *
 * Prints, every 10 s and at the end: nodes RemoteOnline, Dummies Started, the farm's RSS and CPU seconds,
 * its event-loop delay (p99/max: whether one event loop is enough), the cluster daemons' CPU seconds
 * (pacemakerd and its children, from /proc), and the time until all N were Online with a Dummy Started.
 * When the cluster gives up (the scheduler or controller killed as unresponsive: see its log) the run
 * reports how far it got and which daemon limited it.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SimulatedRemoteFarm } from '../packages/simulator/src/index.js';
import { farmCibXml } from '../packages/cli/src/farm-cib.js';
import { startCluster, type CrmMonView } from '../test/support/cluster/index.js';
import { parseCliDuration } from '../packages/cli/src/duration.js';

const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const n = Number(arg('nodes') ?? 50);
const batch = Number(arg('batch') ?? 50);
const timeoutMs = parseCliDuration(arg('timeout') ?? '900s', '--timeout') ?? 900_000;
const nodeActionLimit = arg('node-action-limit') ?? '40';
const json = args.includes('--json');
if (!Number.isInteger(n) || n < 1 || !Number.isInteger(batch) || batch < 1) {
  process.stderr.write('usage: npm run bench:farm -- --nodes N [--batch 50] [--timeout 900s] [--node-action-limit 40] [--json]\n');
  process.exit(2);
}

const TICK = 100; // USER_HZ
/** CPU seconds of a process tree (the process and its live descendants), and their names. */
function treeCpu(root: number): Record<string, number> {
  const stats = new Map<number, { ppid: number; name: string; cpu: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const name = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(d), { ppid: Number(f[1]), name, cpu: (Number(f[11]) + Number(f[12])) / TICK });
    } catch {
      /* gone */
    }
  }
  const out: Record<string, number> = {};
  const walk = (pid: number) => {
    const s = stats.get(pid);
    if (!s) return;
    out[s.name] = (out[s.name] ?? 0) + s.cpu;
    for (const [p, c] of stats) if (c.ppid === pid) walk(p);
  };
  walk(root);
  return out;
}

const t0 = Date.now();
const cluster = await startCluster({ nodes: 1, properties: { 'node-action-limit': nodeActionLimit } });
const pcmkPid = cluster.state().nodes.find((x) => x.name === 'node1')?.pids.pacemakerd ?? -1;
const farm = await SimulatedRemoteFarm.start({ nodes: n, key: cluster.key, host: cluster.switchAddress, basePort: 10_000 });
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const cpu0 = process.cpuUsage();
const names = farm.nodes.map((x) => x.name);
const fragment = (from: number, to: number) => farmCibXml(farm.nodes.slice(from, to), { placeOn: 'node1', dummies: true });

let view: CrmMonView | undefined;
const counts = () => {
  const online = names.filter((x) => view?.online(x)).length;
  const started = names.filter((x) => view?.runningOn(`${x}-dummy`).includes(x)).length;
  return { online, started };
};
const figures = () => {
  const c = process.cpuUsage(cpu0);
  const cl = treeCpu(pcmkPid);
  return {
    nodes: n,
    ...counts(),
    elapsedS: +((Date.now() - tStart) / 1000).toFixed(1),
    farmRssMiB: +(process.memoryUsage().rss / 2 ** 20).toFixed(1),
    farmCpuS: +((c.user + c.system) / 1e6).toFixed(1),
    farmLoopDelayP99Ms: +(loop.percentile(99) / 1e6).toFixed(1),
    farmLoopDelayMaxMs: +(loop.max / 1e6).toFixed(1),
    clusterCpuS: Object.fromEntries(Object.entries(cl).map(([k, v]) => [k, +v.toFixed(1)])),
  };
};
const report = (what: string) => {
  const f = figures();
  process.stdout.write(json ? `${JSON.stringify({ what, ...f })}\n` : `[${f.elapsedS}s] ${what}: ${f.online}/${n} Online, ${f.started} Started; farm ${f.farmRssMiB} MiB, ${f.farmCpuS} CPU-s, loop p99 ${f.farmLoopDelayP99Ms} ms; cluster CPU-s ${JSON.stringify(f.clusterCpuS)}\n`);
};

const tStart = Date.now();
const deadline = tStart + timeoutMs;
let result = 'timeout';
let lastReport = Date.now();
try {
  process.stdout.write(`cluster up in ${((tStart - t0) / 1000).toFixed(1)} s (${cluster.stack}); farm of ${n} listening; adding in batches of ${batch}\n`);
  for (let from = 0; from < n && Date.now() < deadline; from += batch) {
    const to = Math.min(n, from + batch);
    const file = join(cluster.dir, `farm-${from}.xml`);
    writeFileSync(file, fragment(from, to));
    const r = await cluster.exec('node1', ['cibadmin', '--modify', '--xml-file', file], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`cibadmin exited ${r.code}: ${r.stderr}`);
    const want = names.slice(0, to);
    for (;;) {
      try {
        view = await cluster.crmMon();
      } catch {
        /* the cluster is busy: try again */
      }
      if (Date.now() - lastReport > 10_000) {
        report('progress');
        lastReport = Date.now();
      }
      if (want.every((x) => view?.online(x))) break;
      if (Date.now() > deadline) break;
      await new Promise((res) => setTimeout(res, 1000));
    }
  }
  while (Date.now() < deadline && counts().started < n) {
    await new Promise((res) => setTimeout(res, 1000));
    view = await cluster.crmMon().catch(() => view);
  }
  if (counts().started === n) result = 'all Online with a Dummy Started';
} finally {
  report(`end (${result})`);
  const log = cluster.log('node1');
  const limits = log.split('\n').filter((l) => /is unresponsive to ipc|Connection to the scheduler failed|Could not recover from internal error|Respawning/.test(l));
  if (limits.length) process.stdout.write(`cluster trouble (${limits.length} lines), first: ${limits.slice(0, 3).join(' | ')}\n`);
  loop.disable();
  await farm.stop();
  await cluster.stop();
}
