/**
 * The IPC relay under load: tools on a node opening relay sessions at once, each one attrd update
 * answered by a NodeAttributeStore through our session.
 *
 *   npm run bench:relay -- [--sim 1000] [--real 200] [--parallel 50]
 *
 * `--sim N`: N simulated `attrd_updater` runs started at once on a simulated node (one TLS connection).
 * `--real N`: N real `attrd_updater` processes, `--parallel` at a time, on a real pacemaker-remoted 2.1.5
 * (its own daemon, in the network namespace scripts/netns.sh gives). Prints runs/s and what was left open.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { NodeAttributeStore, RemoteSession } from '../packages/remote-conn/src/index.js';
import { startRealDaemon } from '../packages/remote-conn/test/support/real-daemon.js';
import { SimulatedRemoteDaemon } from '../packages/simulator/src/index.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const simRuns = opt('sim', 1000);
const realRuns = opt('real', 200);
const parallel = opt('parallel', 50);
const run = promisify(execFile);

async function settle(s: RemoteSession): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (s.relayStats.open > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

function report(label: string, n: number, ms: number, failed: number, s: RemoteSession, store: NodeAttributeStore, node: string): void {
  const st = s.relayStats;
  console.log(
    `${label.padEnd(28)} runs ${String(n).padStart(5)}  ${String(Math.round(ms)).padStart(6)} ms  ${String(Math.round((n * 1000) / ms)).padStart(5)} runs/s  failed ${failed}  served ${st.served}  open after ${st.open}  attributes ${store.entries(node).length}  rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`,
  );
}

if (simRuns > 0) {
  const sim = await SimulatedRemoteDaemon.start({ key: randomBytes(256), version: '2.1.5', nodeName: 'sim1' });
  const store = new NodeAttributeStore();
  const s = await RemoteSession.connect({ host: sim.host, port: sim.port, key: sim.key as Buffer, ipcRelay: store, nodeName: 'sim1' });
  const t = performance.now();
  const rs = await Promise.all(Array.from({ length: simRuns }, (_, i) => sim.runTool(['attrd_updater', '-n', `a${i % 100}`, '-U', String(i)], {}, { ipcTimeoutMs: 120_000 })));
  const ms = performance.now() - t;
  await settle(s);
  report('simulated, all at once', simRuns, ms, rs.filter((r) => r.code !== 0).length, s, store, 'sim1');
  await s.close();
  await sim.stop();
}

if (realRuns > 0) {
  const d = await startRealDaemon();
  const store = new NodeAttributeStore();
  const s = await RemoteSession.connect({ host: d.host, port: d.port, key: d.key, ipcRelay: store, nodeName: 'real1' });
  let next = 0;
  let failed = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < realRuns) {
        const i = next++;
        await run('attrd_updater', ['-n', `a${i % 100}`, '-U', String(i)]).catch(() => failed++);
      }
    }),
  );
  const ms = performance.now() - t;
  await settle(s);
  report(`real 2.1.5, ${parallel} at a time`, realRuns, ms, failed, s, store, 'real1');
  await s.close();
  await d.dispose();
}
