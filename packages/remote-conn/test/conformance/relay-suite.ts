/**
 * The IPC relay suite: cluster tools run "on the remote node" reach the owner's relays through the
 * daemon's IPC proxy and our session (protocol.md §3.6). The same tests run against the real
 * pacemaker-remoted (real tools in its network namespace) and against the simulator (its simulated
 * tools), so the simulator cannot drift from the real thing.
 *
 * CIB answers are compared with what the real tools print for the same CIB read from a file
 * (`CIB_file=...`), never with hand-written expectations.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConnectionManager, RemoteNodeConnection, RemoteSession } from '../../src/index.js';
import { ControllerInfoRelay, FencingHistoryRelay, NodeAttributeStore, ReadOnlyCibRelay, composeRelays, type AttributeChangeEvent, type IpcRelay, type RelayCloseReason } from '../../src/relay/index.js';

/** What a tool printed and how it ended. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** A daemon whose node can run cluster tools. */
export interface RelayTarget {
  readonly kind: 'real' | 'sim';
  readonly host: string;
  readonly port: number;
  readonly key: Buffer;
  /**
   * Runs a tool on the node (`argv[0]` is the tool's name, e.g. `attrd_updater`). With `killAfterMs`
   * the tool is killed (SIGKILL) if still running then: an abandoned session. `ipcTimeoutMs` lets a
   * simulated tool wait longer than a real one (5 s) for each answer.
   */
  runTool(argv: string[], env?: Record<string, string>, options?: { killAfterMs?: number; ipcTimeoutMs?: number }): Promise<ToolResult>;
  dispose(): Promise<void>;
}

export type RelayTargetFactory = () => Promise<RelayTarget>;

/** crm_node ships only in Debian's `pacemaker` package: scripts/ensure-real-daemon.sh extracts it here. */
export const CRM_NODE = '/opt/pcmk-remote-oracle/pacemaker/usr/sbin/crm_node';

/** The node name the owner gives the remote node. */
export const NODE = 'remote1';

/** A small CIB as an owner would serve it: one cluster node, the remote node, a clone on it. */
export const TEST_CIB = [
  '<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="7" num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="1" cib-last-written="Mon Dec  7 00:00:00 2026">',
  '<configuration><crm_config><cluster_property_set id="cib-bootstrap-options">',
  '<nvpair id="opt-stonith" name="stonith-enabled" value="false"/><nvpair id="opt-name" name="cluster-name" value="relaytest"/>',
  '</cluster_property_set></crm_config>',
  '<nodes><node id="1" uname="node1"/></nodes>',
  `<resources><primitive id="${NODE}" class="ocf" provider="pacemaker" type="remote"><instance_attributes id="${NODE}-ia"><nvpair id="${NODE}-server" name="server" value="127.0.0.1"/></instance_attributes></primitive>`,
  '<primitive id="d1" class="ocf" provider="pacemaker" type="Dummy"/></resources>',
  '<constraints/></configuration>',
  '<status><node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources>',
  `<lrm_resource id="${NODE}" type="remote" class="ocf" provider="pacemaker"><lrm_rsc_op id="${NODE}_last_0" operation_key="${NODE}_start_0" operation="start" crm-debug-origin="do_update_resource" crm_feature_set="3.16.1" transition-key="1:1:0:00000000-0000-0000-0000-000000000000" transition-magic="0:0;1:1:0:00000000-0000-0000-0000-000000000000" exit-reason="" on_node="node1" call-id="1" rc-code="0" op-status="0" interval="0" last-rc-change="1796000000" exec-time="10" queue-time="0" op-digest="00000000000000000000000000000000"/></lrm_resource>`,
  '</lrm_resources></lrm></node_state>',
  `<node_state id="${NODE}" uname="${NODE}" remote_node="true" in_ccm="true" crmd="online"/></status></cib>`,
].join('');

