/**
 * `pcmk-remote watch`: keeps connections to nodes and shows their states: a live table on a TTY, one JSON
 * line per event otherwise.
 */
import { ConnectionManager, type NodeSpec } from '../manager/connection-manager.js';
import { loadAuthKey } from '../transport/auth-key.js';
import { defaultRemotePort } from '../session/options.js';
import { age, parseHostPort, renderTable } from './format.js';

export interface WatchOptions {
  node?: string[];
  key?: string;
  json?: boolean;
  reconnectInterval?: string;
  monitorInterval?: string;
  monitorTimeout?: string;
  /** Stop after this long (tests, scripts). */
  duration?: string;
}

/** `500ms`, `10s`, `5m`, `1h`, or a bare number of seconds. */
export function parseCliDuration(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$/i.exec(text);
  if (!m) throw new Error(`${what}: cannot parse duration ${JSON.stringify(text)} (use e.g. 500ms, 10s, 5m)`);
  const unit = (m[2] ?? 's').toLowerCase();
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'h' ? 3_600_000 : 60_000;
  return Math.round(Number(m[1]) * factor);
}
const ms = parseCliDuration;

/** Node specs from `--node NAME=HOST[:PORT]`. */
export function watchSpecs(o: WatchOptions): NodeSpec[] {
  const specs: NodeSpec[] = [];
  for (const n of o.node ?? []) {
    const eq = n.indexOf('=');
    const name = eq > 0 ? n.slice(0, eq) : n;
    const { host, port } = parseHostPort(eq > 0 ? n.slice(eq + 1) : n, defaultRemotePort());
    specs.push({ name, host, port });
  }
  if (specs.length === 0) throw new Error('nothing to watch: give --node NAME=HOST[:PORT]');
  return specs;
}

/** Runs `watch` until SIGINT/SIGTERM (or `--duration`). */
export async function runWatch(o: WatchOptions, out: NodeJS.WriteStream = process.stdout): Promise<void> {
  const key = await loadAuthKey(o.key);
  const defaults: Record<string, unknown> = { key };
  const ri = ms(o.reconnectInterval, '--reconnect-interval');
  const mi = ms(o.monitorInterval, '--monitor-interval');
  const mt = ms(o.monitorTimeout, '--monitor-timeout');
  if (ri !== undefined) defaults.reconnectIntervalMs = ri;
  if (mi !== undefined) defaults.monitorIntervalMs = mi;
  if (mt !== undefined) defaults.monitorTimeoutMs = mt;
  const manager = new ConnectionManager({ defaults });
  const live = out.isTTY && !o.json;
  const events = ['state', 'node-up', 'node-down', 'connect-failed', 'node-reconnecting', 'takeover', 'node-shutdown-request'] as const;
  if (!live) {
    for (const ev of events) {
      manager.on(ev, ((e: Record<string, unknown>) => {
        const { error, ack: _a, nack: _n, ...rest } = e as Record<string, unknown> & { error?: { code?: string; message?: string } };
        out.write(`${JSON.stringify({ event: ev, ...rest, ...(error ? { error: { code: error.code, message: error.message } } : {}) })}\n`);
      }) as never);
    }
  }
  const draw = () => {
    const rows = manager.nodes().map((n) => ({
      node: n.name, kind: n.kind, address: `${n.host}:${n.port}`, state: n.state, for: age(n.since), attempts: n.attempts,
      losses: n.losses, rtt: n.lastRttMs === undefined ? undefined : `${n.lastRttMs.toFixed(1)}ms`, 'last error': n.lastError?.code,
    }));
    out.write(`\x1b[2J\x1b[H${renderTable(rows, ['node', 'kind', 'address', 'state', 'for', 'attempts', 'losses', 'rtt', 'last error'])}\n\n(Ctrl-C to stop)\n`);
  };
  await manager.sync(watchSpecs(o));
  const timer = live ? setInterval(draw, 500) : undefined;
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const d = ms(o.duration, '--duration');
    if (d !== undefined) setTimeout(stop, d);
  });
  clearInterval(timer);
  await manager.close();
  if (live) draw();
}
