import { expect } from 'chai';
import fc from 'fast-check';
import { copyFileSync, chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CallbackFencer,
  FenceAgentFencer,
  FencingCoordinator,
  FencingError,
  FencingErrorCodes,
  StonithAdminFencer,
  type FenceRequest,
} from '../src/index.js';
import { buildAgentStdin } from '../src/internal.js';
import { FakeManager } from './support/fake-manager.js';

const fixtures = join(import.meta.dirname, 'fixtures');

function request(over: Partial<FenceRequest> = {}): FenceRequest {
  return {
    target: 'remote1',
    action: 'reboot',
    reason: 'test',
    executor: 'node1',
    kind: 'remote',
    timeoutMs: 5000,
    signal: new AbortController().signal,
    attempt: 1,
    ...over,
  };
}

/** True while `pid` runs. A killed orphan may linger as a zombie until init reaps it: that counts as dead. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, ms = 1000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'fencing-hooks-'));
  for (const f of ['fence_recorder', 'stonith_admin']) {
    copyFileSync(join(fixtures, f), join(dir, f));
    chmodSync(join(dir, f), 0o755);
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('buildAgentStdin (Pacemaker make_args)', () => {
  it('writes action, nodename, the host argument and the device parameters as name=value lines', () => {
    const text = buildAgentStdin('reboot', 'remote1', { params: { ip: '10.0.0.5', lanplus: true, power_wait: 4 } });
    expect(text).to.equal('action=reboot\nnodename=remote1\nplug=remote1\nip=10.0.0.5\nlanplus=1\npower_wait=4\n');
  });

  it('follows hostArgument, hostMap, "dynamic", a fixed port, none, and actionMap', () => {
    expect(buildAgentStdin('off', 'remote1', { hostArgument: 'port', hostMap: { remote1: 'outlet-7' } })).to.equal(
      'action=off\nnodename=remote1\nport=outlet-7\n',
    );
    expect(buildAgentStdin('off', 'remote1', { params: { port: 'dynamic' }, hostArgument: 'port' })).to.equal(
      'action=off\nnodename=remote1\nport=remote1\n',
    );
    expect(buildAgentStdin('off', 'remote1', { params: { plug: '3' } })).to.equal('action=off\nnodename=remote1\nplug=3\n');
    expect(buildAgentStdin('reboot', 'remote1', { hostArgument: 'none', actionMap: { reboot: 'off' } })).to.equal(
      'action=off\nnodename=remote1\n',
    );
    expect(buildAgentStdin('monitor', undefined, { params: { ip: 'x' } })).to.equal('action=monitor\nip=x\n');
  });

  it('any safe parameter value becomes exactly one line, byte for byte', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }).filter((s) => !/[\r\n\0]/.test(s)), (value) => {
        const lines = buildAgentStdin('status', undefined, { params: { secret: value } }).split('\n');
        expect(lines).to.deep.equal(['action=status', `secret=${value}`, '']);
      }),
    );
  });

  it('rejects values that would inject lines, reserved and malformed names, at construction', () => {
    for (const [params, what] of [
      [{ password: 'x\naction=off' }, 'newline'],
      [{ password: 'x\r' }, 'carriage return'],
      [{ password: 'x\0' }, 'NUL'],
      [{ action: 'off' }, 'action'],
      [{ nodename: 'x' }, 'nodename'],
      [{ pcmk_host_map: 'a:b' }, 'pcmk_*'],
      [{ 'bad name': 'x' }, 'space'],
      [{ '=x': 'x' }, 'equals'],
      [{ ip: { toString: () => 'x' } }, 'object value'],
    ] as const) {
      expect(() => new FenceAgentFencer({ agent: 'fence_ipmilan', params: params as never }), what)
        .to.throw(FencingError)
        .with.property('code', FencingErrorCodes.INVALID_PARAMETER);
    }
    for (const agent of ['ipmilan', '../fence_x', 'fence_x; rm -rf /', 'bin/fence_x']) {
      expect(() => new FenceAgentFencer({ agent }), agent).to.throw(FencingError).with.property('code', FencingErrorCodes.INVALID_ARGUMENT);
    }
    expect(() => buildAgentStdin('reboot', 'a\nb', {})).to.throw(FencingError);
  });
});

describe('FenceAgentFencer (test agent recording its stdin)', () => {
  const make = (params: Record<string, string | number | boolean> = {}, extra: object = {}) => {
    const record = join(dir, `rec-${Math.random().toString(36).slice(2)}`);
    const fencer = new FenceAgentFencer({
      agent: join(dir, 'fence_recorder'),
      params: { ipaddr: '192.0.2.10', login: 'admin', ...params },
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', FAKE_AGENT_RECORD: record },
      ...extra,
    });
    return { fencer, record, lines: () => readFileSync(record, 'utf8').trim().split('\n') };
  };

  it('passes everything on stdin (no argv) and succeeds on exit 0', async () => {
    const { fencer, record, lines } = make({ say: 'Success: Rebooted' });
    const outcome = await fencer.fence(request());
    expect(lines()).to.deep.equal(['action=reboot', 'nodename=remote1', 'plug=remote1', 'ipaddr=192.0.2.10', 'login=admin', 'say=Success: Rebooted']);
    expect(readFileSync(`${record}.argc`, 'utf8').trim()).to.equal('0');
    expect(outcome).to.deep.include({ exitCode: 0, device: 'fence_recorder' });
    expect(outcome.stdout).to.equal('Success: Rebooted\n');
  });

  it('never involves a shell: metacharacters arrive literally and run nothing', async () => {
    const marker = join(dir, 'pwned');
    const evil = `$(touch ${marker}); touch ${marker} | \`touch ${marker}\` && 'q' "dq" *`;
    const { fencer, lines } = make({ password: evil });
    await fencer.fence(request({ action: 'off' }));
    expect(lines()).to.include(`password=${evil}`);
    expect(existsSync(marker)).to.equal(false);
  });

  it('a non-zero exit is PCMK_FENCE_AGENT_FAILED with exit code and stderr', async () => {
    const { fencer } = make({ exit_code: 1, complain: 'Failed: Unable to connect' });
    const err = (await fencer.fence(request()).catch((e: unknown) => e)) as FencingError;
    expect(err).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.AGENT_FAILED);
    expect(err.details).to.include({ exitCode: 1, target: 'remote1', action: 'reboot' });
    expect(err.details.stderr).to.contain('Unable to connect');
    expect(err.message).to.contain('Failed: Unable to connect');
  });

  it('on timeout kills the agent and what it started (process group), PCMK_FENCE_TIMEOUT', async () => {
    const { fencer, record } = make({ sleep: 30 });
    const started = Date.now();
    const err = await fencer.fence(request({ timeoutMs: 300 })).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.TIMEOUT);
    expect(Date.now() - started).to.be.lessThan(3000);
    const pid = Number(readFileSync(`${record}.pid`, 'utf8'));
    const sleepPid = Number(readFileSync(`${record}.sleeppid`, 'utf8'));
    await eventually(() => !alive(pid) && !alive(sleepPid));
  });

  it('an abort through the request signal kills the agent too', async () => {
    const { fencer, record } = make({ sleep: 30 });
    const ac = new AbortController();
    const p = fencer.fence(request({ signal: ac.signal })).catch((e: unknown) => e);
    await eventually(() => existsSync(`${record}.sleeppid`) && readFileSync(`${record}.sleeppid`, 'utf8').length > 0, 3000);
    ac.abort();
    expect(await p).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.ABORTED);
    await eventually(() => !alive(Number(readFileSync(`${record}.sleeppid`, 'utf8'))));
  });

  it('a missing agent is PCMK_FENCE_AGENT_NOT_FOUND', async () => {
    const fencer = new FenceAgentFencer({ agent: 'fence_does_not_exist', agentDir: dir });
    expect(fencer.agentPath).to.equal(join(dir, 'fence_does_not_exist'));
    const err = await fencer.fence(request()).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.AGENT_NOT_FOUND);
  });

  it('monitor() and list() speak the same protocol without a target', async () => {
    const { fencer, lines } = make();
    await fencer.monitor();
    expect(lines()).to.deep.equal(['action=monitor', 'ipaddr=192.0.2.10', 'login=admin']);
    expect(await fencer.list()).to.deep.equal([
      { port: 'port1', alias: 'alias1' },
      { port: 'port2', alias: 'alias2' },
    ]);
    const bad = make({ exit_code: 1 });
    expect(await bad.fencer.monitor().catch((e: unknown) => e)).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.AGENT_FAILED);
  });

  it('drives a coordinator end to end: a lost node is fenced through the agent, with retries', async () => {
    const { fencer, lines } = make({ exit_code: 1 });
    const manager = new FakeManager().add('remote1', { state: 'up' });
    const coordinator = new FencingCoordinator({ manager, fencer, executor: 'node1', policy: { retries: 1, retryDelayMs: 5 } });
    try {
      const err = await coordinator.fence('remote1').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.AGENT_FAILED);
      expect(coordinator.history('remote1')[0]).to.include({ attempts: 2, result: 'failed', fencer: 'fence_recorder' });
      expect(lines()[0]).to.equal('action=reboot');
    } finally {
      await coordinator.close();
    }
  });
});

describe('StonithAdminFencer (stand-in stonith_admin on PATH)', () => {
  const make = (env: Record<string, string> = {}, options: object = {}) => {
    const record = join(dir, `sa-${Math.random().toString(36).slice(2)}`);
    const fencer = new StonithAdminFencer({
      env: { PATH: `${dir}:${process.env['PATH'] ?? '/usr/sbin:/usr/bin:/bin'}`, FAKE_STONITH_RECORD: record, ...env },
      ...options,
    });
    return { fencer, record, args: () => readFileSync(record, 'utf8').trim().split('\n') };
  };

  it('runs stonith_admin --reboot NODE --timeout S --tag pcmk-remote, found through PATH', async () => {
    const { fencer, args } = make();
    await fencer.fence(request({ timeoutMs: 60_000 }));
    expect(args()).to.deep.equal(['--reboot', 'remote1', '--timeout', '60', '--tag', 'pcmk-remote']);
  });

  it('maps off/on to --fence/--unfence and passes tolerance and delay', async () => {
    const { fencer, args } = make({}, { tag: null, toleranceSec: 30, delaySec: 2 });
    await fencer.fence(request({ action: 'off', timeoutMs: 1500 }));
    expect(args()).to.deep.equal(['--fence', 'remote1', '--timeout', '1', '--tolerance', '30', '--delay', '2']);
    await fencer.fence(request({ action: 'on', target: 'guest-7.example.com' }));
    expect(args().slice(0, 2)).to.deep.equal(['--unfence', 'guest-7.example.com']);
  });

  it('a failing stonith_admin is PCMK_FENCE_AGENT_FAILED; exit 124 is PCMK_FENCE_TIMEOUT', async () => {
    const failing = make({ FAKE_STONITH_EXIT: '1', FAKE_STONITH_STDERR: 'Command failed: No such device' });
    const err = (await failing.fencer.fence(request()).catch((e: unknown) => e)) as FencingError;
    expect(err).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.AGENT_FAILED);
    expect(err.message).to.contain('No such device');
    expect(err.details.exitCode).to.equal(1);
    const timedOut = make({ FAKE_STONITH_EXIT: '124' });
    expect(await timedOut.fencer.fence(request()).catch((e: unknown) => e)).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.TIMEOUT);
  });

  it('a hanging stonith_admin is killed when the attempt times out', async () => {
    const { fencer, record } = make({ FAKE_STONITH_SLEEP: '30' });
    const err = await fencer.fence(request({ timeoutMs: 300 })).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.TIMEOUT);
    await eventually(() => !alive(Number(readFileSync(`${record}.sleeppid`, 'utf8'))));
  });

  it('validates options and targets', () => {
    expect(() => new StonithAdminFencer({ tag: 'bad tag' })).to.throw(FencingError);
    expect(() => new StonithAdminFencer({ toleranceSec: -1 })).to.throw(FencingError);
    const { fencer } = make();
    expect(() => fencer.args({ target: '--help', action: 'reboot', timeoutMs: 1000 })).to.throw(FencingError);
  });

  it('drives a coordinator end to end', async () => {
    const { fencer, args } = make();
    const manager = new FakeManager().add('remote1', { state: 'up' });
    const coordinator = new FencingCoordinator({ manager, fencer, executor: 'node1', policy: { timeoutMs: 10_000 } });
    try {
      const done = new Promise((resolve) => coordinator.once('fence-succeeded', resolve));
      manager.down('remote1', 'monitor-timeout');
      await done;
      expect(args().slice(0, 4)).to.deep.equal(['--reboot', 'remote1', '--timeout', '10']);
      expect(manager.reconnectCalls).to.deep.equal(['remote1']);
    } finally {
      await coordinator.close();
    }
  });
});

describe('CallbackFencer', () => {
  it('passes the request through and propagates failures', async () => {
    const seen: string[] = [];
    const ok = new CallbackFencer((r) => void seen.push(`${r.action} ${r.target}`), { name: 'cb' });
    expect(ok.name).to.equal('cb');
    await ok.fence(request());
    expect(seen).to.deep.equal(['reboot remote1']);
    const bad = new CallbackFencer(() => {
      throw new Error('x');
    });
    expect(await bad.fence(request()).catch((e: unknown) => (e as Error).message)).to.equal('x');
    expect(() => new CallbackFencer(42 as never)).to.throw(FencingError);
  });
});
