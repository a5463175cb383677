/**
 * `nodeStates()` and `remoteNodes()` against Pacemaker 2.1.5's own tools on the 108 real CIBs of
 * `../shared/cts-scheduler/` (Pacemaker's scheduler regression inputs with remote, guest and bundle nodes).
 *
 * For every file, run (at most 4 at a time, each with a generous timeout):
 * - `CIB_file=FILE crm_mon --output-as=xml -1 --inactive`: the oracle for each node's state. Its `<node>`
 *   elements carry `online`, `unclean`, `standby`, `maintenance`, `pending` and `type` (`member`, or
 *   `remote`, plus `id_as_resource` = the container for a guest node), exactly the fields of `NodeState`.
 * - `crm_simulate -x FILE -S`: the oracle the issue names. Its "Current cluster status" node list
 *   ("Online: [ ... ]", "RemoteOFFLINE: [ ... ]", "GuestNode X: maintenance", "Node X: UNCLEAN (offline)", ...)
 *   is rendered from the same fields; we render our states the way `pe_output.c` does and compare lines.
 *
 * Nothing of the tools' output is an input of our derivation: `parseCib(file)` sees only the CIB.
 *
 * A second suite runs crm_mon on 33 small hand-written CIBs, one per rule the unit tests pin down
 * (membership states, startup fencing, shutdown/terminate, quorum suicide, on-fail, remote connection
 * failures, unmanaged connections, stale and orphaned remote nodes, guests, bundles), and requires the
 * same states, so the unit tests' expectations are Pacemaker's.
 *
 * `remoteNodes()` lists the nodes that have a connection resource, configured or orphaned (known only
 * from the status section, `orphaned: true`). So from crm_mon's remote/guest nodes we expect every guest
 * node (a guest always has a connection with a container) and every remote node for which crm_mon lists
 * an `ocf:pacemaker:remote` resource of its name; crm_mon also lists stale `<node type="remote">` entries
 * without any connection resource, which are in `nodeStates()` but not in `remoteNodes()`.
 *
 * Fails (never skips) without `crm_mon`/`crm_simulate` (Debian's pacemaker-cli-utils).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCib, parseXml, type NodeState, type XmlElement } from '../../src/index.js';
import { elements, findAll, firstElement } from '../../src/internal.js';
import { cibXml, clusterNodes, clusterState, DUMMY, lrm, REMOTE_AGENT, remotePrimitive, remoteState } from '../status-helpers.js';

const DIR = resolve(import.meta.dirname, '../../../../../shared/cts-scheduler');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.xml')).sort();
const CONCURRENCY = 4;
const TOOL_TIMEOUT_MS = 120_000;

/**
 * Files on which `crm_simulate -S` 2.1.5 aborts (assertion `rc == pcmk_ok` in simulate_resource_action,
 * pcmk_simulate.c:636) while executing the simulated transition: these inputs come from newer Pacemaker
 * versions whose transitions 2.1.5 cannot simulate. It prints the "Current cluster status" section
 * before aborting, so the node list is still compared; crm_mon reads these files normally. The test
 * fails if the set of aborting files changes.
 */
const SIMULATION_ABORTS: ReadonlyMap<string, string> = new Map([
  ['bundle-promoted-anticolocation-1.xml', 'abort in simulate_resource_action after the status section'],
  ['bundle-promoted-colocation-1.xml', 'abort in simulate_resource_action after the status section'],
  ['bundle-promoted-location-2.xml', 'abort in simulate_resource_action after the status section'],
  ['bundle-promoted-location-6.xml', 'abort in simulate_resource_action after the status section'],
  ['clone-recover-no-shuffle-12.xml', 'abort in simulate_resource_action after the status section'],
  ['clone-recover-no-shuffle-3.xml', 'abort in simulate_resource_action after the status section'],
  ['clone-recover-no-shuffle-6.xml', 'abort in simulate_resource_action after the status section'],
  ['clone-recover-no-shuffle-9.xml', 'abort in simulate_resource_action after the status section'],
]);

/**
 * Files 2.1.5 cannot read at all (neither tool produces a node list): none of the 108 today. Listed here
 * with the reason if one ever is; the test fails if a file outside this table cannot be read.
 */
const UNREADABLE: ReadonlyMap<string, string> = new Map();

/**
 * Known differences: `file/node/field` -> why Pacemaker's behaviour there is out of scope. Empty: every
 * node of every file matches. A listed difference that no longer occurs fails the test (stale entry).
 */
