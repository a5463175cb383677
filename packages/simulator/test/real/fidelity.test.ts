/**
 * Fidelity of the simulated daemon, each behaviour run against BOTH the real pacemaker-remoted 2.1.5 and
 * SimulatedRemoteDaemon (the differences real-cluster.md lists, seen side by side): the op-timeout exit
 * reason, the real `ocf:pacemaker:Dummy` and `ocf:pacemaker:Stateful` agents (rc, exit reason, output,
 * promotion score), exec-time/queue-time, the DH group and an aborted handshake.
 *
 * The real agents keep their state files in /run: every resource id here is random and stopped (its files
 * removed) afterwards. Stateful's `crm_attribute` is a recording stand-in (HA_SBIN_DIR), since a lone
 * daemon has no cluster to talk to. Fails (never skips) when the daemon is not installed.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execRequest, registerResourceRequest, type XmlElement } from '@pcmk-remote/remote-conn/protocol';
import { SimulatedRemoteDaemon, type SimulatedDaemonOptions } from '../../src/index.js';
import { startRealDaemon } from '../../../remote-conn/test/support/real-daemon.js';
import { probeServerHello } from '../../../cli/src/probe-handshake.js';
import { onEachSide } from './each-side.js';
import { connectAndRegister, sleep, type RawClient } from '../raw-client.js';

interface Side {
  kind: 'real' | 'sim';
  port: number;
  key: Buffer;
  /** `crm_attribute` calls the agents made (`<resource> <args>`). */
  attributeCalls(): string[];
  /** Handshake failures the daemon reported (log lines / events). */
  handshakeFailures(): string[];
  dispose(): Promise<void>;
}

async function realSide(): Promise<Side> {
  const bin = mkdtempSync(join(tmpdir(), 'fidelity-sbin-'));
  const log = join(bin, 'calls.log');
  writeFileSync(log, '');
  writeFileSync(join(bin, 'crm_attribute'), `#!/bin/sh\necho "$OCF_RESOURCE_INSTANCE $*" >> ${log}\n`);
  chmodSync(join(bin, 'crm_attribute'), 0o755);
  const d = await startRealDaemon({ env: { HA_SBIN_DIR: bin } });
  return {
    kind: 'real',
    port: d.port,
    key: d.key,
    attributeCalls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
    handshakeFailures: () => d.log().split('\n').filter((l) => l.includes('TLS handshake with remote client failed')),
    dispose: async () => {
      await d.dispose();
      rmSync(bin, { recursive: true, force: true });
    },
  };
}

async function simSide(options: Partial<SimulatedDaemonOptions> = {}): Promise<Side> {
  const key = randomBytes(256);
  const s = await SimulatedRemoteDaemon.start({ key, nodeName: hostname(), ...options });
  const calls: string[] = [];
  const failures: string[] = [];
  s.promotionScoreHook = (resource, score) => calls.push(`${resource} --promotion ${score === undefined ? '-D' : `-v ${score}`}`);
  s.on('handshake-failed', (info) => failures.push(info.reason));
  return { kind: 'sim', port: s.port, key, attributeCalls: () => calls, handshakeFailures: () => failures, dispose: () => s.stop() };
}

async function both<T>(fn: (side: Side, clients: RawClient[]) => Promise<T>, sim: () => Promise<Side> = simSide): Promise<{ real: T; sim: T }> {
  return onEachSide([realSide, sim], fn);
}

interface OpResult {
  action: string;
  rc: string | undefined;
  status: string | undefined;
  reason: string | undefined;
  output: string | undefined;
  execMs: number;
  queueMs: number;
}