/** Runs a program with a minimal environment; `killAfterMs` kills it (SIGKILL) if still running then. */
export function runProgram(cmd: string, args: string[], env: Record<string, string> = {}, killAfterMs = 30_000): Promise<ToolResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...env }, timeout: killAfterMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : -1) : 0;
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Runs a real tool on a CIB file (the oracle for CIB answers). */
export async function withCibFile<T>(cib: string, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'relay-cib-'));
  try {
    const path = join(dir, 'cib.xml');
    writeFileSync(path, cib);
    return await fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a real tool locally (not on the node), e.g. on a CIB file. */
export const runLocal = (argv: string[], env: Record<string, string> = {}) => runProgram(argv[0] as string, argv.slice(1), env);

/** crm_mon output without the lines that legitimately differ between two runs. */
function stableMon(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/Last updated:|Last change:|Stack:/.test(l))
    .join('\n')
    .trim();
}

/**
 * Defines the relay suite against one kind of target. Tests that compare a real tool's output with the
 * same tool on a CIB file (crm_mon, cibadmin) run against the real daemon only: the simulator simulates
 * attrd_updater, crm_attribute and crm_node. The Stateful tests run the real agent on the real daemon
 * and the simulator's built-in `ocf:pacemaker:Stateful` on the simulator.
 */