const KNOWN_DIFFERENCES: ReadonlyMap<string, string> = new Map();

interface ToolRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  error?: string;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<ToolRun> {
  return new Promise((resolvePromise) => {
    execFile(cmd, args, { env, timeout: TOOL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; signal?: string }) | null;
      const out: ToolRun = {
        code: e === null ? 0 : typeof e.code === 'number' ? e.code : null,
        signal: e?.signal ?? null,
        stdout: String(stdout),
        stderr: String(stderr),
      };
      if (e !== null && typeof e.code === 'string') out.error = `${e.code}: ${e.message}`;
      resolvePromise(out);
    });
  });
}

async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

interface FileRuns {
  file: string;
  mon: ToolRun;
  sim: ToolRun;
}

/** One node as crm_mon reports it, in NodeState terms. */
interface MonNode extends NodeState {
  idAsResource: string | undefined;
}

function monNodes(doc: XmlElement): MonNode[] {
  const nodes = firstElement(doc, 'nodes');
  if (nodes === undefined) throw new Error('crm_mon output has no <nodes>');
  return elements(nodes, 'node').map((n) => {
    const a = n.attrs;
    const type = a['type'];
    const kind: NodeState['kind'] = type === 'member' ? 'cluster' : a['id_as_resource'] !== undefined ? 'guest' : 'remote';
    if (type !== 'member' && type !== 'remote') throw new Error(`crm_mon node ${a['name']} has type ${type}`);
    return {
      name: a['name'] as string,
      kind,
      online: a['online'] === 'true',
      unclean: a['unclean'] === 'true',
      standby: a['standby'] === 'true',
      maintenance: a['maintenance'] === 'true',
      pending: a['pending'] === 'true',
      idAsResource: a['id_as_resource'],
    };
  });
}

/** The node lines of crm_simulate's "Current cluster status" section, normalised (list items one per node). */
function simulateNodeLines(stdout: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.trim() === '* Node List:');
  if (start < 0 || !lines.slice(0, start).some((l) => l.startsWith('Current cluster status:'))) {
    throw new Error('no "Current cluster status" node list in crm_simulate output');
  }
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    const t = l.trim();
    if (!t.startsWith('* ')) break;
    const item = t.slice(2);
    const list = /^(Online|OFFLINE|RemoteOnline|RemoteOFFLINE|GuestOnline): \[ (.*) \]$/.exec(item);
    if (list !== null) for (const name of (list[2] as string).split(' ')) out.push(`${list[1]}: ${name}`);
    else out.push(item);
  }
  return out.sort();
}

/** What crm_simulate prints for our states (`node_list_text` + `node_text_status` of pe_output.c). */
function renderNodeLines(states: readonly NodeState[]): { exact: string[]; standbyOnline: string[] } {
  const exact: string[] = [];
  const standbyOnline: string[] = [];
  for (const n of states) {
    const label = n.kind === 'guest' ? 'GuestNode' : n.kind === 'remote' ? 'RemoteNode' : 'Node';
    if (n.unclean || n.pending || n.standby || n.maintenance) {
      let text: string;
      if (n.unclean) text = n.online ? 'UNCLEAN (online)' : n.pending ? 'UNCLEAN (pending)' : 'UNCLEAN (offline)';
      else if (n.pending) text = 'pending';
      else if (n.standby && n.online) {
        // "standby", "standby (with active resources)" or "standby (on-fail)": decided by running
        // resources and on-fail, which NodeState does not carry.
        standbyOnline.push(`${label} ${n.name}`);
        continue;
      } else if (n.standby) text = 'OFFLINE (standby)';
      else text = n.online ? 'maintenance' : 'OFFLINE (maintenance)';
      exact.push(`${label} ${n.name}: ${text}`);
    } else if (n.online) {
      exact.push(`${n.kind === 'guest' ? 'GuestOnline' : n.kind === 'remote' ? 'RemoteOnline' : 'Online'}: ${n.name}`);
    } else if (n.kind !== 'guest') {
      exact.push(`${n.kind === 'remote' ? 'RemoteOFFLINE' : 'OFFLINE'}: ${n.name}`);
    }
  }
  return { exact: exact.sort(), standbyOnline };
}

