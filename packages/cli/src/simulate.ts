/**
 * `pcmk-remote simulate`: runs a farm of simulated remote nodes in the foreground (until SIGINT/SIGTERM,
 * `io.signal` or `--duration`), prints one line per node with its address, optionally writes the CIB
 * fragment that hands them to a cluster, shows a progress line (connected / probed / resources running)
 * and ends with a summary table. Every socket is closed before it returns.
 */
import { writeFileSync } from 'node:fs';
import { loadAuthKey } from '@pcmk-remote/remote-conn';
import { isCibModelError } from '@pcmk-remote/cib-model';
import { SimulatedRemoteFarm } from '@pcmk-remote/simulator';
import { parseCliDuration } from './duration.js';
import { farmCibXml } from './farm-cib.js';
import { renderTable } from './format.js';
import { ExitCode, processIo, stopWhen, type CliIo } from './io.js';

/** Options of {@link runSimulate} (the command line's). */
export interface SimulateOptions {
  nodes: string;
  basePort?: string;
  host?: string;
  key?: string;
  prefix?: string;
  cibOut?: string;
  placeOn?: string;
  guests?: boolean;
  dummies?: boolean;
  reconnectInterval?: string;
  duration?: string;
  /** Progress line period. */
  progressInterval?: string;
}

function positiveInt(text: string | undefined, what: string, fallback?: number): number {
  if (text === undefined && fallback !== undefined) return fallback;
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n < 0) throw new Error(`${what} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return n;
}

/** Runs the farm; resolves with the exit code (0; 2 for a usage error, a missing key or a port in use). */
export async function runSimulate(o: SimulateOptions, io: CliIo = processIo()): Promise<number> {
  const out = io.stdout;
  let farm: SimulatedRemoteFarm;
  let durationMs: number | undefined;
  let progressMs: number;
  try {
    const nodes = positiveInt(o.nodes, '--nodes');
    if (nodes < 1) throw new Error('--nodes must be at least 1');
    const basePort = positiveInt(o.basePort, '--base-port', 3121);
    durationMs = parseCliDuration(o.duration, '--duration');
    progressMs = parseCliDuration(o.progressInterval, '--progress-interval') ?? 2000;
    const key = await loadAuthKey(o.key);
    farm = await SimulatedRemoteFarm.start({ nodes, key, basePort, host: o.host ?? '127.0.0.1', prefix: o.prefix ?? 'sim' });
  } catch (err) {
    const e = err as Error & { code?: string };
    io.stderr.write(`pcmk-remote simulate: ${e.message}${typeof e.code === 'string' ? ` [${e.code}]` : ''}\n`);
    return ExitCode.USAGE_OR_UNREACHABLE;
  }
  try {
    for (const n of farm.nodes) out.write(`${n.name} ${n.host}:${n.port}\n`);
    if (o.cibOut) {
      const xml = farmCibXml(
        farm.nodes.map((n) => ({ name: n.name, host: n.host, port: n.port })),
        { guests: !!o.guests, dummies: !!o.dummies, ...(o.placeOn ? { placeOn: o.placeOn } : {}), ...(o.reconnectInterval ? { reconnectInterval: o.reconnectInterval } : {}) },
      );
      writeFileSync(o.cibOut, xml);
      out.write(`wrote the CIB fragment to ${o.cibOut}; apply it with: cibadmin --modify --xml-file ${o.cibOut}\n`);
    }
  } catch (err) {
    await farm.stop();
    const e = err as Error & { code?: string };
    io.stderr.write(`pcmk-remote simulate: ${e.message}${isCibModelError(err) ? ` [${err.code}]` : ''}\n`);
    return ExitCode.USAGE_OR_UNREACHABLE;
  }
  const started = Date.now();
  let last = '';
  const progress = (force = false) => {
    const s = farm.status();
    const line = `${s.connected}/${s.nodes} connected, ${s.probed} probed, ${s.running} resources running, ${s.up} up`;
    if (!force && line === last) return;
    last = line;
    const t = `[${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`;
    out.write(out.isTTY ? `\r\x1b[K${t}` : `${t}\n`);
  };
  const { stopped, release } = stopWhen(io, durationMs);
  const timer = setInterval(progress, progressMs);
  try {
    progress(true);
    await stopped;
  } finally {
    clearInterval(timer);
    release();
    if (out.isTTY) out.write('\n');
    const rows = farm.table();
    await farm.stop();
    out.write(`${renderTable(rows as unknown as Array<Record<string, unknown>>, ['name', 'address', 'state', 'clients', 'resources', 'running', 'probes', 'requests'])}\n`);
    const s = rows.reduce((a, r) => ({ connected: a.connected + (r.state === 'connected' ? 1 : 0), requests: a.requests + r.requests }), { connected: 0, requests: 0 });
    out.write(`stopped ${rows.length} nodes after ${((Date.now() - started) / 1000).toFixed(1)}s (${s.connected} were connected, ${s.requests} requests served)\n`);
  }
  return ExitCode.OK;
}
