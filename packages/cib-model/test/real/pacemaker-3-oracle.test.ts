/**
 * The second CIB oracle: Pacemaker 3.0.3's own `crm_mon --output-as=xml` (from the sid chroot of
 * scripts/peers.sh) on the 108 CTS scheduler inputs of `../shared/cts-scheduler/`, against
 * `nodeStates({ pacemakerVersion: '3.0.3' })` and `remoteNodes()`, as crm-simulate-oracle.test.ts does for
 * 2.1.5's tools on the host. (`crm_simulate`'s node list is printed from the same node fields; 2.1.5's suite
 * checks our rendering of it, so 3.0.3's is not run here, which keeps this suite within its time budget.)
 *
 * Then the default: `nodeStates()` picks the semantics from the CIB's `crm_feature_set`. The CTS inputs carry
 * old feature sets (they were captured on 1.1/2.x clusters), so on one of the inputs the two versions read
 * differently, with its feature set set to 3.0.0's and to 3.0.3's, the default must equal 3.0.0's and
 * 3.0.3's own crm_mon.
 *
 * Fails (never skips) when the chroots are missing (run `bash scripts/peers.sh` as root; `npm test` does).
 */
import { expect } from 'chai';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCib, parseXml, type NodeState } from '../../src/index.js';
import { CTS_DIR, ctsFilesIfPresent } from '../helpers/cib-xml.js';
import { peerRoot } from '../../../remote-conn/test/support/peer-chroot.js';
import { expectedRemoteNodes, FIELDS, monNodes, pool, run, type ToolRun } from './oracle-tools.js';

const DIR = CTS_DIR;
/** Empty when ../shared/cts-scheduler is missing: the 2.1.5 oracle's presence test then fails with a clear message. */
const FILES = ctsFilesIfPresent();
const CONCURRENCY = 4;
/** The inputs on which 3.0.3's crm_mon differs from 2.1.5's (all through `fencing-enabled`). */
const READ_DIFFERENTLY = ['bug-5025-4.xml', 'bundle-probe-order-1.xml', 'bundle-probe-order-3.xml', 'bundle-probe-remotes.xml'];

const byName = (a: NodeState, b: NodeState): number => a.name.localeCompare(b.name);
const monStates = (r: ToolRun): NodeState[] => monNodes(parseXml(r.stdout)).map(({ idAsResource: _ignored, ...n }) => n).sort(byName);

describe(`cts-scheduler oracle: nodeStates({ pacemakerVersion: '3.0.3' }) vs crm_mon 3.0.3 on ${FILES.length} CIBs`, function () {
  this.timeout(10 * 60_000);
  let root = '';
  let work = '';
  const runs = new Map<string, ToolRun>();
  const tool = (program: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
    run('chroot', [root, program, ...args], { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...env });

  before(async function () {
    this.timeout(10 * 60_000);
    root = peerRoot('3.0.3');
    work = mkdtempSync(join(root, 'tmp', 'cts-'));
    cpSync(DIR, work, { recursive: true, filter: (f) => !f.endsWith('.md') });
    const inRoot = (f: string) => join(work.slice(root.length), f);
    await pool(FILES, CONCURRENCY, async (file) => {
      runs.set(file, await tool('crm_mon', ['--output-as=xml', '-1', '--inactive'], { CIB_file: inRoot(file) }));
    });
  });
  after(() => {
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  for (const file of FILES) {
    it(`3.0.3: ${file}`, function () {
      const mon = runs.get(file);
      if (mon === undefined) throw new Error('no tool run');
      expect(mon.code, `crm_mon 3.0.3: ${mon.error ?? mon.stderr}`).to.equal(0);
      const cib = parseCib(readFileSync(join(DIR, file), 'utf8'));
      const ours = cib.nodeStates({ pacemakerVersion: '3.0.3' });
      const want = monNodes(parseXml(mon.stdout));
      const problems: string[] = [];
      const got = new Map(ours.map((n) => [n.name, n]));
      for (const w of want) {
        const g = got.get(w.name);
        got.delete(w.name);
        if (g === undefined) problems.push(`${w.name}: missing`);
        else for (const f of FIELDS) if (g[f] !== w[f]) problems.push(`${w.name}: ${f} is ${String(g[f])}, crm_mon 3.0.3 says ${String(w[f])}`);
      }
      for (const extra of got.keys()) problems.push(`${extra}: not in crm_mon 3.0.3`);
      const wantSpecs = expectedRemoteNodes(parseXml(mon.stdout), want);
      const gotSpecs = new Map(cib.remoteNodes().map((s) => [s.name, s.kind]));
      for (const [name, kind] of wantSpecs) if (gotSpecs.get(name) !== kind) problems.push(`remoteNodes(): ${name} is ${gotSpecs.get(name) ?? 'missing'}, expected ${kind}`);
      expect(problems, file).to.deep.equal([]);
    });
  }

  it(`3.0.3 reads ${READ_DIFFERENTLY.length} inputs differently from 2.1.5 (fencing-enabled), and so do we`, function () {
    const differ = FILES.filter((file) => {
      const cib = parseCib(readFileSync(join(DIR, file), 'utf8'));
      return JSON.stringify(cib.nodeStates({ pacemakerVersion: '2.1.5' })) !== JSON.stringify(cib.nodeStates({ pacemakerVersion: '3.0.3' }));
    });
    expect(differ).to.deep.equal(READ_DIFFERENTLY);
    // The CTS inputs' own (old) feature sets pick 2.1.5's semantics by default.
    for (const file of differ) {
      const cib = parseCib(readFileSync(join(DIR, file), 'utf8'));
      expect(cib.nodeStates(), file).to.deep.equal(cib.nodeStates({ pacemakerVersion: '2.1.5' }));
    }
  });

  it('by default the semantics follow crm_feature_set: 3.20.0 reads as 3.0.0 does, 3.20.5 as 3.0.3 does (their own crm_mon)', async function () {
    const original = readFileSync(join(DIR, READ_DIFFERENTLY[0] as string), 'utf8');
    for (const [featureSet, version] of [['3.20.0', '3.0.0'], ['3.20.5', '3.0.3']] as const) {
      const xml = original.replace(/crm_feature_set="[^"]*"/, `crm_feature_set="${featureSet}"`);
      const vroot = peerRoot(version);
      const dir = mkdtempSync(join(vroot, 'tmp', 'cts-fs-'));
      try {
        writeFileSync(join(dir, 'cib.xml'), xml);
        const mon = await run('chroot', [vroot, 'crm_mon', '--output-as=xml', '-1', '--inactive'], { PATH: '/usr/sbin:/usr/bin', CIB_file: join(dir.slice(vroot.length), 'cib.xml') });
        expect(mon.code, mon.stderr).to.equal(0);
        expect([...parseCib(xml).nodeStates()].sort(byName), `${featureSet} vs crm_mon ${version}`).to.deep.equal(monStates(mon));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('refuses a pacemakerVersion that is not a version', function () {
    const cib = parseCib(readFileSync(join(DIR, FILES[0] as string), 'utf8'));
    expect(() => cib.nodeStates({ pacemakerVersion: 'latest' })).to.throw(/pacemakerVersion must look like "3.0.3"/);
  });
});