/** Remote/guest nodes of crm_mon that have a connection resource (see the file comment). */
function expectedRemoteNodes(doc: XmlElement, nodes: readonly MonNode[]): Map<string, 'remote' | 'guest'> {
  const resourcesSection = firstElement(doc, 'resources');
  const listed = resourcesSection === undefined ? [] : findAll(resourcesSection, (e) => e.name === 'resource');
  const out = new Map<string, 'remote' | 'guest'>();
  for (const n of nodes) {
    if (n.kind === 'guest') out.set(n.name, 'guest');
    else if (n.kind === 'remote' && listed.some((r) => r.attrs['id'] === n.name && r.attrs['resource_agent'] === 'ocf:pacemaker:remote')) {
      out.set(n.name, 'remote');
    }
  }
  return out;
}

const FIELDS = ['kind', 'online', 'unclean', 'standby', 'maintenance', 'pending'] as const;

describe(`cts-scheduler oracle: nodeStates()/remoteNodes() vs crm_mon + crm_simulate 2.1.5 on ${FILES.length} CIBs `
  + `(${UNREADABLE.size} unreadable, ${SIMULATION_ABORTS.size} simulation aborts, ${KNOWN_DIFFERENCES.size} known differences)`, function () {
  this.timeout(15 * 60_000);
  const runs = new Map<string, FileRuns>();
  const seenDifferences = new Set<string>();
  const totals = { files: 0, nodes: 0, nodesMatched: 0, simLines: 0, remoteSpecs: 0 };

  before(async function () {
    this.timeout(20 * 60_000);
    const results = await pool(FILES, CONCURRENCY, async (file): Promise<FileRuns> => {
      const path = join(DIR, file);
      const mon = await run('crm_mon', ['--output-as=xml', '-1', '--inactive'], { ...process.env, CIB_file: path });
      const sim = await run('crm_simulate', ['-x', path, '-S'], { ...process.env });
      return { file, mon, sim };
    });
    for (const r of results) runs.set(r.file, r);
  });

  after(function () {
    // eslint-disable-next-line no-console -- test summary
    console.log(`      cts-scheduler oracle: ${totals.files}/${FILES.length} files fully matched, `
      + `${totals.nodesMatched}/${totals.nodes} nodes matched crm_mon, ${totals.simLines} crm_simulate node lines matched, `
      + `${totals.remoteSpecs} remoteNodes() entries matched; skipped (unreadable): ${UNREADABLE.size}, `
      + `simulation aborts: ${SIMULATION_ABORTS.size}, known differences: ${KNOWN_DIFFERENCES.size}`);
  });

  it('the tools are installed and 2.1.5 reads every file not listed as unreadable', function () {
    const missing = [...runs.values()].filter((r) => r.mon.error !== undefined || r.sim.error !== undefined);
    expect(missing.map((r) => `${r.file}: ${r.mon.error ?? r.sim.error}`), 'crm_mon/crm_simulate could not be run').to.deep.equal([]);
    const monFailed = [...runs.values()].filter((r) => r.mon.code !== 0).map((r) => r.file);
    expect(monFailed, 'files crm_mon could not read').to.deep.equal([...UNREADABLE.keys()]);
    const aborted = [...runs.values()].filter((r) => r.sim.code !== 0 && !UNREADABLE.has(r.file)).map((r) => r.file).sort();
    expect(aborted, 'files on which crm_simulate -S fails (SIMULATION_ABORTS)').to.deep.equal([...SIMULATION_ABORTS.keys()].sort());
    for (const f of aborted) expect(runs.get(f)?.sim.stderr, f).to.match(/simulate_resource_action/);
  });

  for (const file of FILES) {
    if (UNREADABLE.has(file)) continue;
    it(file, function () {
      const r = runs.get(file);
      if (r === undefined) throw new Error('no tool run');
      expect(r.mon.code, `crm_mon exit code; stderr: ${r.mon.stderr}`).to.equal(0);
      const monDoc = parseXml(r.mon.stdout);
      const expected = monNodes(monDoc);
      const cib = parseCib(readFileSync(join(DIR, file), 'utf8'));
      const ours = cib.nodeStates();
      const oursByName = new Map(ours.map((n) => [n.name, n]));
      const problems: string[] = [];
      const note = (key: string, text: string): void => {
        if (KNOWN_DIFFERENCES.has(key)) seenDifferences.add(key);
        else problems.push(text);
      };

      let matched = 0;
      for (const want of expected) {
        const got = oursByName.get(want.name);
        oursByName.delete(want.name);
        if (got === undefined) { note(`${file}/${want.name}/missing`, `${want.name}: missing from nodeStates()`); continue; }
        let ok = true;
        for (const f of FIELDS) {
          if (got[f] !== want[f]) {
            ok = false;
            note(`${file}/${want.name}/${f}`, `${want.name}: ${f} is ${String(got[f])}, crm_mon says ${String(want[f])}`);
          }
        }
        if (ok) matched++;
      }
      for (const extra of oursByName.keys()) note(`${file}/${extra}/extra`, `${extra}: in nodeStates() but not in crm_mon`);

      // crm_simulate's node list, against our states rendered the same way.
      const simLines = simulateNodeLines(r.sim.stdout);
      const rendered = renderNodeLines(ours);
      const remaining = [...simLines];
      for (const line of rendered.exact) {
        const i = remaining.indexOf(line);
        if (i >= 0) remaining.splice(i, 1);
        else note(`${file}/${line}/simulate`, `crm_simulate does not print "${line}"`);
      }
      for (const prefix of rendered.standbyOnline) {
        const i = remaining.findIndex((l) => /^.+: standby( \((with active resources|on-fail)\))?$/.test(l) && l.startsWith(`${prefix}: `));
        if (i >= 0) remaining.splice(i, 1);
        else note(`${file}/${prefix}/simulate`, `crm_simulate does not print "${prefix}: standby..."`);
      }
      for (const line of remaining) note(`${file}/${line}/simulate-extra`, `crm_simulate prints "${line}", we do not`);

      // remoteNodes(): names and kinds of the nodes that have a connection resource.
      const wantSpecs = expectedRemoteNodes(monDoc, expected);
      const gotSpecs = new Map(cib.remoteNodes().map((s) => [s.name, s.kind]));
      let specsMatched = 0;
      for (const [name, kind] of wantSpecs) {
        if (gotSpecs.get(name) === kind) specsMatched++;
        else note(`${file}/${name}/remoteNodes`, `remoteNodes(): ${name} is ${gotSpecs.get(name) ?? 'missing'}, expected ${kind}`);
        gotSpecs.delete(name);
      }
      for (const [name, kind] of gotSpecs) note(`${file}/${name}/remoteNodes-extra`, `remoteNodes(): extra ${kind} ${name}`);

      totals.nodes += expected.length;
      totals.nodesMatched += matched;
      totals.simLines += simLines.length - remaining.length;
      totals.remoteSpecs += specsMatched;
      expect(problems, file).to.deep.equal([]);
      totals.files++;
    });
  }

  it('every known difference still occurs', function () {
    expect([...KNOWN_DIFFERENCES.keys()].filter((k) => !seenDifferences.has(k)), 'stale KNOWN_DIFFERENCES entries').to.deep.equal([]);
  });
});

