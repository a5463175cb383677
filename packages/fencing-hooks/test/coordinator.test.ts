import { expect } from 'chai';
import {
  CallbackFencer,
  FencingCoordinator,
  FencingError,
  FencingErrorCodes,
  type FenceFailedEvent,
  type FenceRequest,
  type FenceRequestedEvent,
  type FenceSkippedEvent,
  type FenceSucceededEvent,
  type FencingPolicyOptions,
  type FencingCoordinatorOptions,
} from '../src/index.js';
import { FakeManager, once, sleep } from './support/fake-manager.js';

/** Polls `cond` every 5 ms until it holds; throws after `timeoutMs`. */
async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`condition not reached within ${timeoutMs} ms`);
    await sleep(5);
  }
}

type Behaviour = (req: FenceRequest) => Promise<void> | void;

interface Rig {
  manager: FakeManager;
  fc: FencingCoordinator;
  calls: FenceRequest[];
  events: Array<[string, unknown]>;
  setBehaviour(fn: Behaviour): void;
}

const rigs: Rig[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

function rig(policy: FencingPolicyOptions = {}, extra: Partial<FencingCoordinatorOptions> = {}, nodes?: (m: FakeManager) => void): Rig {
  const manager = new FakeManager();
  if (nodes) nodes(manager);
  else
    manager
      .add('remote1', { state: 'up' })
      .add('remote2', { state: 'up', reconnectIntervalMs: 30 })
      .add('guest1', { kind: 'guest', state: 'up', containerResource: 'vm-guest1' });
  const calls: FenceRequest[] = [];
  let behaviour: Behaviour = () => undefined;
  const fencer = new CallbackFencer(
    (req) => {
      calls.push(req);
      return behaviour(req);
    },
    { name: 'test-fencer' },
  );
  const fc = new FencingCoordinator({
    manager,
    fencer,
    executor: 'node1',
    policy: { retryDelayMs: 5, timeoutMs: 500, ...policy },
    ...extra,
  });
  const events: Array<[string, unknown]> = [];
  for (const e of ['fence-requested', 'fence-succeeded', 'fence-failed', 'fence-skipped'] as const) {
    fc.on(e, (payload: unknown) => {
      events.push([e, payload]);
      manager.log.push(`${e} ${(payload as { target: string }).target}`);
    });
  }
  const r: Rig = { manager, fc, calls, events, setBehaviour: (fn) => (behaviour = fn) };
  rigs.push(r);
  return r;
}

const ofType = <T>(r: Rig, type: string) => r.events.filter(([t]) => t === type).map(([, p]) => p as T);

describe('FencingCoordinator (fake manager)', () => {
  before(() => process.on('unhandledRejection', onUnhandled));
  after(() => process.off('unhandledRejection', onUnhandled));
  afterEach(async () => {
    for (const r of rigs.splice(0)) {
      await r.fc.close({ releaseHolds: true });
      r.manager.dispose();
      expect(r.manager.listenerTotal(), 'coordinator listeners left on the manager').to.equal(0);
    }
    expect(unhandled, 'unhandled rejections').to.deep.equal([]);
  });

  describe('executor', () => {
    it('refuses a remote or guest node as executor', () => {
      const manager = new FakeManager().add('remote1', { state: 'up' }).add('guest1', { kind: 'guest' });
      const fencer = new CallbackFencer(() => undefined);
      for (const executor of ['remote1', 'guest1']) {
        expect(() => new FencingCoordinator({ manager, fencer, executor }))
          .to.throw(FencingError)
          .with.property('code', FencingErrorCodes.INVALID_EXECUTOR);
      }
      expect(manager.listenerTotal()).to.equal(0);
    });

    it('refuses an executor that is not one of clusterNodes, accepts one that is', () => {
      const manager = new FakeManager().add('remote1');
      const fencer = new CallbackFencer(() => undefined);
      expect(() => new FencingCoordinator({ manager, fencer, executor: 'node9', clusterNodes: ['node1', 'node2'] }))
        .to.throw(FencingError)
        .with.property('code', FencingErrorCodes.INVALID_EXECUTOR);
      const fc = new FencingCoordinator({ manager, fencer, executor: 'node2', clusterNodes: ['node1', 'node2'] });
      void fc.close();
    });

    it('refuses to fence when the executor has since become a remote node of the manager', async () => {
      const r = rig();
      r.manager.add('node1', { state: 'up' });
      const err = await r.fc.fence('remote1').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.INVALID_EXECUTOR);
      expect(r.calls).to.have.length(0);
    });

    it('rejects invalid arguments with typed errors', async () => {
      const r = rig();
      for (const [target, opts, code] of [
        ['', {}, FencingErrorCodes.INVALID_ARGUMENT],
        ['-x', {}, FencingErrorCodes.INVALID_ARGUMENT],
        ['remote1', { action: 'explode' }, FencingErrorCodes.INVALID_ARGUMENT],
        ['nobody', {}, FencingErrorCodes.UNKNOWN_TARGET],
      ] as const) {
        const err = await r.fc.fence(target, opts as never).catch((e: unknown) => e);
        expect(err, target).to.be.instanceOf(FencingError).with.property('code', code);
      }
      expect(() => rig({ graceMs: -1 })).to.throw(FencingError).with.property('code', FencingErrorCodes.INVALID_ARGUMENT);
    });
  });

  describe('loss of an established connection', () => {
    for (const reason of ['connection-lost', 'monitor-timeout', 'protocol-error'] as const) {
      it(`${reason}: holds reconnect at once, fences, then releases and reconnects a failed node`, async () => {
        const r = rig();
        let heldDuringFence = false;
        r.setBehaviour(() => {
          heldDuringFence = r.manager.held('remote1');
        });
        const done = once<FenceSucceededEvent>(r.fc, 'fence-succeeded');
        r.manager.down('remote1', reason);
        expect(r.manager.held('remote1'), 'hold taken synchronously on node-down').to.equal(true);
        expect(r.fc.status('remote1')?.state).to.equal('fencing');
        const ok = await done;
        expect(heldDuringFence).to.equal(true);
        expect(ok).to.include({ target: 'remote1', action: 'reboot', origin: 'loss', result: 'success', executor: 'node1', fencer: 'test-fencer', attempts: 1 });
        const req = ofType<FenceRequestedEvent>(r, 'fence-requested')[0]!;
        expect(req).to.include({ target: 'remote1', nodeDownReason: reason, origin: 'loss', kind: 'remote' });
        expect(r.calls[0]).to.include({ target: 'remote1', action: 'reboot', executor: 'node1', kind: 'remote', attempt: 1 });
        expect(r.manager.held('remote1')).to.equal(false);
        expect(r.manager.reconnectCalls).to.deep.equal(['remote1']); // reconnect_interval 0 → failed → reconnect now
        expect(r.manager.upWhileHeld).to.equal(0);
        const log = r.manager.log;
        expect(log.indexOf('fence-succeeded remote1')).to.be.lessThan(log.indexOf('up remote1'));
        expect(r.fc.status('remote1')).to.include({ state: 'clean', held: false, established: true });
      });
    }

    it('with reconnect_interval: the node stays down until fenced, then reconnects on the manager schedule (no reconnectNode)', async () => {
      const r = rig({}, {});
      let release!: () => void;
      r.setBehaviour(() => new Promise<void>((res) => (release = res)));
      r.manager.down('remote2', 'connection-lost');
      // The fake's 30 ms interval has run out (an event, not a fixed sleep): only the hold keeps it down.
      await until(() => r.manager.state('remote2') === 'waiting-due');
      expect(r.manager.state('remote2')).to.equal('waiting-due');
      expect(r.manager.upWhileHeld).to.equal(0);
      const up = once(r.manager, 'node-up');
      release();
      await up;
      expect(r.manager.reconnectCalls).to.deep.equal([]);
      expect(r.manager.log.indexOf('fence-succeeded remote2')).to.be.lessThan(r.manager.log.indexOf('up remote2'));
    });

    it('does not fence on takeover by default; does with fenceOnTakeover', async () => {
      const r = rig();
      r.manager.down('remote1', 'takeover');
      expect(ofType<FenceSkippedEvent>(r, 'fence-skipped')).to.deep.include.members([
        { target: 'remote1', reason: 'takeover', at: ofType<FenceSkippedEvent>(r, 'fence-skipped')[0]!.at, nodeDownReason: 'takeover' },
      ]);
      expect(r.manager.held('remote1')).to.equal(false);
      const r2 = rig({ fenceOnTakeover: true });
      const done = once<FenceSucceededEvent>(r2.fc, 'fence-succeeded');
      r2.manager.down('remote1', 'takeover');
      expect((await done).target).to.equal('remote1');
    });

    it('ignores start failures (connect-timeout, refused, auth-failed): nothing was established', () => {
      const r = rig();
      for (const reason of ['connect-timeout', 'refused', 'auth-failed'] as const) r.manager.down('remote1', reason);
      expect(r.events).to.deep.equal([]);
      expect(r.manager.held('remote1')).to.equal(false);
    });

    it('does not fence a node whose connection was never established', () => {
      const r = rig({}, {}, (m) => m.add('remote1', { state: 'connecting' }));
      r.manager.down('remote1', 'connection-lost');
      expect(ofType<FenceSkippedEvent>(r, 'fence-skipped').map((e) => e.reason)).to.deep.equal(['not-established']);
      expect(r.calls).to.have.length(0);
    });

    it('with fencing disabled (stonith-enabled=false): skips and takes no hold', () => {
      const r = rig({ enabled: false });
      r.manager.down('remote1', 'connection-lost');
      expect(ofType<FenceSkippedEvent>(r, 'fence-skipped').map((e) => e.reason)).to.deep.equal(['fencing-disabled']);
      expect(r.manager.held('remote1')).to.equal(false);
    });
  });

  describe('graceful shutdown', () => {
    it('never fences a node that goes away with reason shutdown or stopped', () => {
      const r = rig();
      r.manager.down('remote1', 'shutdown');
      r.manager.down('remote2', 'stopped');
      expect(ofType<FenceSkippedEvent>(r, 'fence-skipped').map((e) => [e.target, e.reason])).to.deep.equal([
        ['remote1', 'graceful-shutdown'],
        ['remote2', 'graceful-shutdown'],
      ]);
      expect(r.calls).to.have.length(0);
      expect(r.manager.held('remote1') || r.manager.held('remote2')).to.equal(false);
    });

    it('never fences a node whose shutdown was acked, even if its TLS then drops as a loss', () => {
      const r = rig();
      r.manager.shutdownRequest('remote1');
      r.manager.down('remote1', 'connection-lost');
      expect(ofType<FenceSkippedEvent>(r, 'fence-skipped').map((e) => e.reason)).to.deep.equal(['graceful-shutdown']);
      expect(r.calls).to.have.length(0);
    });

    it('a shutdown request only covers that connection: after a new node-up, a loss is fenced again', async () => {
      const r = rig();
      r.manager.shutdownRequest('remote1');
      r.manager.down('remote1', 'shutdown');
      r.manager.up('remote1');
      const done = once(r.fc, 'fence-succeeded');
      r.manager.down('remote1', 'connection-lost');
      await done;
      expect(r.calls).to.have.length(1);
    });
  });

  describe('graceMs', () => {
    it('default (hold during the grace): the node cannot come back; fenced after the grace', async () => {
      const r = rig({ graceMs: 40 });
      r.manager.down('remote2', 'connection-lost'); // interval 30 ms < grace
      expect(r.manager.held('remote2')).to.equal(true);
      expect(r.fc.status('remote2')?.state).to.equal('unclean');
      await sleep(20);
      expect(r.calls).to.have.length(0);
      await once(r.fc, 'fence-succeeded');
      expect(r.manager.upWhileHeld).to.equal(0);
      expect(r.manager.state('remote2')).to.equal('up'); // interval elapsed during the hold: up right after release
      expect(r.manager.log.indexOf('fence-succeeded remote2')).to.be.lessThan(r.manager.log.indexOf('up remote2'));
    });

    it('reconnectDuringGrace: a node-up within the grace cancels the fence (recovered)', async () => {
      const r = rig({ graceMs: 100, reconnectDuringGrace: true });
      r.manager.down('remote2', 'connection-lost'); // fake reconnects after 30 ms: no hold
      // a control loss with the same grace, started after remote2's: remote1 (interval 0) never comes
      // back, so its grace runs out and it is fenced. Its grace timer fires after remote2's would have,
      // so once it is fenced remote2's fence would have been requested too, had the node-up not cancelled it
      r.manager.down('remote1', 'connection-lost');
      expect(r.manager.held('remote2')).to.equal(false);
      await once(r.manager, 'node-up');
      expect(ofType<FenceSkippedEvent>(r, 'fence-skipped').map((e) => e.reason)).to.deep.equal(['recovered']);
      await once(r.fc, 'fence-succeeded');
      expect(r.calls.map((c) => c.target)).to.deep.equal(['remote1']);
      expect(ofType<FenceRequestedEvent>(r, 'fence-requested').map((e) => e.target)).to.deep.equal(['remote1']);
      expect(r.fc.status('remote2')?.state).to.equal('clean');
    });

    it('reconnectDuringGrace: no recovery within the grace → hold, then fence', async () => {
      const r = rig({ graceMs: 30, reconnectDuringGrace: true });
      r.manager.down('remote1', 'connection-lost'); // interval 0: failed, no automatic reconnect
      expect(r.manager.held('remote1')).to.equal(false);
      await once(r.fc, 'fence-requested');
      expect(r.manager.held('remote1')).to.equal(true);
      await once(r.fc, 'fence-succeeded');
      expect(r.manager.reconnectCalls).to.deep.equal(['remote1']);
    });
  });

  describe('flapping', () => {
    it('each loss of an established connection is fenced once, before the node comes back', async () => {
      const r = rig();
      r.setBehaviour(() => sleep(10));
      for (let i = 0; i < 5; i++) {
        const done = once(r.fc, 'fence-succeeded');
        r.manager.down('remote1', 'connection-lost');
        r.manager.down('remote1', 'connection-lost'); // duplicate while fencing: ignored
        await done; // reconnectNode brings it up again
        expect(r.manager.state('remote1')).to.equal('up');
      }
      expect(r.calls).to.have.length(5);
      expect(r.manager.upWhileHeld).to.equal(0);
      expect(r.fc.history('remote1')).to.have.length(5);
      expect(ofType<FenceSkippedEvent>(r, 'fence-skipped').every((e) => e.reason === 'already-unclean')).to.equal(true);
    });

    it('a stale connection dropping after the fence (before any node-up) is not fenced again', async () => {
      const r = rig({ reconnectAfterFence: false });
      const done = once(r.fc, 'fence-succeeded');
      r.manager.down('remote1', 'monitor-timeout');
      await done;
      r.manager.down('remote1', 'connection-lost');
      expect(r.calls).to.have.length(1);
      expect(ofType<FenceSkippedEvent>(r, 'fence-skipped').map((e) => e.reason)).to.deep.equal(['not-established']);
    });
  });

  describe('one operation per target', () => {
    it('concurrent requests join the running operation', async () => {
      const r = rig();
      r.setBehaviour(() => sleep(30));
      const all = await Promise.all([r.fc.fence('remote1'), r.fc.fence('remote1', { reason: 'again' }), r.fc.fence('remote1', { action: 'off' })]);
      expect(r.calls).to.have.length(1);
      expect(new Set(all.map((e) => e.id)).size).to.equal(1);
      expect(ofType(r, 'fence-requested')).to.have.length(1);
    });

    it('a loss during a manual operation joins it; an incompatible request is BUSY', async () => {
      const r = rig();
      r.setBehaviour(() => sleep(30));
      const p = r.fc.fence('remote1');
      r.manager.down('remote1', 'connection-lost');
      const busy = await r.fc.fence('remote1', { action: 'on' }).catch((e: unknown) => e);
      expect(busy).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.BUSY);
      await p;
      expect(r.calls).to.have.length(1);
    });

    it('different targets are fenced in parallel', async () => {
      const r = rig();
      let running = 0;
      let peak = 0;
      r.setBehaviour(async () => {
        peak = Math.max(peak, ++running);
        await sleep(20);
        running--;
      });
      await Promise.all([r.fc.fence('remote1'), r.fc.fence('remote2')]);
      expect(peak).to.equal(2);
    });
  });

  describe('failures, retries, timeouts', () => {
    it('retries a failed attempt (bounded) and reports each failure', async () => {
      const r = rig({ retries: 2 });
      let n = 0;
      r.setBehaviour(() => {
        if (++n < 3) throw new Error(`device busy ${n}`);
      });
      const entry = await r.fc.fence('remote1');
      expect(entry).to.include({ result: 'success', attempts: 3 });
      const failed = ofType<FenceFailedEvent>(r, 'fence-failed');
      expect(failed.map((f) => [f.attempt, f.willRetry, f.final, f.error.code])).to.deep.equal([
        [1, true, false, FencingErrorCodes.AGENT_FAILED],
        [2, true, false, FencingErrorCodes.AGENT_FAILED],
      ]);
    });

    it('after the final failure the node stays unclean and held; a later fence releases it', async () => {
      const r = rig({ retries: 1 });
      r.setBehaviour(() => {
        throw new FencingError(FencingErrorCodes.AGENT_FAILED, 'power switch unreachable');
      });
      const final = new Promise<FenceFailedEvent>((resolve) => r.fc.on('fence-failed', (e) => e.final && resolve(e)));
      r.manager.down('remote1', 'connection-lost');
      const f = await final;
      expect(f).to.include({ attempt: 2, willRetry: false, final: true });
      expect(f.entry).to.include({ result: 'failed', attempts: 2 });
      expect(f.entry?.error?.code).to.equal(FencingErrorCodes.AGENT_FAILED);
      expect(r.fc.status('remote1')).to.include({ state: 'fence-failed', held: true });
      expect(r.manager.held('remote1')).to.equal(true);
      expect(r.manager.reconnectCalls).to.deep.equal([]);
      r.manager.reconnectNode('remote1'); // the manager must not bring it up while held
      expect(r.manager.state('remote1')).to.equal('failed');

      r.setBehaviour(() => undefined);
      const ok = await r.fc.fence('remote1', { reason: 'operator retry' });
      expect(ok.result).to.equal('success');
      expect(r.manager.held('remote1')).to.equal(false);
      expect(r.manager.state('remote1')).to.equal('up');
      expect(r.fc.history('remote1').map((e) => e.result)).to.deep.equal(['failed', 'success']);
    });

    it('times out an attempt whose fencer never finishes, aborting its signal, and retries', async () => {
      const r = rig({ timeoutMs: 30, retries: 1 });
      const aborted: unknown[] = [];
      r.setBehaviour(
        (req) =>
          new Promise<void>(() => {
            req.signal.addEventListener('abort', () => aborted.push(req.signal.reason));
          }),
      );
      const err = await r.fc.fence('remote1').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.TIMEOUT);
      expect(r.calls).to.have.length(2);
      expect(aborted).to.have.length(2);
      expect(aborted[0]).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.TIMEOUT);
    });

    it('a failed manual fence of a clean node leaves it clean and releases the hold', async () => {
      const r = rig({ retries: 0 });
      r.setBehaviour(() => Promise.reject(new Error('nope')));
      const err = await r.fc.fence('remote1').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.AGENT_FAILED);
      expect(r.fc.status('remote1')).to.include({ state: 'clean', held: false });
    });

    it('a loss during a failing manual fence leaves the node unclean and held', async () => {
      const r = rig({ retries: 0 });
      r.setBehaviour(async () => {
        await sleep(10);
        throw new Error('nope');
      });
      const p = r.fc.fence('remote1').catch((e: unknown) => e);
      r.manager.down('remote1', 'connection-lost');
      await p;
      expect(r.fc.status('remote1')).to.include({ state: 'fence-failed', held: true });
    });

    it('the caller signal stops waiting, not the operation', async () => {
      const r = rig();
      r.setBehaviour(() => sleep(30));
      const ac = new AbortController();
      const p = r.fc.fence('remote1', { signal: ac.signal }).catch((e: unknown) => e);
      ac.abort();
      expect(await p).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.ABORTED);
      await once(r.fc, 'fence-succeeded');
    });
  });

  describe('guest nodes', () => {
    it('are recovered through restartContainer by default, not the fencer', async () => {
      const restarts: Array<{ target: string; containerResource: string | undefined; action: string }> = [];
      const r = rig({}, { restartContainer: (req) => void restarts.push({ target: req.target, containerResource: req.containerResource, action: req.action }) });
      const done = once<FenceSucceededEvent>(r.fc, 'fence-succeeded');
      r.manager.down('guest1', 'connection-lost');
      const entry = await done;
      expect(entry).to.include({ kind: 'guest', method: 'container-restart', fencer: 'restartContainer' });
      expect(restarts).to.deep.equal([{ target: 'guest1', containerResource: 'vm-guest1', action: 'reboot' }]);
      expect(r.calls).to.have.length(0);
    });

    it('without a hook: fails at once with PCMK_FENCE_NO_GUEST_HOOK (no retry), node stays held', async () => {
      const r = rig({ retries: 3 });
      const err = await r.fc.fence('guest1').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.NO_GUEST_HOOK);
      expect(ofType<FenceFailedEvent>(r, 'fence-failed')).to.have.length(1);
    });

    it("guestRecovery 'fencer' uses the fencer", async () => {
      const r = rig({ guestRecovery: 'fencer' });
      const entry = await r.fc.fence('guest1', { action: 'off' });
      expect(entry).to.include({ kind: 'guest', method: 'fencer', action: 'off' });
      expect(r.calls[0]).to.include({ target: 'guest1', kind: 'guest', action: 'off' });
    });
  });

  describe('history, confirm, close, robustness', () => {
    it('keeps who/when/action/result/duration per target, bounded', async () => {
      const r = rig({ historyLimit: 2 });
      r.setBehaviour(() => sleep(5));
      const before = Date.now();
      await r.fc.fence('remote1', { reason: 'one' });
      await r.fc.fence('remote1', { reason: 'two', action: 'off' });
      await r.fc.fence('remote1', { reason: 'three', action: 'on' });
      await r.fc.fence('remote2');
      const h = r.fc.history('remote1');
      expect(h.map((e) => [e.reason, e.action])).to.deep.equal([
        ['two', 'off'],
        ['three', 'on'],
      ]);
      for (const e of h) {
        expect(e).to.include({ executor: 'node1', fencer: 'test-fencer', result: 'success', origin: 'manual' });
        expect(e.requestedAt).to.be.at.least(before);
        expect(e.durationMs).to.be.at.least(4);
        expect(e.finishedAt - e.requestedAt).to.equal(e.durationMs);
      }
      expect(r.fc.history().map((e) => e.target)).to.deep.equal(['remote1', 'remote1', 'remote2']);
      expect(Object.isFrozen(h[0])).to.equal(true);
    });

    it("'on' (unfencing) takes no hold and does not change the node's state", async () => {
      const r = rig();
      let held = true;
      r.setBehaviour(() => void (held = r.manager.held('remote1')));
      await r.fc.fence('remote1', { action: 'on' });
      expect(held).to.equal(false);
      expect(r.manager.reconnectCalls).to.deep.equal([]);
    });

    it('confirm() marks an unfenceable node clean and releases it', async () => {
      const r = rig({ retries: 0 });
      r.setBehaviour(() => Promise.reject(new Error('no device')));
      const final = once(r.fc, 'fence-failed');
      r.manager.down('remote1', 'connection-lost');
      await final;
      await sleep(1);
      const entry = r.fc.confirm('remote1', 'checked the power cord');
      expect(entry).to.include({ method: 'manual-confirmation', origin: 'confirm', result: 'success' });
      expect(r.manager.held('remote1')).to.equal(false);
      expect(r.manager.state('remote1')).to.equal('up');
    });

    it('close() aborts running operations, keeps holds unless asked, and detaches', async () => {
      const r = rig();
      let sawAbort = false;
      r.setBehaviour(
        (req) =>
          new Promise<void>((_res, rej) => {
            req.signal.addEventListener('abort', () => {
              sawAbort = true;
              rej(req.signal.reason);
            });
          }),
      );
      const final = once<FenceFailedEvent>(r.fc, 'fence-failed');
      r.manager.down('remote1', 'connection-lost');
      const p = r.fc.fence('remote1').catch((e: unknown) => e); // joins
      await sleep(5);
      await r.fc.close();
      expect(sawAbort).to.equal(true);
      expect(await p).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.CLOSED);
      expect((await final).error.code).to.equal(FencingErrorCodes.CLOSED);
      expect(r.manager.held('remote1')).to.equal(true);
      expect(r.manager.listenerTotal()).to.equal(0);
      const after = await r.fc.fence('remote1').catch((e: unknown) => e);
      expect(after).to.be.instanceOf(FencingError).with.property('code', FencingErrorCodes.CLOSED);
      await r.fc.close({ releaseHolds: true }); // idempotent (holds stay: already closed)
    });

    it('close() cancels a pending grace timer', async () => {
      const r = rig({ graceMs: 30 });
      r.manager.down('remote1', 'connection-lost');
      await r.fc.close({ releaseHolds: true });
      await sleep(50);
      expect(r.calls).to.have.length(0);
      expect(r.manager.held('remote1')).to.equal(false);
    });

    it('a throwing event listener does not break the coordinator', async () => {
      const r = rig();
      r.fc.on('fence-requested', () => {
        throw new Error('listener bug');
      });
      const done = once(r.fc, 'fence-succeeded');
      r.manager.down('remote1', 'connection-lost');
      await done;
    });
  });
});
