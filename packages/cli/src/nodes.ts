/**
 * `pcmk-remote nodes --cib FILE|-`: the remote and guest nodes of a CIB with their connection parameters
 * and their states as `crm_mon` derives them. Reads only the CIB: never connects to anything.
 *
 * Exit codes: 0 the CIB was read (validation findings are printed on stderr but do not change the code);
 * 2 usage error, unreadable file, or a CIB that does not parse (the `CibModelError` code is printed).
 */
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { isCibModelError, parseCib, type Cib, type Diagnostic, type NodeState, type RemoteNodeSpec } from '@pcmk-remote/cib-model';
import { renderTable } from './format.js';
import { ExitCode, type CliIo } from './io.js';

/** Options of `nodes`. */
export interface NodesCliOptions {
  cib?: string;
  json?: boolean;
}

/** One row of `nodes`: a remote/guest node, its connection parameters and its state. */
export interface NodeRow extends RemoteNodeSpec {
  /** The node's state from `nodeStates()` (absent when the status section does not mention it). */
  state?: Omit<NodeState, 'name' | 'kind'>;
}

/** Reads all of a stream as UTF-8. */
export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a CIB from a file, or from stdin for `-`. */
export async function readCibText(source: string, io: Pick<CliIo, 'stdin'>): Promise<string> {
  return source === '-' ? readAll(io.stdin) : readFile(source, 'utf8');
}

/** Joins `remoteNodes()` with `nodeStates()`. */
export function nodeRows(cib: Cib): NodeRow[] {
  const states = new Map(cib.nodeStates().map((s) => [s.name, s]));
  return cib.remoteNodes().map((n) => {
    const s = states.get(n.name);
    if (!s) return { ...n };
    const { name: _n, kind: _k, ...state } = s;
    return { ...n, state };
  });
}

/** A one-word state, as crm_mon would summarise it. */
export function stateWord(s: NodeRow['state']): string {
  if (!s) return 'unknown';
  if (s.unclean) return s.online ? 'UNCLEAN (online)' : 'UNCLEAN (offline)';
  if (s.pending) return 'pending';
  const base = s.online ? 'online' : 'offline';
  const flags = [s.standby ? 'standby' : '', s.maintenance ? 'maintenance' : ''].filter(Boolean);
  return flags.length ? `${base} (${flags.join(', ')})` : base;
}

const secs = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** Renders the rows as a table. */
export function renderNodes(rows: NodeRow[]): string {
  if (rows.length === 0) return 'no remote or guest nodes in this CIB\n';
  const table = rows.map((r) => ({
    node: r.name,
    kind: r.kind,
    address: `${r.host}:${r.port}`,
    state: stateWord(r.state),
    'running on': r.runningOn,
    reconnect: r.reconnectIntervalMs ? secs(r.reconnectIntervalMs) : undefined,
    'connect timeout': secs(r.connectTimeoutMs),
    connection: r.connectionResource,
    container: r.containerResource ?? r.bundle,
  }));
  return `${renderTable(table, ['node', 'kind', 'address', 'state', 'running on', 'reconnect', 'connect timeout', 'connection', 'container'])}\n`;
}

function renderDiagnostics(diags: Diagnostic[]): string {
  return diags.map((d) => `${d.severity}: ${d.code}: ${d.message}${d.ids.length ? ` [${d.ids.join(', ')}]` : ''}\n`).join('');
}

/** Runs `nodes`; resolves with the exit code. */
export async function runNodes(o: NodesCliOptions, io: CliIo): Promise<number> {
  if (!o.cib) {
    io.stderr.write('pcmk-remote nodes: give --cib FILE (or --cib - to read standard input, e.g. cibadmin --query | pcmk-remote nodes --cib -)\n');
    return ExitCode.USAGE_OR_UNREACHABLE;
  }
  let text: string;
  try {
    text = await readCibText(o.cib, io);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    io.stderr.write(`pcmk-remote nodes: cannot read ${o.cib}: ${e.code ?? e.message}\n`);
    return ExitCode.USAGE_OR_UNREACHABLE;
  }
  let cib: Cib;
  let rows: NodeRow[];
  try {
    cib = parseCib(text);
    rows = nodeRows(cib);
  } catch (err) {
    if (isCibModelError(err)) {
      io.stderr.write(`pcmk-remote nodes: ${o.cib === '-' ? 'standard input' : o.cib}: ${err.message} [${err.code}]\n`);
      return ExitCode.USAGE_OR_UNREACHABLE;
    }
    throw err;
  }
  // Validation is a separate concern: the node list stands even if a validation rule cannot run.
  let diagnostics: Diagnostic[] = [];
  let validationError: string | undefined;
  try {
    diagnostics = cib.validate();
  } catch (err) {
    validationError = (err as Error)?.message ?? String(err);
  }
  if (o.json) io.stdout.write(`${JSON.stringify({ nodes: rows, diagnostics, ...(validationError ? { validationError } : {}) })}\n`);
  else io.stdout.write(renderNodes(rows));
  if (diagnostics.length > 0) io.stderr.write(renderDiagnostics(diagnostics));
  if (validationError) io.stderr.write(`pcmk-remote nodes: warning: validation could not run (a cib-model bug): ${validationError}\n`);
  return ExitCode.OK;
}
