/**
 * Helpers of the ConnectionManager tests: simulated daemons sharing one key, cib-model shaped specs,
 * event recorders and bounded waits.
 */
import { randomBytes } from 'node:crypto';
import type { RemoteNodeSpec } from '@pcmk-remote/cib-model';
import { ConnectionManager, type ConnectionManagerEvents, type ConnectionManagerOptions, type RemoteNodeOptions } from '../../src/index.js';
import { SimulatedRemoteDaemon, type SimulatedDaemonOptions } from '@pcmk-remote/simulator';

export const KEY = randomBytes(64);

/** Every event the manager re-emits from its nodes, plus its own membership events. */
export const NODE_EVENTS = ['state', 'node-up', 'connect-failed', 'node-down', 'node-reconnecting', 'takeover', 'node-shutdown-request', 'monitor'] as const;
export const ALL_EVENTS = [...NODE_EVENTS, 'node-added', 'node-removed'] as const;

export type Rec = { event: string; at: number; node: string; data: Record<string, unknown> };

/** Records every event of the manager (node events and membership). */
export function recordManager(m: ConnectionManager): Rec[] {
  const out: Rec[] = [];
  for (const ev of ALL_EVENTS) {
    m.on(ev, ((d: Record<string, unknown>) => out.push({ event: ev, at: Date.now(), node: String(d.node), data: d })) as never);
  }
  return out;
}

/**
 * The fixture of a describe block: a factory of managers with the shared key and these defaults, and an
 * `afterEach` that closes every manager it made, then stops the daemons `takeSims` hands over.
 */
export function managerFactory(defaults: Partial<RemoteNodeOptions>, takeSims: () => SimulatedRemoteDaemon[]): (o?: ConnectionManagerOptions) => ConnectionManager {
  const managers: ConnectionManager[] = [];
  afterEach(async () => {
    await Promise.all(managers.splice(0).map((m) => m.close()));
    await Promise.all(takeSims().map((s) => s.stop()));
  });
  return (o: ConnectionManagerOptions = {}) => {
    const m = new ConnectionManager({ ...o, defaults: { key: KEY, ...defaults, ...o.defaults } });
    managers.push(m);
    return m;
  };
}

/** Starts `n` simulated daemons with the shared key. */
export async function startSims(n: number, options: Partial<SimulatedDaemonOptions> = {}): Promise<SimulatedRemoteDaemon[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => SimulatedRemoteDaemon.start({ key: KEY, nodeName: `sim${i}`, ...options })));
}

/** A spec shaped exactly as cib-model's `remoteNodes()` reports a remote node, pointing at `sim`. */
export function remoteSpec(name: string, sim: { host: string; port: number }, extra: Partial<RemoteNodeSpec> = {}): RemoteNodeSpec {
  return { name, kind: 'remote', host: sim.host, port: sim.port, reconnectIntervalMs: 0, connectTimeoutMs: 5000, connectionResource: name, ...extra };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `p`, or a rejection naming `what` if it does not settle within `timeoutMs` (the timer is cleared either way). */
export async function within<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(t);
  }
}

/** Polls `cond` every 20 ms until it holds; throws after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Resolves after `cycles` more monitor results of the up node `node`: each is a poke round trip through
 * our event loop and the daemon's. Tests that assert that something did NOT happen wait for this instead
 * of a fixed sleep, so that on a slow machine they wait longer too: whatever was going to happen (a
 * connect, a reconnect, an event) had as much of the machine as these round trips.
 */
export async function monitorCycles(m: ConnectionManager, node: string, cycles: number, timeoutMs = 15_000): Promise<void> {
  for (let i = 0; i < cycles; i++) await nextManagerEvent(m, 'monitor', (e) => e.node === node, timeoutMs);
}

/**
 * {@link monitorCycles} for tests without an up node of their own (everything was closed or removed): a
 * control manager with one node on a daemon of its own, closed again afterwards.
 */
export async function controlCycles(cycles: number): Promise<void> {
  const [sim] = await startSims(1);
  const control = new ConnectionManager({ defaults: { key: KEY, monitorIntervalMs: 100, monitorTimeoutMs: 5000 } });
  try {
    control.addNode(remoteSpec('control', sim as SimulatedRemoteDaemon));
    await monitorCycles(control, 'control', cycles);
  } finally {
    await control.close();
    await sim?.stop();
  }
}

/** The next manager event `name` matching `pred`, or a rejection after `timeoutMs`. */
export function nextManagerEvent<K extends keyof ConnectionManagerEvents>(
  m: ConnectionManager,
  name: K,
  pred: (e: Parameters<ConnectionManagerEvents[K]>[0]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<Parameters<ConnectionManagerEvents[K]>[0]> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      m.off(name, fn as never);
      reject(new Error(`no ${String(name)} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const fn = (e: Parameters<ConnectionManagerEvents[K]>[0]) => {
      if (!pred(e)) return;
      clearTimeout(t);
      m.off(name, fn as never);
      resolve(e);
    };
    m.on(name, fn as never);
  });
}

/** Resolves when every named node is `up`. */
export function allUp(m: ConnectionManager, names: string[], timeoutMs = 10_000): Promise<unknown> {
  return Promise.all(
    names.map((n) => {
      const c = m.node(n);
      if (!c) throw new Error(`node ${n} is not managed`);
      return c.waitFor('up', { timeoutMs });
    }),
  );
}
