/**
 * `pcmk-remote nodes --live` and `pcmk-remote watch --live`: the CIB of the cluster this machine belongs to,
 * read as `cibadmin --query` does and followed through `@pcmk-remote/cib-model/live` (re-read on the CIB
 * manager's change notifications, never polled). Neither connects to any node: a live cluster owns them.
 *
 * `watch --live` prints one line per change of a node's state or of a remote/guest node's connection
 * placement (JSON lines with `--json`), after one line per node describing the state at start
 * (`change: "initial"`). With `--only-running-on NODE` it reports only the remote/guest nodes whose
 * connection runs on NODE before or after the change (and NODE itself): one instance per cluster node
 * together covers every remote node once, sharded by the scheduler's own placement.
 */
import { diffNodeViews, LiveCib, nodeViews, readLiveCib, type NodeChange, type NodeView } from '@pcmk-remote/cib-model/live';
import { isCibModelError } from '@pcmk-remote/cib-model';
import { parseCliDuration } from './duration.js';
import { ExitCode, stopWhen, type CliIo } from './io.js';
import { nodeRows, renderNodes } from './nodes.js';

/** Options of `nodes --live`. */
export interface NodesLiveOptions {
  json?: boolean;
}

/** Runs `nodes --live`. */
export async function runNodesLive(o: NodesLiveOptions, io: CliIo): Promise<number> {
  try {
    const { cib } = await readLiveCib();
    const rows = nodeRows(cib);
    io.stdout.write(o.json ? `${JSON.stringify({ nodes: rows })}\n` : renderNodes(rows));
    return ExitCode.OK;
  } catch (err) {
    if (!isCibModelError(err)) throw err;
    io.stderr.write(`pcmk-remote nodes --live: ${err.message} [${err.code}]\n`);
    return ExitCode.USAGE_OR_UNREACHABLE;
  }
}

/** Options of `watch --live`. */
export interface WatchLiveOptions {
  onlyRunningOn?: string;
  json?: boolean;
  duration?: string;
}

/** One printed line of `watch --live --json`. */
export interface WatchLiveLine {
  time: string;
  node: string;
  kind: NodeView['kind'];
  change: 'initial' | NodeChange['change'];
  state?: string;
  runningOn?: string;
  before?: { state: string; runningOn?: string };
}

/** The changes a `--only-running-on NODE` instance reports: nodes placed on NODE before or after. */
export function changesFor(changes: NodeChange[], node: string | undefined): NodeChange[] {
  if (node === undefined) return changes;
  const mine = (v: NodeView | undefined) => v !== undefined && (v.name === node || (v.kind !== 'cluster' && v.runningOn === node));
  return changes.filter((c) => mine(c.before) || mine(c.after));
}

function line(c: NodeChange | { node: string; kind: NodeView['kind']; change: 'initial'; after: NodeView }): WatchLiveLine {
  const a = c.after;
  const b = 'before' in c ? c.before : undefined;
  return {
    time: new Date().toISOString(),
    node: c.node,
    kind: c.kind,
    change: c.change,
    ...(a ? { state: a.state, ...(a.runningOn ? { runningOn: a.runningOn } : {}) } : {}),
    ...(b ? { before: { state: b.state, ...(b.runningOn ? { runningOn: b.runningOn } : {}) } } : {}),
  };
}

function text(l: WatchLiveLine): string {
  const where = (r: string | undefined) => (r ? `on ${r}` : 'not running');
  const subject = `${l.time}  ${l.node} (${l.kind})`;
  switch (l.change) {
    case 'initial':
      return `${subject}: ${l.state}${l.kind === 'cluster' ? '' : `, connection ${where(l.runningOn)}`}`;
    case 'added':
      return `${subject}: added, ${l.state}${l.kind === 'cluster' ? '' : `, connection ${where(l.runningOn)}`}`;
    case 'removed':
      return `${subject}: removed`;
    case 'placement':
      return `${subject}: connection ${where(l.before?.runningOn)} -> ${where(l.runningOn)}`;
    case 'state':
      return `${subject}: ${l.before?.state} -> ${l.state}`;
  }
}

/** Runs `watch --live` until SIGINT/SIGTERM, `io.signal` or `--duration`. */
export async function runWatchLive(o: WatchLiveOptions, io: CliIo): Promise<number> {
  const durationMs = o.duration !== undefined ? parseCliDuration(o.duration, '--duration') : undefined;
  let live: LiveCib;
  try {
    live = await LiveCib.open();
  } catch (err) {
    if (!isCibModelError(err)) throw err;
    io.stderr.write(`pcmk-remote watch --live: ${err.message} [${err.code}]\n`);
    return ExitCode.USAGE_OR_UNREACHABLE;
  }
  const print = (l: WatchLiveLine) => io.stdout.write(o.json ? `${JSON.stringify(l)}\n` : `${text(l)}\n`);
  let views = nodeViews(live.current.cib);
  for (const v of views.values()) {
    if (changesFor([{ node: v.name, kind: v.kind, change: 'added', after: v }], o.onlyRunningOn).length) {
      print(line({ node: v.name, kind: v.kind, change: 'initial', after: v }));
    }
  }
  live.on('change', (snap) => {
    const next = nodeViews(snap.cib);
    for (const c of changesFor(diffNodeViews(views, next), o.onlyRunningOn)) print(line(c));
    views = next;
  });
  live.on('error', (err) => io.stderr.write(`pcmk-remote watch --live: ${err.message}\n`));
  await stopWhen(io, durationMs).stopped;
  await live.close();
  return ExitCode.OK;
}
