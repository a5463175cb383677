import { EventEmitter } from 'eventemitter3';
import { FencingError, FencingErrorCodes, toFencingError } from '../errors.js';
import { log } from '../log.js';
import type { ManagedNodeSnapshot, ManagerLike, NodeDownEvent, NodeDownReason } from '../manager-like.js';
import type { NodeShutdownRequestEvent, NodeUpEvent, StateEvent } from '../manager-like.js';
import { classifyNodeDown, type SkipReason } from '../policy/classify.js';
import { resolvePolicy, type FencingPolicy } from '../policy/fencing-policy.js';
import type { Fencer } from '../types.js';
import { assertFenceAction, assertNodeName } from '../validate.js';
import type { FenceHistoryEntry, FenceMethod, FencingEvents, NodeFenceStatus } from './events.js';
import { FenceHistory } from './history.js';
import { FENCING_ACTIONS, newOperation, runAttempts, waitUnlessAborted, type AttemptContext, type Operation, type OperationRequest } from './operation.js';
import { checkCoordinatorOptions, clusterNodeSet, executorProblem } from './options.js';
import type { ContainerRestartHook, FenceOptions, FencingCoordinatorOptions } from './options.js';
import { confirmationEntry, failedEvent, historyEntry, requestedEvent } from './records.js';
import { allowReconnect, clearGrace, ensureHold, markFenced, newTracked, releaseHold, setState, snapshotOf, statusOf } from './target-state.js';
import type { Tracked } from './target-state.js';

export type { ContainerRestartHook, ContainerRestartRequest, FenceOptions, FencingCoordinatorOptions } from './options.js';

/**
 * Watches a connection manager and applies Pacemaker's fencing rules to remote and guest nodes:
 *
 * - the loss of an established connection (`connection-lost`, `monitor-timeout`, `protocol-error`, and
 *   `takeover` only with `fenceOnTakeover`) makes the node unclean; a graceful shutdown never does;
 * - an unclean node's reconnect is held (`holdReconnect`) until it has been fenced: fence before reconnect;
 * - after `graceMs` the node is fenced through the fencer (guests: through `restartContainer` by default),
 *   with a timeout per attempt and bounded retries; one operation per target, concurrent requests join it;
 * - after success the hold is released (and a `failed` node is reconnected); after a final failure the hold
 *   stays, the node stays down until a later `fence()` succeeds or an operator calls `confirm()`.
 *
 * Events: `fence-requested`, `fence-succeeded`, `fence-failed`, `fence-skipped` (never `error`).
 */
export class FencingCoordinator extends EventEmitter<FencingEvents> {
  /** The resolved policy. */
  readonly policy: FencingPolicy;
  /** The executing cluster node. */
  readonly executor: string;
  readonly #manager: ManagerLike;
  readonly #fencer: Fencer;
  readonly #restartContainer: ContainerRestartHook | undefined;
  readonly #clusterNodes: ReadonlySet<string> | undefined;
  readonly #nodes = new Map<string, Tracked>();
  readonly #history: FenceHistory;
  #seq = 0;
  #closed = false;

  readonly #onNodeDown = (e: NodeDownEvent) => this.#guard('node-down', () => this.#handleNodeDown(e));
  readonly #onNodeUp = (e: NodeUpEvent) => this.#guard('node-up', () => this.#handleNodeUp(e));
  readonly #onShutdownRequest = (e: NodeShutdownRequestEvent) =>
    this.#guard('node-shutdown-request', () => this.#handleShutdownRequest(e));
  readonly #onState = (e: StateEvent) => this.#guard('state', () => this.#handleState(e));