/** A registered client with helpers to register resources and run one op to completion. */
async function agentClient(side: Side, clients: RawClient[]) {
  const { c } = await connectAndRegister({ port: side.port, key: side.key, name: 'fidelity' });
  clients.push(c);
  const register = (id: string, type: string) => c.call(registerResourceRequest({ id, standard: 'ocf', provider: 'pacemaker', type }, 0));
  const run = async (id: string, action: string, params: Record<string, string> = {}, timeoutMs = 20_000): Promise<OpResult> => {
    const reply = await c.call(execRequest({ resource: id, action, timeoutMs, params, callOptions: 0 }));
    const callId = reply.attrs.lrmd_callid;
    const n: XmlElement = await c.waitFor(
      (m) => m.attrs.lrmd_op === 'lrmd_rsc_exec' && m.attrs.lrmd_callid === callId && m.attrs.lrmd_rsc_action === action,
      timeoutMs + 10_000,
      `${action} result`,
    );
    const a = n.attrs;
    return {
      action,
      rc: a.lrmd_exec_rc,
      status: a.lrmd_exec_op_status,
      reason: a.lrmd_rsc_exit_reason,
      output: a.lrmd_rsc_output,
      execMs: Number(a.lrmd_exec_time),
      queueMs: Number(a.lrmd_queue_time),
    };
  };
  return { c, register, run };
}

const shape = ({ action, rc, status, reason, output }: OpResult) => ({ action, rc, status, reason, output });
const rid = (what: string) => `fid-${what}-${randomBytes(4).toString('hex')}`;