/**
 * Hand-written CIBs for the rules the unit tests (test/status-node-states.test.ts) pin down, checked here
 * against crm_mon too, so the unit tests' expectations are Pacemaker's and not ours.
 */
function edgeCases(): [string, string][] {
  const lost = 'in_ccm="false" crmd="offline" join="down" expected="member"';
  const started = (id: string, agent?: string): string => lrm(id, [{ task: 'start', callId: 1 }], agent);
  const connUp = started('r1', REMOTE_AGENT);
  const vm = (meta = ''): string => '<primitive id="vm1" class="ocf" provider="heartbeat" type="VirtualDomain">'
    + `<meta_attributes id="vm1-m"><nvpair id="vm1-rn" name="remote-node" value="g1"/>${meta}</meta_attributes></primitive>`;
  const standbyAttr = '<instance_attributes id="n1-a"><nvpair id="n1-s" name="standby" value="on"/></instance_attributes>';
  const failedStop = lrm('d1', [{ task: 'start', callId: 1 }, { task: 'stop', callId: 2, rc: 1, status: 4 }]);
  const standbyOp = '<primitive id="d1" class="ocf" provider="heartbeat" type="Dummy"><operations>'
    + '<op id="d1-mon" name="monitor" interval="10s" on-fail="standby"/></operations></primitive>';
  const monFail = (id: string, agent?: string): string =>
    lrm(id, [{ task: 'start', callId: 1 }, { task: 'monitor', callId: 2, interval: 10000, rc: 1, status: 4 }], agent);
  const unmanaged = remotePrimitive('r1', '<meta_attributes id="r1-m"><nvpair id="r1-m-im" name="is-managed" value="false"/></meta_attributes>');
  const bundle = '<bundle id="b"><docker image="x" replicas="2"/><network control-port="3121"/>'
    + '<primitive id="app" class="ocf" provider="heartbeat" type="Dummy"/></bundle>';
  return [
    ['member online', cibXml({ nodes: clusterNodes(1), status: clusterState('1', 'n1') })],
    ['no node_state, startup fencing', cibXml({ nodes: clusterNodes(2), status: clusterState('1', 'n1') })],
    ['no node_state, startup-fencing=false', cibXml({ props: { 'startup-fencing': 'false' }, nodes: clusterNodes(2), status: clusterState('1', 'n1') })],
    ['lost member', cibXml({ nodes: clusterNodes(2), status: clusterState('1', 'n1') + clusterState('2', 'n2', lost) })],
    ['expected down', cibXml({ nodes: clusterNodes(2), status: clusterState('1', 'n1') + clusterState('2', 'n2', 'in_ccm="false" crmd="offline" join="down" expected="down"') })],
    ['join pending', cibXml({ nodes: clusterNodes(2), status: clusterState('1', 'n1') + clusterState('2', 'n2', 'in_ccm="true" crmd="online" join="pending" expected="member"') })],
    ['expected missing', cibXml({ nodes: clusterNodes(2), status: clusterState('1', 'n1') + clusterState('2', 'n2', 'in_ccm="true" crmd="online" join="member"') })],
    ['controller gone', cibXml({ nodes: clusterNodes(2), status: clusterState('1', 'n1') + clusterState('2', 'n2', 'in_ccm="true" crmd="offline" join="member" expected="member"') })],
    ['join banned', cibXml({ nodes: clusterNodes(2), status: clusterState('1', 'n1') + clusterState('2', 'n2', 'in_ccm="true" crmd="online" join="banned" expected="member"') })],
    ['no fencing, lost peer', cibXml({ props: { 'stonith-enabled': 'false' }, nodes: clusterNodes(3), status: clusterState('1', 'n1')
      + clusterState('2', 'n2', 'in_ccm="true" crmd="offline" join="member" expected="member"') + clusterState('3', 'n3', 'in_ccm="true" crmd="online" join="pending" expected="member"') })],
    ['shutdown requested', cibXml({ nodes: clusterNodes(2), status: clusterState('1', 'n1') + clusterState('2', 'n2', 'in_ccm="false" crmd="online" join="member" expected="member"', '', { shutdown: '1234' }) })],
    ['terminate', cibXml({ nodes: clusterNodes(3), status: clusterState('1', 'n1') + clusterState('2', 'n2', undefined, '', { terminate: 'true' })
      + clusterState('3', 'n3', 'in_ccm="false" crmd="offline" join="down" expected="member"', '', { terminate: '1' }) })],
    ['standby and maintenance attributes', cibXml({ nodes: clusterNodes(3, { 1: standbyAttr, 3: standbyAttr.replace(/n1-/g, 'n3-') }),
      status: clusterState('1', 'n1') + clusterState('2', 'n2', undefined, '', { maintenance: 'true' }) })],
    ['suicide without quorum', cibXml({ props: { 'no-quorum-policy': 'suicide' }, cibAttrs: 'no-quorum-panic="1"', nodes: clusterNodes(1), status: clusterState('1', 'n1') })
      .replace('have-quorum="1"', 'have-quorum="0"')],
    ['failed stop', cibXml({ nodes: clusterNodes(2), resources: DUMMY, status: clusterState('1', 'n1', undefined, failedStop) + clusterState('2', 'n2') })],
    ['failed stop without fencing', cibXml({ props: { 'stonith-enabled': 'false' }, nodes: clusterNodes(1), resources: DUMMY, status: clusterState('1', 'n1', undefined, failedStop) })],
    ['on-fail standby', cibXml({ nodes: clusterNodes(1), resources: standbyOp, status: clusterState('1', 'n1', undefined, monFail('d1')) })],
    ['active on offline node', cibXml({ nodes: clusterNodes(2), resources: DUMMY, status: clusterState('1', 'n1') + clusterState('2', 'n2', 'in_ccm="false" crmd="offline" join="down" expected="down"', started('d1')) })],
    ['remote up', cibXml({ nodes: clusterNodes(1), resources: remotePrimitive('r1'), status: clusterState('1', 'n1', undefined, connUp) + remoteState('r1') })],
    ['remote never seen', cibXml({ nodes: clusterNodes(1), resources: remotePrimitive('r1'), status: clusterState('1', 'n1') })],
    ['remote stopped', cibXml({ nodes: clusterNodes(1), resources: remotePrimitive('r1'), status: clusterState('1', 'n1', undefined, lrm('r1', [{ task: 'start', callId: 1 }, { task: 'stop', callId: 2 }], REMOTE_AGENT)) + remoteState('r1') })],
    ['remote connection monitor failed', cibXml({ nodes: clusterNodes(1), resources: remotePrimitive('r1'), status: clusterState('1', 'n1', undefined, monFail('r1', REMOTE_AGENT)) + remoteState('r1') })],
    ['remote connection unmanaged', cibXml({ nodes: clusterNodes(1), resources: unmanaged, status: clusterState('1', 'n1', undefined, connUp) + remoteState('r1') })],
    ['maintenance-mode', cibXml({ props: { 'maintenance-mode': 'true' }, nodes: clusterNodes(1), resources: remotePrimitive('r1'), status: clusterState('1', 'n1', undefined, connUp) + remoteState('r1') })],
    ['remote transient attributes', cibXml({ nodes: clusterNodes(1), resources: remotePrimitive('r1'), status: clusterState('1', 'n1', undefined, connUp) + remoteState('r1', '', { standby: 'true', maintenance: 'on' }) })],
    ['active behind stopped connection', cibXml({ nodes: clusterNodes(1), resources: remotePrimitive('r1') + DUMMY,
      status: clusterState('1', 'n1', undefined, lrm('r1', [{ task: 'start', callId: 1 }, { task: 'stop', callId: 2 }], REMOTE_AGENT)) + remoteState('r1', lrm('d1', [{ task: 'start', callId: 3 }])) })],
    ['stale remote node entry', cibXml({ nodes: clusterNodes(1) + '<node id="old" uname="old" type="remote"/>', status: clusterState('1', 'n1') })],
    ['orphaned connection', cibXml({ nodes: clusterNodes(1), status: clusterState('1', 'n1', undefined, started('gone', REMOTE_AGENT)) + remoteState('gone') })],
    ['guest up', cibXml({ nodes: clusterNodes(1), resources: vm(), status: clusterState('1', 'n1', undefined, started('vm1') + started('g1', REMOTE_AGENT)) + remoteState('g1') })],
    ['guest container stopped', cibXml({ nodes: clusterNodes(1), resources: vm(), status: clusterState('1', 'n1', undefined, lrm('vm1', [{ task: 'start', callId: 1 }, { task: 'stop', callId: 2 }])) + remoteState('g1') })],
    ['guest container failed', cibXml({ nodes: clusterNodes(1), resources: vm(), status: clusterState('1', 'n1', undefined, monFail('vm1') + started('g1', REMOTE_AGENT)) + remoteState('g1') })],
    ['guest container unmanaged', cibXml({ nodes: clusterNodes(1), resources: vm('<nvpair id="vm1-im" name="is-managed" value="false"/>'),
      status: clusterState('1', 'n1', undefined, started('vm1') + started('g1', REMOTE_AGENT)) + remoteState('g1') })],
    ['bundle replicas', cibXml({ nodes: clusterNodes(1), resources: bundle, status: clusterState('1', 'n1', undefined, started('b-docker-0') + started('b-0', REMOTE_AGENT)) + remoteState('b-0') })],
  ];
}