  /**
   * @throws FencingError `PCMK_FENCE_INVALID_ARGUMENT` on bad options, `PCMK_FENCE_INVALID_EXECUTOR` when
   * the executor is a remote/guest node of the manager or not one of `clusterNodes`.
   */
  constructor(options: FencingCoordinatorOptions) {
    super();
    checkCoordinatorOptions(options);
    const { manager, fencer } = options;
    this.policy = resolvePolicy(options.policy);
    this.executor = options.executor;
    this.#manager = manager;
    this.#fencer = fencer;
    this.#restartContainer = options.restartContainer;
    this.#clusterNodes = clusterNodeSet(options);
    this.#history = new FenceHistory(this.policy.historyLimit);
    const problem = executorProblem(this.executor, this.#clusterNodes, manager.nodes());
    if (problem) throw problem;

    for (const snap of manager.nodes()) {
      const t = this.#track(snap.name);
      t.snapshot = snap;
      t.established = snap.state === 'up' || snap.state === 'draining';
      t.shutdownRequested = snap.state === 'draining';
    }
    manager.on('node-down', this.#onNodeDown);
    manager.on('node-up', this.#onNodeUp);
    manager.on('node-shutdown-request', this.#onShutdownRequest);
    manager.on('state', this.#onState);
    log('coordinator: executor %s, fencer %s, policy %o', this.executor, fencer.name, this.policy);
  }

  /**
   * Fences `target` now (manual request), or joins the operation already running for it.
   *
   * Resolves with the history entry on success; rejects with a {@link FencingError} on final failure
   * (`PCMK_FENCE_TIMEOUT`, `PCMK_FENCE_AGENT_FAILED`, ...), when the target is unknown
   * (`PCMK_FENCE_UNKNOWN_TARGET`), when an incompatible operation runs (`PCMK_FENCE_BUSY`: `on` vs
   * `reboot`/`off`), or when the coordinator is closed (`PCMK_FENCE_CLOSED`).
   */
  async fence(target: string, options: FenceOptions = {}): Promise<FenceHistoryEntry> {
    if (this.#closed) throw new FencingError(FencingErrorCodes.CLOSED, 'The fencing coordinator is closed');
    assertNodeName(target, 'fence target');
    const action = options.action ?? this.policy.action;
    assertFenceAction(action);
    const reason = options.reason ?? 'manual';
    if (typeof reason !== 'string') throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, 'reason must be a string');
    const snapshots = this.#manager.nodes();
    const problem = executorProblem(this.executor, this.#clusterNodes, snapshots);
    if (problem) throw problem;
    const snap = snapshots.find((n) => n.name === target);
    if (!snap) {
      throw new FencingError(FencingErrorCodes.UNKNOWN_TARGET, `${target} is not a node of the connection manager`, {
        details: { target },
      });
    }
    const t = this.#track(target);
    t.snapshot = snap;
    if (t.op) {
      const running = t.op;
      if (running.action === action || (FENCING_ACTIONS.has(running.action) && FENCING_ACTIONS.has(action))) {
        log('%s: %s request (%s) joins operation %d (%s)', target, action, reason, running.id, running.action);
        return waitUnlessAborted(running.promise, options.signal, target);
      }
      throw new FencingError(FencingErrorCodes.BUSY, `${target}: operation ${running.id} (${running.action}) is in progress`, {
        details: { target, action },
      });
    }
    clearGrace(t);
    const op = this.#start(t, { action, reason, origin: 'manual', nodeDownReason: undefined });
    return waitUnlessAborted(op.promise, options.signal, target);
  }

  /**
   * Records that an operator made sure `target` is down (like `stonith_admin --confirm`): the node becomes
   * clean, the hold is released, a `fence-succeeded` event with method `manual-confirmation` is emitted.
   *
   * @throws FencingError `PCMK_FENCE_BUSY` while an operation runs for the target, `PCMK_FENCE_CLOSED`.
   */
  confirm(target: string, reason = 'manual confirmation'): FenceHistoryEntry {
    if (this.#closed) throw new FencingError(FencingErrorCodes.CLOSED, 'The fencing coordinator is closed');
    assertNodeName(target, 'fence target');
    const t = this.#track(target);
    if (t.op) {
      throw new FencingError(FencingErrorCodes.BUSY, `${target}: operation ${t.op.id} is in progress`, { details: { target } });
    }
    clearGrace(t);
    const kind = this.#snapshot(target)?.kind ?? t.snapshot?.kind ?? 'remote';
    const entry = this.#record(confirmationEntry(++this.#seq, target, kind, reason, this.executor));
    log('%s: confirmed down by operator (%s) — clean', target, reason);
    markFenced(t);
    this.#emit('fence-succeeded', entry);
    allowReconnect(this.#manager, t, this.policy.reconnectAfterFence);
    return entry;
  }

  /** Finished operations for `target` (oldest first), or for every target ordered by id. */
  history(target?: string): FenceHistoryEntry[] {
    return this.#history.list(target);
  }

  /** The fencing state of a node (undefined when never seen). */
  status(target: string): NodeFenceStatus | undefined {
    const t = this.#nodes.get(target);
    return t ? statusOf(t) : undefined;
  }

  /**
   * Stops watching the manager, cancels grace timers and aborts running operations (their fencers see the
   * abort and kill their processes; callers get `PCMK_FENCE_CLOSED`). Holds of unclean nodes are kept —
   * Pacemaker never reconnects an unclean node — unless `releaseHolds` is true.
   */
  async close(options: { releaseHolds?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#manager.off('node-down', this.#onNodeDown);
    this.#manager.off('node-up', this.#onNodeUp);
    this.#manager.off('node-shutdown-request', this.#onShutdownRequest);
    this.#manager.off('state', this.#onState);
    const running: Promise<unknown>[] = [];
    for (const t of this.#nodes.values()) {
      clearGrace(t);
      if (t.op) {
        t.op.controller.abort(new FencingError(FencingErrorCodes.CLOSED, 'The fencing coordinator was closed', { details: { target: t.node } }));
        running.push(t.op.promise.catch(() => undefined));
      }
    }
    await Promise.all(running);
    for (const t of this.#nodes.values()) {
      if (t.release && options.releaseHolds) releaseHold(t);
      else if (t.release) log('%s: close keeps the reconnect hold (node is %s)', t.node, t.state);
    }
    log('coordinator closed');
  }

  // ---- manager events -----------------------------------------------------------------------------

  #handleNodeDown(e: NodeDownEvent): void {
    const t = this.#track(e.node);
    const established = t.established;
    const shutdownRequested = t.shutdownRequested;
    t.established = false;
    t.shutdownRequested = false;
    const decision = classifyNodeDown(
      e.reason,
      { established, shutdownRequested, unclean: t.state !== 'clean' || t.op !== undefined },
      this.policy,
    );
    log('%s: node-down reason=%s established=%s shutdownRequested=%s state=%s → %o', e.node, e.reason, established, shutdownRequested, t.state, decision);
    if (decision.kind === 'start-failure') return;
    if (decision.kind === 'skip') {
      // A loss while a manual operation of a clean node runs: a failure must now leave the node unclean.
      if (decision.skip === 'already-unclean' && t.op) {
        t.op.wasClean = false;
        t.lossReason ??= e.reason;
      }
      this.#skip(e.node, decision.skip, e.reason);
      return;
    }
    this.#markUnclean(t, e.reason);
  }

  #handleNodeUp(e: NodeUpEvent): void {
    const t = this.#track(e.node);
    t.established = true;
    t.shutdownRequested = false;
    if (t.state === 'unclean' && t.graceTimer && !t.release) {
      clearGrace(t);
      setState(t, 'clean');
      t.lossReason = undefined;
      log('%s: came back within the grace (reconnectDuringGrace) — fence cancelled', e.node);
      this.#skip(e.node, 'recovered', undefined);
      return;
    }
    if (t.state !== 'clean') {
      log('%s: node-up while %s%s — the fence still goes ahead', e.node, t.state, t.release ? ' and held (the manager ignored the hold?)' : '');
    } else {
      log('%s: node-up (attempt %d, %s)', e.node, e.attempt, e.protocolVersion ?? e.daemonVersion);
    }
  }

  #handleShutdownRequest(e: NodeShutdownRequestEvent): void {
    const t = this.#track(e.node);
    t.shutdownRequested = true;
    log('%s: shutdown requested — its going away will not be fenced', e.node);
  }

  #handleState(e: StateEvent): void {
    const t = this.#track(e.node);
    if (e.to === 'up') t.established = true;
    if (e.to === 'draining') t.shutdownRequested = true;
  }

  // ---- decisions ------------------------------------------------------------------------------------

  #markUnclean(t: Tracked, reason: NodeDownReason): void {
    setState(t, 'unclean');
    t.lossReason = reason;
    const { graceMs, reconnectDuringGrace } = this.policy;
    if (graceMs === 0) {
      log('%s: lost (%s) — unclean; holding reconnect and fencing now', t.node, reason);
      this.#holdAndFence(t, reason);
      return;
    }
    if (!reconnectDuringGrace) ensureHold(this.#manager, t);
    log('%s: lost (%s) — unclean; fencing in %d ms%s', t.node, reason, graceMs, reconnectDuringGrace ? ' unless it reconnects first' : ', reconnect held');
    t.graceTimer = setTimeout(() => {
      t.graceTimer = undefined;
      if (this.#closed || t.state !== 'unclean' || t.op) return;
      log('%s: grace of %d ms over without recovery', t.node, graceMs);
      this.#holdAndFence(t, reason);
    }, graceMs);
  }

  #holdAndFence(t: Tracked, reason: NodeDownReason): void {
    ensureHold(this.#manager, t);
    const op = this.#start(t, { action: this.policy.action, reason: `connection lost (${reason})`, origin: 'loss', nodeDownReason: reason });
    op.wasClean = false;
  }

  #start(t: Tracked, req: OperationRequest): Operation {
    const snap = this.#snapshot(t.node) ?? t.snapshot;
    if (snap) t.snapshot = snap;
    const kind = snap?.kind ?? 'remote';
    const method: FenceMethod = kind === 'guest' && this.policy.guestRecovery === 'container-restart' ? 'container-restart' : 'fencer';
    const op = newOperation(++this.#seq, req, kind, method, t.state === 'clean');
    if (FENCING_ACTIONS.has(req.action)) {
      ensureHold(this.#manager, t);
      setState(t, 'fencing');
    }
    t.op = op;
    log('%s: operation %d: %s (%s, origin %s, %s %s) on %s', t.node, op.id, op.action, op.reason, op.origin, kind, method, this.executor);
    this.#emit('fence-requested', requestedEvent(t, op, this.executor));
    op.promise = this.#execute(t, op);
    op.promise.catch(() => undefined); // reported through events; callers of fence() get their own copy
    return op;
  }

  async #execute(t: Tracked, op: Operation): Promise<FenceHistoryEntry> {
    try {
      await runAttempts(this.#attemptContext(t, op), t, op, this.policy, (error) =>
        this.#emit('fence-failed', failedEvent(t, op, this.executor, error, true)),
      );
    } catch (err) {
      const error = this.#asError(err, t, op);
      const entry = this.#record(historyEntry(t, op, this.executor, this.#fencer.name, 'failed', error));
      if (FENCING_ACTIONS.has(op.action)) {
        if (op.wasClean && op.origin === 'manual') {
          log('%s: manual operation %d failed (%s); the node was clean before — releasing the hold', t.node, op.id, error.code);
          setState(t, 'clean');
          releaseHold(t);
        } else {
          log('%s: operation %d failed after %d attempt(s) (%s: %s) — node stays unclean, reconnect held', t.node, op.id, op.attempt, error.code, error.message);
          setState(t, 'fence-failed');
        }
      }
      t.op = undefined;
      this.#emit('fence-failed', failedEvent(t, op, this.executor, error, false, entry));
      throw error;
    }
    const entry = this.#record(historyEntry(t, op, this.executor, this.#fencer.name, 'success'));
    t.op = undefined;
    const fenced = FENCING_ACTIONS.has(op.action);
    if (fenced) {
      log('%s: operation %d succeeded in %d ms (%d attempt(s)) — clean', t.node, op.id, entry.durationMs, entry.attempts);
      markFenced(t);
    } else {
      log('%s: operation %d (%s) succeeded in %d ms', t.node, op.id, op.action, entry.durationMs);
    }
    this.#emit('fence-succeeded', entry);
    // Only now may the node come back: listeners see fence-succeeded before any node-up.
    if (fenced && !this.#closed) allowReconnect(this.#manager, t, this.policy.reconnectAfterFence);
    return entry;
  }

  // ---- helpers ----------------------------------------------------------------------------------------


  #record(entry: FenceHistoryEntry): FenceHistoryEntry {
    this.#history.add(entry);
    return entry;
  }

  #attemptContext(t: Tracked, op: Operation): AttemptContext {
    return {
      executor: this.executor,
      fencer: this.#fencer,
      restartContainer: this.#restartContainer,
      timeoutMs: this.policy.timeoutMs,
      checkExecutor: () => {
        const problem = executorProblem(this.executor, this.#clusterNodes, this.#manager.nodes());
        if (problem) throw problem;
      },
      asError: (err) => this.#asError(err, t, op),
    };
  }

  #asError(err: unknown, t: Tracked, op: Operation): FencingError {
    return toFencingError(err, FencingErrorCodes.AGENT_FAILED, `${op.action} of ${t.node} failed`, {
      target: t.node,
      action: op.action,
      attempt: op.attempt,
    });
  }

  #skip(target: string, reason: SkipReason, nodeDownReason: NodeDownReason | undefined): void {
    log('%s: not fencing (%s)', target, reason);
    this.#emit('fence-skipped', { target, reason, at: Date.now(), ...(nodeDownReason ? { nodeDownReason } : {}) });
  }

  #snapshot(node: string): ManagedNodeSnapshot | undefined {
    return snapshotOf(this.#manager, node);
  }


  #track(node: string): Tracked {
    let t = this.#nodes.get(node);
    if (!t) {
      t = newTracked(node);
      this.#nodes.set(node, t);
    }
    return t;
  }

  #emit<K extends keyof FencingEvents>(event: K, ...args: FencingEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: FencingEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      log('a %s listener threw: %O', event, err);
    }
  }

  #guard(what: string, fn: () => void): void {
    if (this.#closed) return;
    try {
      fn();
    } catch (err) {
      log('handling %s failed: %O', what, err);
    }
  }
}
