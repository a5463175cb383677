/**
 * `pcmk-remote watch`: keeps connections to nodes and shows their states: a live table on a TTY, one JSON
 * line per event otherwise.
 *
 * Nodes come from `--node NAME=HOST[:PORT]` and/or `--cib FILE|-` (the CIB's `remoteNodes()`, optionally only
 * those whose connection resource runs on `--only-running-on NODE`); a `--node` entry replaces a CIB node of
 * the same name. Watching opens real sessions: only watch nodes no live cluster owns.
 */
import { isCibModelError, parseCib } from '@pcmk-remote/cib-model';
import { ErrorCodes, RemoteConnError } from '@pcmk-remote/remote-conn';
import { ConnectionManager, type NodeSpec } from '@pcmk-remote/remote-conn';
import { loadAuthKey } from '@pcmk-remote/remote-conn';
import { defaultRemotePort } from '@pcmk-remote/remote-conn';
import { parseCliDuration } from './duration.js';
import { age, parseHostPort, renderTable } from './format.js';
import { processIo, stopWhen, type CliIo } from './io.js';
import { readCibText } from './nodes.js';

export { parseCliDuration } from './duration.js';

export interface WatchOptions {
  node?: string[];
  /** A CIB file (or `-` for stdin) whose remote and guest nodes to watch. */
  cib?: string;
  /** With `cib`: only nodes whose connection resource runs on this cluster node. */
  onlyRunningOn?: string;
  key?: string;
  json?: boolean;
  reconnectInterval?: string;
  monitorInterval?: string;
  monitorTimeout?: string;
  connectTimeout?: string;
  /** Stop after this long (tests, scripts). */
  duration?: string;
}

/** Node specs from `--node NAME=HOST[:PORT]`. */
export function nodeSpecsFromArgs(values: readonly string[]): NodeSpec[] {
  return values.map((n) => {
    const eq = n.indexOf('=');
    const name = eq > 0 ? n.slice(0, eq) : n;
    const { host, port } = parseHostPort(eq > 0 ? n.slice(eq + 1) : n, defaultRemotePort());
    if (!name || !host || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `--node ${JSON.stringify(n)}: expected NAME=HOST[:PORT]`);
    }
    return { name, host, port };
  });
}

/**
 * The nodes to watch: the CIB's remote/guest nodes (filtered by `onlyRunningOn`), then the `--node`
 * entries (which replace CIB nodes of the same name).
 * @throws RemoteConnError `INVALID_ARGUMENT` when there is nothing to watch; CibModelError for a bad CIB
 */
export async function watchSpecs(o: WatchOptions, io: Pick<CliIo, 'stdin'> = processIo()): Promise<NodeSpec[]> {
  const byName = new Map<string, NodeSpec>();
  if (o.onlyRunningOn !== undefined && o.cib === undefined) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, '--only-running-on needs --cib');
  }
  if (o.cib !== undefined) {
    const cib = parseCib(await readCibText(o.cib, io));
    for (const n of cib.remoteNodes()) {
      if (o.onlyRunningOn !== undefined && n.runningOn !== o.onlyRunningOn) continue;
      byName.set(n.name, { ...n });
    }
  }
  for (const s of nodeSpecsFromArgs(o.node ?? [])) byName.set(s.name, s);
  if (byName.size === 0) {
    throw new RemoteConnError(
      ErrorCodes.INVALID_ARGUMENT,
      o.cib !== undefined
        ? `nothing to watch: the CIB has no remote or guest node${o.onlyRunningOn !== undefined ? ` running on ${o.onlyRunningOn}` : ''}`
        : 'nothing to watch: give --cib FILE or --node NAME=HOST[:PORT]',
    );
  }
  return [...byName.values()];
}

const EVENTS = ['node-added', 'state', 'node-up', 'node-down', 'connect-failed', 'node-reconnecting', 'takeover', 'node-shutdown-request', 'monitor'] as const;

/**
 * Runs `watch` until SIGINT/SIGTERM, `io.signal`, or `--duration`. Resolves with the exit code (0; 2 for a
 * usage error, a bad CIB or a missing key).
 */
export async function runWatch(o: WatchOptions, io: CliIo = processIo()): Promise<number> {
  const out = io.stdout;
  let specs: NodeSpec[];
  let key: Buffer;
  const defaults: Record<string, unknown> = {};
  let durationMs: number | undefined;
  try {
    const ri = parseCliDuration(o.reconnectInterval, '--reconnect-interval');
    const mi = parseCliDuration(o.monitorInterval, '--monitor-interval');
    const mt = parseCliDuration(o.monitorTimeout, '--monitor-timeout');
    const ct = parseCliDuration(o.connectTimeout, '--connect-timeout');
    durationMs = parseCliDuration(o.duration, '--duration');
    specs = await watchSpecs(o, io);
    key = await loadAuthKey(o.key);
    defaults.key = key;
    if (ri !== undefined) defaults.reconnectIntervalMs = ri;
    if (mi !== undefined) defaults.monitorIntervalMs = mi;
    if (mt !== undefined) defaults.monitorTimeoutMs = mt;
    if (ct !== undefined) defaults.connectTimeoutMs = ct;
  } catch (err) {
    if (isCibModelError(err) || err instanceof RemoteConnError) {
      io.stderr.write(`pcmk-remote watch: ${err.message} [${err.code}]\n`);
      return 2;
    }
    const e = err as NodeJS.ErrnoException;
    io.stderr.write(`pcmk-remote watch: ${e.code ?? ''} ${e.message}\n`);
    return 2;
  }
  // --reconnect-interval given on the command line wins over the CIB's reconnect_interval.
  if (defaults.reconnectIntervalMs !== undefined) specs = specs.map((s) => ({ ...s, reconnectIntervalMs: defaults.reconnectIntervalMs as number }));
  const manager = new ConnectionManager({ defaults });
  const live = out.isTTY === true && !o.json;
  if (!live) {
    for (const ev of EVENTS) {
      manager.on(ev, ((e: Record<string, unknown>) => {
        const { error, ack: _a, nack: _n, ...rest } = e as Record<string, unknown> & { error?: { code?: string; message?: string } };
        out.write(`${JSON.stringify({ event: ev, at: Date.now(), ...rest, ...(error ? { error: { code: error.code, message: error.message } } : {}) })}\n`);
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
  const { stopped, release } = stopWhen(io, durationMs);
  const timer = live ? setInterval(draw, 500) : undefined;
  try {
    await manager.sync(specs);
    await stopped;
  } finally {
    clearInterval(timer);
    release();
    await manager.close();
  }
  if (live) draw();
  return 0;
}
