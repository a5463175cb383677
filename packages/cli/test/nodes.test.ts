/**
 * `pcmk-remote nodes --cib`: the output is exactly what cib-model derives (remoteNodes() joined with
 * nodeStates()), from a file or stdin; validation findings go to stderr; parse errors exit 2 with the code.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCib, type NodeState } from '@pcmk-remote/cib-model';
import type { NodeRow } from '../src/nodes.js';
import { cli, cliChild } from './cli-io.js';

const CTS = '/work/shared/cts-scheduler';
const FILES = ['remote-fence-unclean.xml', 'whitebox-fail1.xml', 'bundle-order-stop-on-remote.xml', 'remote-disable.xml', 'guest-node-host-dies.xml', 'remote-reconnect-delay.xml'];

/** What the command should print, computed from the library directly. */
function expected(xml: string): { nodes: NodeRow[]; diagnostics: unknown[] } {
  const cib = parseCib(xml);
  const states = new Map<string, NodeState>(cib.nodeStates().map((s) => [s.name, s]));
  const nodes = cib.remoteNodes().map((n) => {
    const s = states.get(n.name);
    if (!s) return { ...n };
    const { name: _n, kind: _k, ...state } = s;
    return { ...n, state };
  });
  return JSON.parse(JSON.stringify({ nodes, diagnostics: cib.validate() })) as { nodes: NodeRow[]; diagnostics: unknown[] };
}

const CIB_WITH_DUPLICATE = `<cib admin_epoch="0" epoch="1" num_updates="0" validate-with="pacemaker-3.7">
  <configuration>
    <crm_config/>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
    <resources>
      <primitive id="node2" class="ocf" provider="pacemaker" type="remote">
        <instance_attributes id="node2-ia"><nvpair id="node2-ia-server" name="server" value="10.0.0.2"/></instance_attributes>
      </primitive>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>`;

describe('pcmk-remote nodes', function () {
  this.timeout(20_000);

  for (const f of FILES) {
    it(`--json on ${f} equals remoteNodes() joined with nodeStates()`, async () => {
      const path = join(CTS, f);
      const r = await cli(['nodes', '--cib', path, '--json']);
      expect(r.code, r.stderr).to.equal(0);
      const got = JSON.parse(r.stdout) as { nodes: NodeRow[]; diagnostics: unknown[] };
      const want = expected(readFileSync(path, 'utf8'));
      expect(got).to.deep.equal(want);
      expect(got.nodes.length, 'every file here defines remote or guest nodes').to.be.greaterThan(0);
      for (const n of got.nodes) expect(n.state, `state of ${n.name}`).to.be.an('object');
    });
  }

  it('prints a table with every node, its address, state and connection parameters', async () => {
    const path = join(CTS, 'bundle-order-stop-on-remote.xml');
    const r = await cli(['nodes', '--cib', path]);
    expect(r.code).to.equal(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(/^NODE +KIND +ADDRESS +STATE +RUNNING ON +RECONNECT +CONNECT TIMEOUT +CONNECTION +CONTAINER$/);
    const want = expected(readFileSync(path, 'utf8')).nodes;
    expect(lines).to.have.length(want.length + 1);
    for (const n of want) {
      const line = lines.find((l) => l.startsWith(`${n.name} `));
      expect(line, n.name).to.be.a('string');
      expect(line).to.include(`${n.host}:${n.port}`).and.to.include(n.kind).and.to.include(n.connectionResource);
      expect(line).to.include(n.state?.online ? (n.state.unclean ? 'UNCLEAN (online)' : 'online') : 'offline');
    }
  });

  it('reads the CIB from stdin with --cib -', async () => {
    const xml = readFileSync(join(CTS, 'whitebox-fail1.xml'), 'utf8');
    const r = await cli(['nodes', '--cib', '-', '--json'], xml);
    expect(r.code).to.equal(0);
    const got = JSON.parse(r.stdout) as { nodes: NodeRow[] };
    expect(got).to.deep.equal(expected(xml));
    expect(got.nodes.length).to.be.greaterThan(0);
  });

  it('prints validation findings on stderr after the table, and still exits 0', async () => {
    const want = expected(CIB_WITH_DUPLICATE);
    expect(want.diagnostics.length, 'a remote node named like a cluster node is a finding').to.be.greaterThan(0);
    const r = await cli(['nodes', '--cib', '-'], CIB_WITH_DUPLICATE);
    expect(r.code).to.equal(0);
    for (const d of want.diagnostics as Array<{ code: string; severity: string }>) expect(r.stderr).to.include(`${d.severity}: ${d.code}:`);
    expect(r.stdout).to.match(/^NODE/);
  });

  it('bad XML: exit 2 with PCMK_CIB_XML_PARSE', async () => {
    const r = await cli(['nodes', '--cib', '-'], '<cib><configuration></cib>');
    expect(r.code).to.equal(2);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.match(/\[PCMK_CIB_XML_PARSE\]/);
  });

  it('not a CIB: exit 2 with PCMK_CIB_NOT_A_CIB', async () => {
    const r = await cli(['nodes', '--cib', '-'], '<configuration/>');
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/\[PCMK_CIB_NOT_A_CIB\]/);
  });

  it('missing file or missing --cib: exit 2', async () => {
    const a = await cli(['nodes', '--cib', join(CTS, 'no-such-file.xml')]);
    expect(a.code).to.equal(2);
    expect(a.stderr).to.match(/ENOENT/);
    const b = await cli(['nodes']);
    expect(b.code).to.equal(2);
    expect(b.stderr).to.match(/--cib/);
  });

  it('as a child process: bad XML on stdin exits 2, a good file exits 0', async () => {
    const [bad, good] = await Promise.all([
      cliChild(['nodes', '--cib', '-'], { stdin: '<cib' }),
      cliChild(['nodes', '--cib', join(CTS, 'remote-fence-unclean.xml'), '--json']),
    ]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/PCMK_CIB_XML_PARSE/);
    expect(good.code, good.stderr).to.equal(0);
    expect(JSON.parse(good.stdout)).to.deep.equal(expected(readFileSync(join(CTS, 'remote-fence-unclean.xml'), 'utf8')));
  });
});
