/**
 * `pcmk-remote watch --cib`: the CIB's remote nodes (optionally only those running on one cluster node),
 * merged with `--node` entries, kept by the ConnectionManager against simulated daemons; JSON lines out.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCliDuration } from '../src/duration.js';
import { watchSpecs } from '../src/watch.js';
import { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';
import { freePort } from '../../remote-conn/test/support/real-daemon.js';
import { cli, cliChild, tempKeyDir } from './cli-io.js';

function remotePrimitive(id: string, port: number): string {
  return `<primitive class="ocf" id="${id}" provider="pacemaker" type="remote">
        <instance_attributes id="${id}-ia">
          <nvpair id="${id}-ia-server" name="server" value="127.0.0.1"/>
          <nvpair id="${id}-ia-port" name="port" value="${port}"/>
        </instance_attributes>
        <operations><op id="${id}-monitor" interval="60s" name="monitor"/></operations>
      </primitive>`;
}

function started(id: string, node: string): string {
  return `<lrm_resource id="${id}" type="remote" class="ocf" provider="pacemaker">
            <lrm_rsc_op id="${id}_last_0" operation_key="${id}_start_0" operation="start" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" call-id="5" rc-code="0" op-status="0" interval="0" on_node="${node}"/>
          </lrm_resource>`;
}

function nodeState(id: string, uname: string, resources: string[]): string {
  return `<node_state id="${id}" uname="${uname}" in_ccm="true" crmd="online" join="member" expected="member" crm-debug-origin="do_state_transition">
      <lrm id="${id}"><lrm_resources>
          ${resources.join('\n          ')}
      </lrm_resources></lrm>
    </node_state>`;
}

/** A CIB with remote nodes r1, r3 running on node1 and r2 on node2. */
function cibXml(ports: { r1: number; r2: number; r3: number }): string {
  return `<cib admin_epoch="0" epoch="5" num_updates="0" validate-with="pacemaker-3.7" have-quorum="1" dc-uuid="1">
  <configuration>
    <crm_config/>
    <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
    <resources>
      ${remotePrimitive('r1', ports.r1)}
      ${remotePrimitive('r2', ports.r2)}
      ${remotePrimitive('r3', ports.r3)}
    </resources>
    <constraints/>
  </configuration>
  <status>
    ${nodeState('1', 'node1', [started('r1', 'node1'), started('r3', 'node1')])}
    ${nodeState('2', 'node2', [started('r2', 'node2')])}
  </status>
</cib>`;
}

interface Ev {
  event: string;
  node: string;
  [k: string]: unknown;
}
const events = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev);
const namesOf = (evs: Ev[], event: string) => [...new Set(evs.filter((e) => e.event === event).map((e) => e.node))].sort();