describe('simulator fidelity vs real pacemaker-remoted 2.1.5', function () {
  this.timeout(120_000);

  it('an op past its timeout: rc 1, status 2 (timed out), exit reason "Resource agent did not complete within <N>"', async () => {
    const r = await both(async (side, clients) => {
      const { register, run } = await agentClient(side, clients);
      const id = rid('timeout');
      await register(id, 'Dummy');
      const out = [
        await run(id, 'start', { op_sleep: '3' }, 1500),
        await run(id, 'stop'), // clears the marker the killed start left
        await run(id, 'start', { op_sleep: '3' }, 1000),
        await run(id, 'stop'),
        await run(id, 'monitor', { op_sleep: '3' }, 2500),
        await run(id, 'start', { op_sleep: '1' }), // collides with the marker, yet starts (rc 0)
        await run(id, 'stop'),
      ];
      return out.map(shape);
    });
    expect(r.sim).to.deep.equal(r.real);
    expect(r.real[0]).to.include({ rc: '1', status: '2', reason: 'Resource agent did not complete within 1.500s' });
    expect(r.real[2]?.reason).to.equal('Resource agent did not complete within 1000ms');
    expect(r.real[4]?.reason).to.equal('Resource agent did not complete within 2.500s');
    expect(r.real[5]).to.include({ rc: '0', status: '0', reason: 'alternate universe collision' });
  });

  it('ocf:pacemaker:Dummy: fail_start_on, op_sleep (and its serialization marker), validate-all, passwd/fake, unknown actions', async () => {
    const node = hostname();
    const r = await both(async (side, clients) => {
      const { register, run } = await agentClient(side, clients);
      const id = rid('dummy');
      await register(id, 'Dummy');
      const steps = [
        await run(id, 'monitor'),
        await run(id, 'start', { fail_start_on: node }),
        await run(id, 'monitor'),
        await run(id, 'start', { fail_start_on: node }),
        await run(id, 'reload-agent', { fail_start_on: 'elsewhere', fake: 'changed', passwd: 'secret' }),
        await run(id, 'migrate_from', { fail_start_on: node }),
        await run(id, 'reload'),
        await run(id, 'stop'),
        await run(id, 'monitor'),
        await run(id, 'start', { op_sleep: '2' }, 1000), // times out, leaves the marker
        await run(id, 'monitor', { op_sleep: '1' }), // the marker: "alternate universe collision"
        await run(id, 'stop', { op_sleep: '1' }), // stop ignores and clears the marker
        await run(id, 'monitor', { op_sleep: '1' }),
        await run(id, 'monitor', { op_sleep: 'abc' }),
        await run(id, 'validate-all', { op_sleep: 'abc' }),
        await run(id, 'validate-all', { op_sleep: '5' }),
        await run(id, 'promote'),
        await run(id, 'stop'),
      ];
      return steps.map(shape);
    });
    expect(r.sim).to.deep.equal(r.real);
    expect(r.real.map((s) => s.rc)).to.deep.equal(['7', '1', '0', '1', '0', '1', '0', '0', '7', '1', '1', '0', '7', '7', '6', '0', '3', '0']);
  });

  it('ocf:pacemaker:Dummy envfile: every call dumps the same OCF environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidelity-env-'));
    try {
      const r = await both(async (side, clients) => {
        const { register, run } = await agentClient(side, clients);
        const id = `fid-envfile-${side.kind}`;
        const file = join(dir, side.kind);
        await register(id, 'Dummy');
        await run(id, 'monitor', { envfile: file, fake: 'f1' });
        await run(id, 'stop', { envfile: file });
        return readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('OCF_') || l.startsWith('###'))
          .map((l) => l.replace(side.kind, 'KIND').replace(/ @ .* ###$/, ' @ DATE ###'));
      });
      expect(r.sim).to.deep.equal(r.real);
      expect(r.real).to.include('OCF_RESKEY_fake=f1');
      expect(r.real.filter((l) => l.startsWith('### '))).to.deep.equal(['### monitor @ DATE ###', '### stop @ DATE ###']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ocf:pacemaker:Stateful: start/promote/demote/stop results and the promotion scores it sets', async () => {
    let id = '';
    const r = await both(async (side, clients) => {
      const { register, run } = await agentClient(side, clients);
      id = rid('stateful');
      await register(id, 'Stateful');
      const steps = [];
      for (const action of ['monitor', 'promote', 'demote', 'start', 'start', 'monitor', 'promote', 'monitor', 'start', 'stop', 'demote', 'notify', 'stop', 'stop', 'monitor', 'reload-agent', 'bogus']) {
        steps.push(shape(await run(id, action)));
      }
      return { steps, scores: side.attributeCalls().map((l) => l.replace(id, 'RSC')) };
    });
    expect(r.sim).to.deep.equal(r.real);
    expect(r.real.steps.map((s) => s.rc)).to.deep.equal(['7', '7', '7', '0', '0', '0', '0', '8', '8', '8', '0', '0', '0', '0', '7', '0', '3']);
    expect(r.real.scores).to.include('RSC --promotion -v 10');
  });

  it('exec-time close to the real agent, queue-time 0; exec-time is configurable', async () => {
    const r = await both(async (side, clients) => {
      const { register, run } = await agentClient(side, clients);
      const id = rid('timing');
      await register(id, 'Dummy');
      const times: OpResult[] = [];
      times.push(await run(id, 'start'));
      for (let i = 0; i < 6; i++) times.push(await run(id, 'monitor'));
      times.push(await run(id, 'stop'));
      return times;
    });
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? -1;
    for (const side of [r.real, r.sim]) {
      // an op on an idle resource starts at once; a loaded machine may add a millisecond or two
      expect(side.map((t) => t.queueMs)).to.satisfy((q: number[]) => q.every((x) => x <= 3));
      // agent-like run times (a fork and exec of a shell script), whatever the machine's load
      expect(median(side.map((t) => t.execMs))).to.be.within(3, 200);
    }
    const slow = await simSide({ agentRunTimeMs: 150 });
    const clients: RawClient[] = [];
    try {
      const { register, run } = await agentClient(slow, clients);
      await register('slow', 'Dummy');
      expect((await run('slow', 'start')).execMs).to.be.within(150, 600);
    } finally {
      for (const c of clients) c.close();
      await slow.dispose();
    }
  });

  it('DHE-PSK offers a 2048-bit group; an aborted handshake is reported (log line / handshake-failed)', async () => {
    const r = await both(async (side) => {
      const hello = await probeServerHello({ host: '127.0.0.1', port: side.port, timeoutMs: 5000 });
      await sleep(300);
      return { suite: hello.suite, dhBits: hello.dhBits, failures: side.handshakeFailures().length };
    });
    expect(r.sim).to.deep.equal(r.real);
    expect(r.real).to.deep.equal({ suite: 'TLS_DHE_PSK_WITH_AES_256_GCM_SHA384', dhBits: 2048, failures: 1 });
  });
});
