/**
 * `remoteNodes()` against Pacemaker 2.1.5's own tools on the 108 real CIBs of ../shared/cts-scheduler:
 *
 * - `crm_mon -1 --output-as=xml` (with `CIB_file=FILE`) lists every node Pacemaker builds; a
 *   `type="remote"` node with `id_as_resource` is a guest (the attribute names its container). Our node
 *   names, kinds and containers must be exactly these.
 *   Each connection resource's `<resource>` lists the nodes it is active on: `runningOn` must be one of
 *   them, and unset when there are none.
 * - `crm_simulate -x FILE -G GRAPH` writes the transition Pacemaker would execute. Every action on a
 *   remote connection resource carries the parameters the controller connects with (`server`/`addr`,
 *   `port`, `reconnect_interval`, `CRM_meta_container`), and a `start` carries `CRM_meta_timeout`, the
 *   connect budget. Each must match our spec of that connection.
 *
 * Cases out of scope are listed below with the reason, and counted in the final report; anything else
 * that differs fails. Fails (never skips) when the tools are missing.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseCib, parseXml, tryParseDuration, type RemoteNodeSpec, type XmlElement } from '../../src/index.js';
import { elements, findAll } from '../../src/internal.js';

const run = promisify(execFile);
const CTS = resolve(import.meta.dirname, '../../../../../shared/cts-scheduler');

/** A `#uname` bundle host is only known once the scheduler places the container; we report the container's
 * current node, Pacemaker's graph its next one. Compared only when the container stays where it is. */
const HOST_FROM_PLACEMENT = '#uname';

interface FileResult {
  file: string;
  readBy215: boolean;
  nodesCompared: number;
  runningOnCompared: number;
  actionsCompared: number;
  startsCompared: number;
  /** Remote node entries with no connection resource: Pacemaker lists them, remoteNodes() does not. */
  staleEntries: string[];
  /** Bundle hosts not compared because the container is placed by this very transition. */
  placementHosts: string[];
  mismatches: string[];
}

function atoi(text: string | undefined): number {
  const m = /^\s*([+-]?\d+)/.exec(text ?? '');
  return m ? Number(m[1]) : 0;
}

async function checkFile(file: string, dir: string): Promise<FileResult> {
  const path = join(CTS, file);
  const res: FileResult = { file, readBy215: true, nodesCompared: 0, runningOnCompared: 0, actionsCompared: 0, startsCompared: 0, staleEntries: [], placementHosts: [], mismatches: [] };
  let monXml: string;
  try {
    monXml = (await run('crm_mon', ['-1', '--output-as=xml'], { env: { ...process.env, CIB_file: path }, timeout: 60_000, maxBuffer: 64 << 20 })).stdout;
  } catch (err) {
    // crm_mon exits non-zero on the files 2.1.5 cannot read (newer schema / features).
    const out = String((err as { stdout?: string }).stdout ?? '');
    if (!out.includes('<nodes>')) { res.readBy215 = false; return res; }
    monXml = out;
  }
  const cib = parseCib(readFileSync(path, 'utf8'));
  const ours = cib.remoteNodes();
  const byName = new Map(ours.map((n) => [n.name, n]));
  const mon = parseXml(monXml);
  const monNodes = findAll(mon, (e) => e.name === 'node' && e.attrs['type'] === 'remote');
  const resourceIds = new Set(findAll(cib.document, (e) => ['primitive', 'group', 'clone', 'master', 'bundle'].includes(e.name)).map((e) => e.attrs['id']));
  const remoteEntries = new Set(findAll(cib.document, (e) => e.name === 'node' && e.attrs['type'] === 'remote').map((e) => e.attrs['uname'] ?? e.attrs['id']));
  const seen = new Set<string>();
  for (const n of monNodes) {
    const name = n.attrs['name'] as string;
    const spec = byName.get(name);
    const container = n.attrs['id_as_resource'];
    if (spec === undefined) {
      if (container === undefined && !resourceIds.has(name) && remoteEntries.has(name)) res.staleEntries.push(name);
      else res.mismatches.push(`${name}: Pacemaker has this node, remoteNodes() does not`);
      continue;
    }
    seen.add(name);
    res.nodesCompared++;
    const kind = container === undefined ? 'remote' : 'guest';
    if (spec.kind !== kind) res.mismatches.push(`${name}: kind ${spec.kind}, Pacemaker ${kind}`);
    if (spec.orphaned === true && n.attrs['shutdown'] !== 'true') res.mismatches.push(`${name}: orphaned, but Pacemaker does not shut it down`);
    if (container !== undefined && spec.containerResource !== container) {
      res.mismatches.push(`${name}: container ${spec.containerResource}, Pacemaker ${container}`);
    }
  }
  for (const n of ours) if (!seen.has(n.name)) res.mismatches.push(`${n.name}: remoteNodes() has this node, Pacemaker does not`);
  // runningOn: crm_mon's <resource id=CONNECTION resource_agent="ocf:pacemaker:remote"><node name=.../></resource>.
  const monResources = findAll(mon, (e) => e.name === 'resource' && e.attrs['resource_agent'] === 'ocf:pacemaker:remote');
  const activeOn = new Map(monResources.map((r) => [r.attrs['id'] as string, elements(r, 'node').map((x) => x.attrs['name'] as string)]));
  for (const n of ours) {
    const where = activeOn.get(n.connectionResource);
    if (where === undefined) { res.mismatches.push(`${n.name}: crm_mon does not list connection ${n.connectionResource}`); continue; }
    res.runningOnCompared++;
    if (n.runningOn === undefined ? where.length > 0 : !where.includes(n.runningOn)) {
      res.mismatches.push(`${n.name}: runningOn ${n.runningOn ?? '-'}, crm_mon ${where.join(',') || '-'}`);
    }
  }

  const graphFile = join(dir, `${file}.graph`);
  await run('crm_simulate', ['-x', path, '-G', graphFile], { timeout: 60_000, maxBuffer: 64 << 20 });
  const graph = parseXml(readFileSync(graphFile, 'utf8'));
  for (const op of findAll(graph, (e) => e.name === 'rsc_op')) {
    const prim = elements(op, 'primitive')[0];
    const attrs = elements(op, 'attributes')[0]?.attrs ?? {};
    if (prim === undefined || prim.attrs['type'] !== 'remote' || prim.attrs['provider'] !== 'pacemaker') continue;
    const id = prim.attrs['id'] as string;
    const spec: RemoteNodeSpec | undefined = ours.find((n) => n.connectionResource === id);
    const task = op.attrs['operation'];
    if (spec === undefined) { res.mismatches.push(`${id}: graph acts on connection ${id} (${task}), unknown to remoteNodes()`); continue; }
    res.actionsCompared++;
    const host = attrs['server'] ?? attrs['addr'] ?? id;
    if (spec.host === HOST_FROM_PLACEMENT) res.placementHosts.push(`${id} (${task} on ${attrs['CRM_meta_on_node']}: ${host})`);
    else if (spec.host !== host) {
      // A #uname bundle connection whose container moves in this transition.
      const containerMoves = spec.bundle !== undefined && attrs['addr'] !== undefined && spec.host !== attrs['addr']
        && graphMovesContainer(graph, spec.containerResource as string);
      if (containerMoves) res.placementHosts.push(`${id} (${task}: ${spec.host} -> ${host})`);
      else res.mismatches.push(`${id} ${task}: host ${spec.host}, Pacemaker ${host}`);
    }
    const port = atoi(attrs['port']) || 3121;
    if (spec.port !== port) res.mismatches.push(`${id} ${task}: port ${spec.port}, Pacemaker ${attrs['port']}`);
    const container = attrs['CRM_meta_container'];
    if ((container !== undefined) !== (spec.kind === 'guest')) res.mismatches.push(`${id}: kind ${spec.kind}, graph container ${container}`);
    if (attrs['reconnect_interval'] !== undefined && spec.kind === 'remote') {
      const ms = tryParseDuration(attrs['reconnect_interval']) ?? 0;
      if (ms !== spec.reconnectIntervalMs) res.mismatches.push(`${id}: reconnect ${spec.reconnectIntervalMs}, Pacemaker ${attrs['reconnect_interval']}`);
    }
    if (task === 'start') {
      res.startsCompared++;
      const t = Number(attrs['CRM_meta_timeout']);
      if (spec.connectTimeoutMs !== t) res.mismatches.push(`${id} start: timeout ${spec.connectTimeoutMs}, Pacemaker ${t}`);
    }
  }
  return res;
}