describe('pcmk-remote watch --cib', function () {
  this.timeout(30_000);
  const key = randomBytes(256);
  let sims: SimulatedRemoteDaemon[] = [];

  const tmp = tempKeyDir('pcmk-watch-', key);
  beforeEach(async () => {
    sims = await Promise.all([0, 1, 2].map((i) => SimulatedRemoteDaemon.start({ key, noDelay: true, nodeName: `r${i + 1}` })));
  });
  afterEach(async () => {
    await Promise.all(sims.map((s) => s.stop()));
  });

  const writeCib = (xml: string) => {
    const f = join(tmp.dir, `cib-${Math.random().toString(36).slice(2)}.xml`);
    writeFileSync(f, xml);
    return f;
  };
  const ports = () => ({ r1: sims[0]!.port, r2: sims[1]!.port, r3: sims[2]!.port });

  it('connects every remote node of the CIB and prints JSON lines until --duration', async () => {
    const cib = writeCib(cibXml(ports()));
    const t0 = Date.now();
    const r = await cli(['watch', '--cib', cib, '--key', tmp.keyFile, '--duration', '1.5s', '--monitor-interval', '300ms']);
    const took = Date.now() - t0;
    expect(r.code, r.stderr).to.equal(0);
    expect(took).to.be.within(1400, 10_000);
    const evs = events(r.stdout);
    expect(namesOf(evs, 'node-added')).to.deep.equal(['r1', 'r2', 'r3']);
    expect(namesOf(evs, 'node-up')).to.deep.equal(['r1', 'r2', 'r3']);
    expect(namesOf(evs, 'monitor')).to.deep.equal(['r1', 'r2', 'r3']);
    // closed at the end
    for (const n of ['r1', 'r2', 'r3']) expect(evs.filter((e) => e.event === 'state' && e.node === n).at(-1)?.to).to.equal('stopped');
    expect(sims.map((s) => s.clientCount)).to.deep.equal([0, 0, 0]);
  });

  it('--only-running-on keeps the nodes whose connection runs on that cluster node', async () => {
    const cib = writeCib(cibXml(ports()));
    const r = await cli(['watch', '--cib', cib, '--only-running-on', 'node1', '--key', tmp.keyFile, '--duration', '1s']);
    expect(r.code, r.stderr).to.equal(0);
    const evs = events(r.stdout);
    expect(namesOf(evs, 'node-added')).to.deep.equal(['r1', 'r3']);
    expect(namesOf(evs, 'node-up')).to.deep.equal(['r1', 'r3']);
  });

  it('--node entries are merged, and replace a CIB node of the same name', async () => {
    // In the CIB, r3 points at a dead port; --node redirects it to a live daemon and adds "extra".
    const cib = writeCib(cibXml({ ...ports(), r3: await freePort() }));
    const r = await cli([
      'watch', '--cib', '-', '--only-running-on', 'node1',
      '--node', `r3=127.0.0.1:${sims[2]!.port}`, '--node', `extra=127.0.0.1:${sims[1]!.port}`,
      '--key', tmp.keyFile, '--duration', '1.2s',
    ], readFileSync(cib, 'utf8'));
    expect(r.code, r.stderr).to.equal(0);
    const evs = events(r.stdout);
    expect(namesOf(evs, 'node-added')).to.deep.equal(['extra', 'r1', 'r3']);
    expect(namesOf(evs, 'node-up')).to.deep.equal(['extra', 'r1', 'r3']);
    expect(namesOf(evs, 'connect-failed')).to.deep.equal([]);
  });

  it('watchSpecs: CIB nodes carry their connection parameters; --node wins', async () => {
    const p = ports();
    const specs = await watchSpecs({ cib: writeCib(cibXml(p)), node: [`r2=10.1.1.1:4000`] });
    const by = Object.fromEntries(specs.map((s) => [s.name, s]));
    expect(Object.keys(by).sort()).to.deep.equal(['r1', 'r2', 'r3']);
    expect(by.r1).to.include({ host: '127.0.0.1', port: p.r1, kind: 'remote', runningOn: 'node1' });
    expect(by.r2).to.deep.equal({ name: 'r2', host: '10.1.1.1', port: 4000 });
  });

  it('usage errors exit 2: --only-running-on without --cib, nothing to watch, a bad CIB, a bad duration', async () => {
    const a = await cli(['watch', '--only-running-on', 'node1', '--key', tmp.keyFile]);
    expect(a.code).to.equal(2);
    expect(a.stderr).to.match(/--only-running-on needs --cib/);
    const b = await cli(['watch', '--cib', writeCib(cibXml(ports())), '--only-running-on', 'node9', '--key', tmp.keyFile]);
    expect(b.code).to.equal(2);
    expect(b.stderr).to.match(/nothing to watch/);
    const c = await cli(['watch', '--cib', '-', '--key', tmp.keyFile], '<cib><oops></cib>');
    expect(c.code).to.equal(2);
    expect(c.stderr).to.match(/PCMK_CIB_XML_PARSE/);
    const d = await cli(['watch', '--node', `a=127.0.0.1:${sims[0]!.port}`, '--key', tmp.keyFile, '--duration', 'soon']);
    expect(d.code).to.equal(2);
    expect(d.stderr).to.match(/--duration: cannot parse duration/);
    expect(sims[0]!.clientCount).to.equal(0);
  });

  it('as a child process: JSON lines and exit 0 after --duration', async () => {
    const r = await cliChild(['watch', '--node', `a=127.0.0.1:${sims[0]!.port}`, '--key', tmp.keyFile, '--duration', '1s'], { timeoutMs: 25_000 });
    expect(r.code, r.stderr).to.equal(0);
    expect(namesOf(events(r.stdout), 'node-up')).to.deep.equal(['a']);
  });
});

describe('CLI durations', () => {
  it('parses ms, s, m, min, h, fractions and bare seconds', () => {
    expect(parseCliDuration('500ms', 'x')).to.equal(500);
    expect(parseCliDuration('10s', 'x')).to.equal(10_000);
    expect(parseCliDuration('1.5s', 'x')).to.equal(1500);
    expect(parseCliDuration('1m', 'x')).to.equal(60_000);
    expect(parseCliDuration('2min', 'x')).to.equal(120_000);
    expect(parseCliDuration('1h', 'x')).to.equal(3_600_000);
    expect(parseCliDuration('7', 'x')).to.equal(7000);
    expect(parseCliDuration(' 3 S ', 'x')).to.equal(3000);
    expect(parseCliDuration(undefined, 'x')).to.equal(undefined);
  });
  it('refuses what Pacemaker would guess at', () => {
    for (const bad of ['', 's', '10sxyz', '-1s', '1d', 'P10S', '1e3', '10 parsecs', '9999999999h']) {
      expect(() => parseCliDuration(bad, '--timeout'), bad).to.throw(/--timeout/).with.property('code', 'PCMK_REMOTE_INVALID_ARGUMENT');
    }
  });
});