export function defineRelaySuite(name: string, kind: 'real' | 'sim', factory: RelayTargetFactory): void {
  const real = kind === 'real';
  describe(`IPC relay: tools on the node (${name})`, function () {
    this.timeout(60_000);
    let target: RelayTarget;
    let session: RemoteSession | undefined;
    let store: NodeAttributeStore;
    let changes: AttributeChangeEvent[];
    const relayErrors: string[] = [];

    async function connect(relay: IpcRelay): Promise<RemoteSession> {
      await session?.close();
      session = await RemoteSession.connect({ host: target.host, port: target.port, key: target.key, ipcRelay: relay, nodeName: NODE });
      session.on('relay-error', (e) => relayErrors.push(`${e.kind}: ${e.error.message}`));
      return session;
    }

    before(async () => {
      target = await factory();
    });
    after(async () => {
      await session?.close();
      await target?.dispose();
    });
    beforeEach(() => {
      store = new NodeAttributeStore();
      changes = [];
      store.on('change', (e) => changes.push(e));
      relayErrors.length = 0;
    });
    afterEach(() => {
      expect(relayErrors, 'relay errors').to.deep.equal([]);
    });

    describe('with attrd, controller and CIB relays', () => {
      let cib: ReadOnlyCibRelay;
      beforeEach(async () => {
        cib = new ReadOnlyCibRelay({ cib: TEST_CIB, attributes: store });
        await connect(composeRelays({ attrd: store, crmd: new ControllerInfoRelay(), cib_ro: cib, cib_rw: cib, 'stonith-ng': new FencingHistoryRelay() }));
      });

      it('attrd_updater -U sets the attribute of this node in the store, -Q reads it back, -D deletes it', async () => {
        const u = await target.runTool(['attrd_updater', '-n', 'foo', '-U', 'bar']);
        expect(u.code, u.stderr).to.equal(0);
        expect(store.get(NODE, 'foo')).to.equal('bar');
        expect(changes).to.deep.equal([{ node: NODE, name: 'foo', value: 'bar', previous: undefined }]);
        const q = await target.runTool(['attrd_updater', '-n', 'foo', '-Q']);
        expect(q.code, q.stderr).to.equal(0);
        expect(q.stdout.trim()).to.equal(`name="foo" host="${NODE}" value="bar"`);
        const d = await target.runTool(['attrd_updater', '-n', 'foo', '-D']);
        expect(d.code, d.stderr).to.equal(0);
        expect(store.get(NODE, 'foo')).to.equal(undefined);
        expect(changes.at(-1)).to.deep.equal({ node: NODE, name: 'foo', value: undefined, previous: 'bar' });
      });

      it('attrd_updater -Q of an attribute nobody set fails as with attrd', async () => {
        const q = await target.runTool(['attrd_updater', '-n', 'never-set', '-Q']);
        expect(q.code).to.not.equal(0);
        expect(q.stderr).to.match(/never-set/);
      });

      it('crm_attribute -N <node> -l reboot -v sets a transient attribute through attrd', async () => {
        const r = await target.runTool(['crm_attribute', '-N', NODE, '-l', 'reboot', '-n', 'color', '-v', 'blue']);
        expect(r.code, r.stderr).to.equal(0);
        expect(store.get(NODE, 'color')).to.equal('blue');
      });

      it(`crm_attribute -G -l reboot${real ? ' and crm_mon -1 -A' : ''} see the attributes set through attrd, as in a CIB file with them`, async () => {
        for (const [name, value] of [['color', 'blue'], ['size', '3']] as const) {
          const r = await target.runTool(['crm_attribute', '-N', NODE, '-l', 'reboot', '-n', name, '-v', value]);
          expect(r.code, r.stderr).to.equal(0);
        }
        await withCibFile(cib.cib, async (path) => {
          for (const argv of [['crm_attribute', '-N', NODE, '-l', 'reboot', '-n', 'color', '-G'], ...(real ? [['crm_mon', '-1', '-A']] : [])]) {
            const onNode = await target.runTool(argv);
            const oracle = await runLocal(argv, { CIB_file: path });
            expect(oracle.code, `${argv.join(' ')}: ${oracle.stderr}`).to.equal(0);
            expect(onNode.code, `${argv.join(' ')}: ${onNode.stderr}`).to.equal(0);
            expect(stableMon(onNode.stdout), argv.join(' ')).to.equal(stableMon(oracle.stdout));
            expect(onNode.stdout, argv.join(' ')).to.match(/blue/);
          }
        });
        const g = await target.runTool(['crm_attribute', '-N', NODE, '-l', 'reboot', '-n', 'color', '-G', '-q']);
        expect(g.stdout.trim()).to.equal('blue');
      });

      it('crm_node -n names the node as the owner knows it; crm_node -q reports quorum', async () => {
        const n = await target.runTool(['crm_node', '-n']);
        expect(n.code, n.stderr).to.equal(0);
        expect(n.stdout.trim()).to.equal(NODE);
        const q = await target.runTool(['crm_node', '-q']);
        expect(q.code, q.stderr).to.equal(0);
        expect(q.stdout.trim()).to.equal('1');
      });

      if (real) {
        it('crm_node -l / -p list the cluster members the owner names', async () => {
          const members = () => [{ id: 1, name: 'node1' }, { id: 2, name: 'node2', state: 'lost' }];
          await connect(composeRelays({ crmd: new ControllerInfoRelay({ members }) }));
          const l = await target.runTool(['crm_node', '-l']);
          expect(l.code, l.stderr).to.equal(0);
          expect(l.stdout).to.equal('1 node1 member\n2 node2 lost\n');
          const p = await target.runTool(['crm_node', '-p']);
          expect(p.stdout.trim()).to.equal('node1');
        });
      }

      if (real) {
        it('crm_mon -1 shows the supplied CIB as crm_mon shows it from a file', async () => {
          const onNode = await target.runTool(['crm_mon', '-1']);
          expect(onNode.code, onNode.stderr).to.equal(0);
          const oracle = await withCibFile(TEST_CIB, (path) => runLocal(['crm_mon', '-1'], { CIB_file: path }));
          expect(oracle.code, oracle.stderr).to.equal(0);
          expect(stableMon(onNode.stdout)).to.equal(stableMon(oracle.stdout));
        });

        it('crm_mon -1 shows the fencing history the owner supplies', async () => {
          const history = () => [{ target: 'remote9', action: 'reboot', state: 'failed' as const, origin: 'node1', delegate: 'node1', client: 'pacemaker-controld.1', completedAt: Date.now() - 1000, exitReason: 'no fence device' }];
          const c = new ReadOnlyCibRelay({ cib: TEST_CIB });
          await connect(composeRelays({ cib_ro: c, cib_rw: c, 'stonith-ng': new FencingHistoryRelay({ history }) }));
          const onNode = await target.runTool(['crm_mon', '-1']);
          expect(onNode.code, onNode.stderr).to.equal(0);
          expect(onNode.stdout).to.match(/Failed Fencing Actions:\n\s+\* reboot of remote9 by node1 .*last failed \(no fence device\)/);
        });

        it('cibadmin -Q (whole CIB, a section, an XPath) answers as cibadmin on the same CIB file', async () => {
          for (const args of [['-Q'], ['-Q', '-o', 'nodes'], ['-Q', '--xpath', "//primitive[@type='remote']"], ['-Q', '--xpath', '//nvpair']]) {
            const onNode = await target.runTool(['cibadmin', ...args]);
            const oracle = await withCibFile(TEST_CIB, (path) => runLocal(['cibadmin', ...args], { CIB_file: path }));
            expect(oracle.code, `${args.join(' ')}: ${oracle.stderr}`).to.equal(0);
            expect(onNode.code, `${args.join(' ')}: ${onNode.stderr}`).to.equal(0);
            expect(onNode.stdout, args.join(' ')).to.equal(oracle.stdout);
          }
        });

        it('cibadmin -Q of a missing section fails as on the CIB file', async () => {
          const args = ['-Q', '--xpath', "//primitive[@id='nope']"];
          const onNode = await target.runTool(['cibadmin', ...args]);
          const oracle = await withCibFile(TEST_CIB, (path) => runLocal(['cibadmin', ...args], { CIB_file: path }));
          expect(onNode.code).to.equal(oracle.code).and.not.equal(0);
        });

        it('writes are refused fast with the permission error the tools print', async () => {
          const e = await target.runTool(['cibadmin', '-E', '--force']);
          expect(e.code).to.not.equal(0);
          expect(e.stderr).to.match(/Permission denied/);
          expect(e.ms).to.be.below(1000);
          const m = await target.runTool(['crm_attribute', '-t', 'crm_config', '-n', 'maintenance-mode', '-v', 'true']);
          expect(m.code).to.not.equal(0);
          expect(m.stderr).to.match(/Permission denied/);
        });
      }
    });

    describe('with only an attribute store', () => {
      beforeEach(async () => {
        await connect(store);
      });

      it(`${real ? 'cibadmin -Q, crm_node -n and crm_mon -1' : 'crm_node -n and crm_attribute -G'} fail fast (their channels are destroyed at once)`, async () => {
        // A tool whose request was already on its way when the daemon disconnected it notices at the
        // next tick of its IPC library's 1 s reply poll (measured: 20 ms to 2.1 s); none waits longer.
        for (const argv of real ? [['cibadmin', '-Q'], ['crm_node', '-n']] : [['crm_node', '-n'], ['crm_attribute', '-N', NODE, '-l', 'reboot', '-n', 'x', '-G']]) {
          const r = await target.runTool(argv);
          expect(r.code, argv.join(' ')).to.not.equal(0);
          expect(r.ms, argv.join(' ')).to.be.below(3000);
        }
        if (real) {
          // crm_mon reports the unreachable CIB and still exits 0 (its one-shot retries once: measured 2.0 to 4.2 s).
          const mon = await target.runTool(['crm_mon', '-1']);
          expect(mon.stdout + mon.stderr).to.match(/Could not connect to the CIB/);
          expect(mon.ms).to.be.below(6000);
        }
        const stats = session?.relayStats;
        expect(stats?.refused).to.be.greaterThan(0);
        expect(stats?.served).to.equal(0);
        expect(stats?.open).to.equal(0);
      });

      it('attrd still works', async () => {
        const u = await target.runTool(['attrd_updater', '-n', 'alone', '-U', '1']);
        expect(u.code, u.stderr).to.equal(0);
        expect(store.get(NODE, 'alone')).to.equal('1');
      });
    });

    describe('through RemoteNodeConnection and ConnectionManager (option ipcRelay)', () => {
      beforeEach(async () => {
        await session?.close();
        session = undefined;
      });

      it('new RemoteNodeConnection({ name, ipcRelay: store }): attrd_updater on the node lands under its name; the node going down clears it', async () => {
        const conn = new RemoteNodeConnection({ name: NODE, host: target.host, port: target.port, key: target.key, ipcRelay: store, monitorIntervalMs: 0 });
        conn.on('relay-error', (e) => relayErrors.push(`${e.kind}: ${e.error.message}`));
        try {
          await conn.start();
          const u = await target.runTool(['attrd_updater', '-n', 'via-conn', '-U', 'yes']);
          expect(u.code, u.stderr).to.equal(0);
          expect(store.get(NODE, 'via-conn')).to.equal('yes');
        } finally {
          await conn.stop();
        }
        expect(store.entries(NODE)).to.deep.equal([]);
        expect(changes.at(-1)).to.deep.equal({ node: NODE, name: 'via-conn', value: undefined, previous: 'yes' });
      });

      it('ConnectionManager defaults: { ipcRelay } serves every node it manages', async () => {
        const manager = new ConnectionManager({ defaults: { ipcRelay: store, monitorIntervalMs: 0, key: target.key } });
        manager.on('relay-error', (e) => relayErrors.push(`${e.kind}: ${e.error.message}`));
        try {
          const conn = manager.addNode({ name: 'managed-1', host: target.host, port: target.port });
          await conn.waitFor('up', { timeoutMs: 10_000 });
          const u = await target.runTool(['attrd_updater', '-n', 'via-manager', '-U', '1']);
          expect(u.code, u.stderr).to.equal(0);
          expect(store.get('managed-1', 'via-manager')).to.equal('1');
        } finally {
          await manager.close();
        }
      });
    });

    describe("a promotable agent run through our session (the real agent on the real daemon, the simulator's built-in one)", () => {
      it('ocf:pacemaker:Stateful sets its promotion score through the relay (start 5, promote 10, demote 5, stop deletes)', async () => {
        // crm_attribute maps the node name through the CIB first, as on a real remote node.
        const cib = new ReadOnlyCibRelay({ cib: TEST_CIB });
        const s = await connect(composeRelays({ attrd: store, crmd: new ControllerInfoRelay(), cib_ro: cib, cib_rw: cib }));
        await s.registerResource({ id: 'st', standard: 'ocf', provider: 'pacemaker', type: 'Stateful' });
        // The parameters the controller passes to every action of a clone instance on this node.
        const params = { CRM_meta_on_node: NODE, CRM_meta_on_node_uuid: NODE, CRM_meta_globally_unique: 'false', CRM_meta_clone_max: 2, CRM_meta_promoted_max: 1, crm_feature_set: '3.16.1' };
        const scores: Array<[string, number, string | undefined]> = [];
        for (const action of ['start', 'promote', 'monitor', 'demote', 'stop']) {
          const r = await s.exec({ resource: 'st', action, timeoutMs: 20_000, params: { ...params, CRM_meta_interval: 0, CRM_meta_timeout: 20_000 } });
          expect(r.opStatus, `${action}: ${r.output ?? ''}`).to.equal(0);
          scores.push([action, r.rc, store.get(NODE, 'master-st')]);
        }
        expect(scores).to.deep.equal([
          ['start', 0, '5'],
          ['promote', 0, '10'],
          ['monitor', 8, '10'],
          ['demote', 0, '5'],
          ['stop', 0, undefined],
        ]);
        await s.unregisterResource('st');
      });

      it('through a RemoteNodeConnection ({ ipcRelay } with a NodeAttributeStore): start, probe, promote, demote, stop move master-<rsc> (5, 5, 10, 5, deleted)', async () => {
        await session?.close();
        session = undefined;
        // The real crm_attribute maps the node name through the CIB first; the simulated one does not need it.
        const cib = new ReadOnlyCibRelay({ cib: TEST_CIB });
        const ipcRelay = composeRelays({ attrd: store, crmd: new ControllerInfoRelay(), cib_ro: cib, cib_rw: cib });
        const conn = new RemoteNodeConnection({ name: NODE, host: target.host, port: target.port, key: target.key, ipcRelay, monitorIntervalMs: 0 });
        conn.on('relay-error', (e) => relayErrors.push(`${e.kind}: ${e.error.message}`));
        // A resource name of its own: the real agent's state file lives in the host's /run.
        const rsc = `st-${process.pid}`;
        const seen: Array<string | undefined> = [];
        const onChange = (c: { node: string; name: string; value: string | undefined }) => {
          if (c.node === NODE && c.name === `master-${rsc}`) seen.push(c.value);
        };
        store.on('change', onChange);
        try {
          await conn.start();
          const s = conn.session as RemoteSession;
          await s.registerResource({ id: rsc, standard: 'ocf', provider: 'pacemaker', type: 'Stateful' });
          const params = { CRM_meta_on_node: NODE, CRM_meta_on_node_uuid: NODE, CRM_meta_globally_unique: 'false', CRM_meta_clone_max: 2, CRM_meta_promoted_max: 1, crm_feature_set: '3.16.1' };
          const scores: Array<[string, number, string | undefined]> = [];
          for (const action of ['start', 'monitor', 'promote', 'demote', 'stop']) {
            const r = await s.exec({ resource: rsc, action, timeoutMs: 20_000, params: { ...params, CRM_meta_interval: 0, CRM_meta_timeout: 20_000 } });
            expect(r.opStatus, `${action}: ${r.output ?? ''}`).to.equal(0);
            scores.push([action, r.rc, store.get(NODE, `master-${rsc}`)]);
          }
          expect(scores).to.deep.equal([
            ['start', 0, '5'],
            ['monitor', 0, '5'],
            ['promote', 0, '10'],
            ['demote', 0, '5'],
            ['stop', 0, undefined],
          ]);
          // The probe re-sets the same 5: no change event.
          expect(seen).to.deep.equal(['5', '10', '5', undefined]);
          await s.unregisterResource(rsc);
        } finally {
          store.off('change', onChange);
          await conn.stop();
        }
      });
    });

    describe('flood and abandoned sessions', () => {
      it('a tool killed while its request is pending ends its session at once (the handler is told, nothing leaks)', async () => {
        const closes: RelayCloseReason[] = [];
        let pending = 0;
        const hanging: IpcRelay = {
          open: (session) =>
            session.channel !== 'attrd'
              ? undefined
              : {
                  request: () => {
                    pending++;
                    return new Promise(() => undefined); // never answers
                  },
                  close: (reason) => closes.push(reason),
                },
        };
        const s = await connect(hanging);
        const r = await target.runTool(['attrd_updater', '-n', 'x', '-U', '1'], {}, { killAfterMs: 500 });
        expect(r.code).to.not.equal(0);
        const deadline = Date.now() + 3000;
        while (closes.length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
        expect(pending).to.equal(1);
        expect(closes).to.deep.equal(['tool']);
        expect(s.relayStats.open).to.equal(0);
        expect(s.relayStats.nacks).to.equal(0);
      });


      // Real tools are processes (about 25 ms of CPU each on this 2-core machine): 200, 50 at a time.
      // Simulated tools are cheap: 1,000 open their sessions at once.
      const total = real ? 200 : 1000;
      const parallel = real ? 50 : 1000;
      it(`${total} tool runs, ${parallel} at a time, leave no relay session behind, and every update lands`, async function () {
        this.timeout(120_000);
        const s = await connect(composeRelays([store, new ControllerInfoRelay()]));
        let next = 0;
        const failures: string[] = [];
        const started = performance.now();
        await Promise.all(
          Array.from({ length: parallel }, async () => {
            while (next < total) {
              const i = next++;
              // 1,000 sessions at once over one TLS connection take 4.5-9 s end to end: let the simulated tools wait.
              const r = await target.runTool(['attrd_updater', '-n', `flood-${i % 100}`, '-U', String(i)], {}, { ipcTimeoutMs: 60_000 });
              if (r.code !== 0) failures.push(`${i}: ${r.code} ${r.stderr}`);
            }
          }),
        );
        const ms = performance.now() - started;
        expect(failures).to.deep.equal([]);
        // Sessions end when the daemon reports the tool gone: give the last destroys a moment.
        const deadline = Date.now() + 5000;
        while (s.relayStats.open > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        const stats = s.relayStats;
        expect(stats.open).to.equal(0);
        expect(stats.served).to.equal(total);
        expect(stats.responses).to.equal(total);
        expect(store.entries(NODE)).to.have.length(100);
        for (let k = 0; k < 100; k++) expect(Number(store.get(NODE, `flood-${k}`)) % 100, `flood-${k}`).to.equal(k);
        console.log(`      (${total} attrd_updater runs in ${Math.round(ms)} ms)`);
      });
    });
  });
}