describe('edge-case CIBs: nodeStates() vs crm_mon 2.1.5', function () {
  this.timeout(5 * 60_000);
  const cases = edgeCases();
  const outputs = new Map<string, ToolRun>();
  let dir = '';

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'cib-model-edge-'));
    await pool(cases, CONCURRENCY, async ([name, xml]) => {
      const path = join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.xml`);
      // crm_mon wants a schema and feature set; they do not change the derivation.
      writeFileSync(path, xml.replace('<cib ', '<cib validate-with="pacemaker-3.7" crm_feature_set="3.16.1" '));
      outputs.set(name, await run('crm_mon', ['--output-as=xml', '-1'], { ...process.env, CIB_file: path }));
    });
  });

  after(function () {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  for (const [name, xml] of cases) {
    it(name, function () {
      const r = outputs.get(name);
      expect(r?.code, `crm_mon: ${r?.error ?? r?.stderr}`).to.equal(0);
      const want = monNodes(parseXml((r as ToolRun).stdout)).map(({ idAsResource: _ignored, ...n }) => n);
      const got = parseCib(xml).nodeStates();
      const byName = (a: NodeState, b: NodeState): number => a.name.localeCompare(b.name);
      expect([...got].sort(byName)).to.deep.equal([...want].sort(byName));
    });
  }
});
