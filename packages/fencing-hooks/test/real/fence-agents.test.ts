/**
 * FenceAgentFencer against a real agent of Debian's fence-agents package: fence_dummy, which needs no
 * device (its "power state" is a status file). Fails (never skips) when the package is missing:
 * `bash scripts/ensure-real-daemon.sh` installs it as root.
 */
import { expect } from 'chai';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FenceAgentFencer, FencingCoordinator, FencingError, FencingErrorCodes, type FenceRequest } from '../../src/index.js';
import { FakeManager } from '../support/fake-manager.js';

const AGENT = '/usr/sbin/fence_dummy';

function request(over: Partial<FenceRequest> = {}): FenceRequest {
  return { target: 'remote1', action: 'reboot', reason: 'test', executor: 'node1', kind: 'remote', timeoutMs: 15_000, signal: new AbortController().signal, attempt: 1, ...over };
}

describe('FenceAgentFencer with Debian fence-agents (fence_dummy)', function () {
  this.timeout(30_000);
  let dir: string;
  let statusFile: string;
  // fence_dummy has no port parameter: as Pacemaker learns from its metadata, the target goes only as nodename.
  const dummy = (params: Record<string, string | number> = {}) =>
    new FenceAgentFencer({ agent: 'fence_dummy', hostArgument: 'none', params: { status_file: statusFile, ...params } });

  before(() => {
    try {
      accessSync(AGENT, constants.X_OK);
    } catch {
      throw new Error(`${AGENT} is missing: install Debian's fence-agents (bash scripts/ensure-real-daemon.sh does it as root)`);
    }
    dir = mkdtempSync(join(tmpdir(), 'fence-dummy-'));
    statusFile = join(dir, 'power.status');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => writeFileSync(statusFile, 'on')); // the dummy device's node is powered on

  it('metadata: the agent answers on stdin with its XML description', async () => {
    const result = await dummy().run('metadata');
    expect(result.exitCode).to.equal(0);
    expect(result.stdout).to.contain('<resource-agent name="fence_dummy"');
    expect(result.stdout).to.contain('name="status_file"');
  });

  it('monitor succeeds without a target', async () => {
    await dummy().monitor();
  });

  it('off, status, reboot and on change the dummy power state', async () => {
    const f = dummy();
    await f.fence(request({ action: 'off' }));
    expect(readFileSync(statusFile, 'utf8')).to.equal('off');
    const status = await f.run('status', { target: 'remote1' });
    expect(status.exitCode).to.equal(2); // fence-agents: 2 = off
    await f.fence(request({ action: 'reboot' }));
    expect(readFileSync(statusFile, 'utf8')).to.equal('on');
    expect((await f.run('status', { target: 'remote1' })).exitCode).to.equal(0);
  });

  it('list is refused by an agent without ports (exit 1, reported as AGENT_FAILED)', async () => {
    const err = (await dummy().list().catch((e: unknown) => e)) as FencingError;
    expect(err).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.AGENT_FAILED);
    expect(err.details.stderr).to.match(/Unrecognised action 'list'/);
  });

  it('a device that never powers off fails with the agent exit code', async () => {
    const err = (await dummy({ type: 'fail', power_timeout: 1 }).fence(request({ action: 'off' })).catch((e: unknown) => e)) as FencingError;
    expect(err).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.AGENT_FAILED);
    expect(err.details.exitCode).to.equal(1);
    expect(err.details.stderr).to.contain('Timed out waiting to power OFF');
  });

  it('a coordinator fences a lost remote node through fence_dummy and then lets it reconnect', async () => {
    const manager = new FakeManager().add('remote1', { state: 'up' });
    const coordinator = new FencingCoordinator({ manager, fencer: dummy(), executor: 'node1', policy: { action: 'off' } });
    try {
      const done = new Promise((resolve) => coordinator.once('fence-succeeded', resolve));
      manager.down('remote1', 'connection-lost');
      expect(manager.held('remote1')).to.equal(true);
      await done;
      expect(readFileSync(statusFile, 'utf8')).to.equal('off');
      expect(coordinator.history('remote1')[0]).to.include({ fencer: 'fence_dummy', result: 'success', action: 'off' });
      expect(manager.held('remote1')).to.equal(false);
      expect(manager.state('remote1')).to.equal('up');
    } finally {
      await coordinator.close();
    }
  });
});
