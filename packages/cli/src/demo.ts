/**
 * `pcmk-remote demo`: the main job on the embedded simulator, with no setup. Starts simulated remote nodes
 * and a guest node, runs the ConnectionManager with fencing-hooks, injects faults (reset, blackhole,
 * graceful shutdown, guest restart), prints a timeline of events and a final table. About 25 s.
 */
import { randomBytes } from 'node:crypto';
import { CallbackFencer, FencingCoordinator } from '@pcmk-remote/fencing-hooks';
import { ConnectionManager } from '@pcmk-remote/remote-conn';
import { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';
import { renderTable } from './format.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runDemo(out: NodeJS.WritableStream = process.stdout, options: { scale?: number } = {}): Promise<void> {
  const k = options.scale ?? 1;
  const t0 = Date.now();
  const say = (text: string) => out.write(`${`+${((Date.now() - t0) / 1000).toFixed(1)}s`.padStart(7)}  ${text}\n`);
  const key = randomBytes(256);
  const names = ['remote1', 'remote2', 'remote3', 'guest1'];
  const sims = new Map<string, SimulatedRemoteDaemon>();
  for (const n of names) sims.set(n, await SimulatedRemoteDaemon.start({ key, nodeName: n, noDelay: true }));
  const sim = (n: string) => sims.get(n) as SimulatedRemoteDaemon;
  say(`started ${names.length} simulated pacemaker-remoted 2.1.5 daemons on 127.0.0.1 (${names.map((n) => `${n}:${sim(n).port}`).join(', ')})`);

  const manager = new ConnectionManager({
    defaults: { key, monitorIntervalMs: 500 * k, monitorTimeoutMs: 1000 * k, reconnectIntervalMs: 2000 * k, connectTimeoutMs: 8000 },
  });
  manager.on('node-up', (e) => say(`node-up        ${e.node} (attempt ${e.attempt}, register ${e.rttMs.toFixed(1)} ms, ${e.tls.protocol} ${e.tls.cipher})`));
  manager.on('node-down', (e) => say(`node-down      ${e.node}: ${e.reason}${e.willReconnect ? `, reconnecting in ${((e.nextAttemptAt ?? Date.now()) - Date.now()) / 1000 | 0}s` : ''}`));
  manager.on('connect-failed', (e) => say(`connect-failed ${e.node} attempt ${e.attempt}: ${e.reason} (${e.error.code})${e.willRetry ? ', retrying' : ''}`));
  manager.on('node-shutdown-request', (e) => {
    say(`shutdown-req   ${e.node}: moving its resources away, then ack`);
    void e.ack();
  });

  const fencing = new FencingCoordinator({
    manager,
    executor: 'node1',
    fencer: new CallbackFencer(
      async (req) => {
        // A simulated power cycle: the daemon goes away and comes back fresh.
        const s = sim(req.target);
        if (s.paused) s.resume();
        await s.restart({ downMs: 300 });
      },
      { name: 'simulated-power' },
    ),
    restartContainer: async (req) => {
      await sim(req.target).restart({ downMs: 300 });
    },
  });
  fencing.on('fence-requested', (e) => say(`fence          ${e.target}: ${e.action} via ${e.method} (${e.reason})`));
  fencing.on('fence-succeeded', (e) => say(`fenced         ${e.target} in ${e.durationMs} ms; reconnect allowed`));
  fencing.on('fence-skipped', (e) => say(`fence-skipped  ${e.target}: ${e.reason}`));
  fencing.on('fence-failed', (e) => say(`fence-failed   ${e.target}: ${e.error.code}`));

  await manager.sync(names.map((name) => ({
    name,
    host: sim(name).host,
    port: sim(name).port,
    kind: name.startsWith('guest') ? ('guest' as const) : ('remote' as const),
    ...(name.startsWith('guest') ? { containerResource: `vm-${name}` } : {}),
  })));
  await Promise.all(names.map((n) => manager.node(n)?.waitFor('up', { timeoutMs: 10_000 })));

  await sleep(1500 * k);
  say('FAULT          remote1: connection reset (RST)');
  sim('remote1').resetConnections();
  await sleep(4000 * k);
  say('FAULT          remote2: blackholed (daemon frozen, nothing answers)');
  sim('remote2').pause();
  await sleep(5000 * k);
  say('FAULT          remote3: graceful stop of pacemaker-remoted (SIGTERM)');
  await sim('remote3').requestShutdown();
  await sleep(1500 * k);
  say('               remote3: pacemaker-remoted started again');
  await sim('remote3').relaunch();
  await sleep(3000 * k);
  say('FAULT          guest1: container crashed');
  await sim('guest1').kill();
  await sleep(6000 * k);

  const fenced = (n: string) => fencing.history(n).filter((h) => h.result === 'success').length;
  const rows = manager.nodes().map((n) => ({
    node: n.name, kind: n.kind, state: n.state, attempts: n.attempts, losses: n.losses,
    rtt: n.lastRttMs === undefined ? undefined : `${n.lastRttMs.toFixed(2)}ms`, fenced: fenced(n.name), 'last error': n.lastError?.code,
  }));
  out.write(`\n${renderTable(rows, ['node', 'kind', 'state', 'attempts', 'losses', 'rtt', 'fenced', 'last error'])}\n\n`);
  await fencing.close({ releaseHolds: true });
  await manager.close();
  await Promise.all([...sims.values()].map((s) => s.stop()));
  say('done: every connection, timer and simulated daemon stopped');
}