function graphMovesContainer(graph: XmlElement, containerId: string): boolean {
  return findAll(graph, (e) => e.name === 'rsc_op' && ['start', 'migrate_from', 'stop'].includes(e.attrs['operation'] ?? '')
    && elements(e, 'primitive')[0]?.attrs['id'] === containerId).length > 0;
}

describe('cib-model remoteNodes() vs crm_mon / crm_simulate on ../shared/cts-scheduler', function () {
  this.timeout(600_000);
  let dir: string;
  const results: FileResult[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cib-oracle-'));
    const files = readdirSync(CTS).filter((f) => f.endsWith('.xml')).sort();
    expect(files.length, 'cts-scheduler files').to.equal(108);
    // Two at a time: the machine has two cores and other suites run too.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < files.length) {
        const f = files[next++] as string;
        results.push(await checkFile(f, dir));
      }
    };
    await Promise.all([worker(), worker()]);
    results.sort((a, b) => a.file.localeCompare(b.file));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the tools are Pacemaker 2.1.5 and read every file (crm_simulate -S aborts on 8, -G does not)', async () => {
    const { stdout } = await run('crm_mon', ['--version'], { timeout: 30_000 });
    expect(stdout).to.match(/Pacemaker 2\.1\.5/);
    expect(results.filter((r) => r.readBy215).length).to.equal(108);
  });

  it('every node name, kind and container matches crm_mon; every connection action matches crm_simulate\'s graph', () => {
    const read = results.filter((r) => r.readBy215);
    const mismatches = read.flatMap((r) => r.mismatches.map((m) => `${r.file}: ${m}`));
    const nodes = read.reduce((s, r) => s + r.nodesCompared, 0);
    const running = read.reduce((s, r) => s + r.runningOnCompared, 0);
    const actions = read.reduce((s, r) => s + r.actionsCompared, 0);
    const starts = read.reduce((s, r) => s + r.startsCompared, 0);
    const stale = read.flatMap((r) => r.staleEntries.map((n) => `${r.file}: ${n}`));
    const placement = read.flatMap((r) => r.placementHosts.map((n) => `${r.file}: ${n}`));
    // The counts stay visible in the test output.
    process.stdout.write(`      files read by 2.1.5: ${read.length}/108; remote/guest/bundle nodes compared: ${nodes} (runningOn: ${running}); `
      + `connection actions compared: ${actions} (starts with timeout: ${starts})\n`
      + `      out of scope: ${stale.length} node entries without a connection resource (not connectable; remoteNodes() lists connectable nodes): ${stale.join(', ') || '-'}\n`
      + `      out of scope: ${placement.length} '#uname' bundle hosts decided by this transition's placement: ${placement.slice(0, 6).join('; ')}${placement.length > 6 ? '; ...' : ''}\n`);
    expect(nodes).to.be.greaterThan(150);
    expect(starts).to.be.greaterThan(30);
    expect(mismatches).to.deep.equal([]);
  });
});
