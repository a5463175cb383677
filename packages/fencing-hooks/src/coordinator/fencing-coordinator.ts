import { EventEmitter } from 'eventemitter3';
import pRetry from 'p-retry';
import { FencingError, FencingErrorCodes, isRetryable, toFencingError } from '../errors.js';
import { log } from '../log.js';
import type {
  ManagedNodeSnapshot,
  ManagerLike,
  NodeDownEvent,
  NodeDownReason,
  NodeShutdownRequestEvent,
  NodeUpEvent,
  StateEvent,
} from '../manager-like.js';
import { classifyNodeDown, type SkipReason } from '../policy/classify.js';
import { resolvePolicy, type FencingPolicy, type FencingPolicyOptions } from '../policy/fencing-policy.js';
import type { FenceAction, FenceRequest, Fencer } from '../types.js';
import { assertFenceAction, assertNodeName } from '../validate.js';
import type {
  FenceFailedEvent,
  FenceHistoryEntry,
  FenceMethod,
  FenceOrigin,
  FencingEvents,
  NodeFenceState,
  NodeFenceStatus,
} from './events.js';
import { FenceHistory } from './history.js';

/** What the `restartContainer` hook receives: a fence request plus the guest's container resource. */
export interface ContainerRestartRequest extends FenceRequest {
  /** The container resource hosting the guest node (from the manager's snapshot), if known. */
  readonly containerResource: string | undefined;
}

/**
 * Recovers a guest node by restarting its container resource (Pacemaker recovers guests this way rather
 * than with a fence device). Resolve when the container was stopped (and, for `reboot`, started again).
 */
export type ContainerRestartHook = (request: ContainerRestartRequest) => Promise<void> | void;

/** Options of {@link FencingCoordinator}. */
export interface FencingCoordinatorOptions {
  /** The connection manager to watch (see {@link ManagerLike}). */
  manager: ManagerLike;
  /** The fencer used for remote nodes (and guests with `guestRecovery: 'fencer'`). */
  fencer: Fencer;
  /** The cluster node that executes fencing. Must not be a remote or guest node. */
  executor: string;
  /** Pacemaker's rules as options. */
  policy?: FencingPolicyOptions;
  /** The cluster (full) nodes. When given, `executor` must be one of them. */
  clusterNodes?: readonly string[];
  /** Guest recovery hook (required for guests with the default `guestRecovery: 'container-restart'`). */
  restartContainer?: ContainerRestartHook;
}

/** Options of {@link FencingCoordinator.fence}. */
export interface FenceOptions {
  /** Default: the policy's `action` (`reboot`). */
  action?: FenceAction;
  /** Free text for logs and history. Default `manual`. */
  reason?: string;
  /**
   * Stops *waiting* (rejects `PCMK_FENCE_ABORTED`); the operation itself goes on, as a requested fence is
   * never half-cancelled. Use `close()` to abort operations.
   */
  signal?: AbortSignal;
}

interface Operation {
  readonly id: number;
  readonly action: FenceAction;
  readonly reason: string;
  readonly origin: FenceOrigin;
  readonly kind: 'remote' | 'guest';
  readonly method: FenceMethod;
  readonly requestedAt: number;
  readonly controller: AbortController;
  readonly nodeDownReason: NodeDownReason | undefined;
  /** The node was clean when a manual operation started (a failure then leaves it clean). */
  wasClean: boolean;
  attempt: number;
  promise: Promise<FenceHistoryEntry>;
}

interface Tracked {
  readonly node: string;
  state: NodeFenceState;
  since: number;
  established: boolean;
  shutdownRequested: boolean;
  release: (() => void) | undefined;
  graceTimer: NodeJS.Timeout | undefined;
  lossReason: NodeDownReason | undefined;
  op: Operation | undefined;
  snapshot: ManagedNodeSnapshot | undefined;
}

const FENCING_ACTIONS: ReadonlySet<FenceAction> = new Set(['reboot', 'off']);

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
    if (typeof options !== 'object' || options === null) {
      throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, 'FencingCoordinator needs options');
    }
    const { manager, fencer } = options;
    if (!manager || typeof manager.on !== 'function' || typeof manager.holdReconnect !== 'function' || typeof manager.nodes !== 'function') {
      throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, 'options.manager must implement ManagerLike');
    }
    if (!fencer || typeof fencer.fence !== 'function') {
      throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, 'options.fencer must implement Fencer');
    }
    if (options.restartContainer !== undefined && typeof options.restartContainer !== 'function') {
      throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, 'options.restartContainer must be a function');
    }
    assertNodeName(options.executor, 'executor');
    this.policy = resolvePolicy(options.policy);
    this.executor = options.executor;
    this.#manager = manager;
    this.#fencer = fencer;
    this.#restartContainer = options.restartContainer;
    if (options.clusterNodes !== undefined) {
      if (!Array.isArray(options.clusterNodes)) {
        throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, 'options.clusterNodes must be an array of node names');
      }
      this.#clusterNodes = new Set(options.clusterNodes);
    }
    this.#history = new FenceHistory(this.policy.historyLimit);
    const problem = this.#executorProblem(manager.nodes());
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
    const problem = this.#executorProblem(snapshots);
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
        return this.#wait(running.promise, options.signal, target);
      }
      throw new FencingError(FencingErrorCodes.BUSY, `${target}: operation ${running.id} (${running.action}) is in progress`, {
        details: { target, action },
      });
    }
    this.#clearGrace(t);
    const op = this.#start(t, { action, reason, origin: 'manual', nodeDownReason: undefined });
    return this.#wait(op.promise, options.signal, target);
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
    this.#clearGrace(t);
    const now = Date.now();
    const entry: FenceHistoryEntry = {
      id: ++this.#seq,
      target,
      kind: this.#snapshot(target)?.kind ?? t.snapshot?.kind ?? 'remote',
      action: 'off',
      reason,
      origin: 'confirm',
      executor: this.executor,
      method: 'manual-confirmation',
      fencer: 'confirm',
      requestedAt: now,
      finishedAt: now,
      durationMs: 0,
      attempts: 0,
      result: 'success',
    };
    this.#history.add(entry);
    log('%s: confirmed down by operator (%s) — clean', target, reason);
    this.#markFenced(t);
    this.#emit('fence-succeeded', entry);
    this.#allowReconnect(t);
    return entry;
  }

  /** Finished operations for `target` (oldest first), or for every target ordered by id. */
  history(target?: string): FenceHistoryEntry[] {
    return this.#history.list(target);
  }

  /** The fencing state of a node (undefined when never seen). */
  status(target: string): NodeFenceStatus | undefined {
    const t = this.#nodes.get(target);
    if (!t) return undefined;
    return {
      target,
      state: t.state,
      since: t.since,
      held: t.release !== undefined,
      established: t.established,
      ...(t.lossReason ? { lossReason: t.lossReason } : {}),
      ...(t.op
        ? { operation: { id: t.op.id, action: t.op.action, origin: t.op.origin, attempt: t.op.attempt, requestedAt: t.op.requestedAt } }
        : {}),
    };
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
      this.#clearGrace(t);
      if (t.op) {
        t.op.controller.abort(new FencingError(FencingErrorCodes.CLOSED, 'The fencing coordinator was closed', { details: { target: t.node } }));
        running.push(t.op.promise.catch(() => undefined));
      }
    }
    await Promise.all(running);
    for (const t of this.#nodes.values()) {
      if (t.release && options.releaseHolds) this.#releaseHold(t);
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
      this.#clearGrace(t);
      this.#setState(t, 'clean');
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
    this.#setState(t, 'unclean');
    t.lossReason = reason;
    const { graceMs, reconnectDuringGrace } = this.policy;
    if (graceMs === 0) {
      log('%s: lost (%s) — unclean; holding reconnect and fencing now', t.node, reason);
      this.#holdAndFence(t, reason);
      return;
    }
    if (!reconnectDuringGrace) this.#ensureHold(t);
    log('%s: lost (%s) — unclean; fencing in %d ms%s', t.node, reason, graceMs, reconnectDuringGrace ? ' unless it reconnects first' : ', reconnect held');
    t.graceTimer = setTimeout(() => {
      t.graceTimer = undefined;
      if (this.#closed || t.state !== 'unclean' || t.op) return;
      log('%s: grace of %d ms over without recovery', t.node, graceMs);
      this.#holdAndFence(t, reason);
    }, graceMs);
  }

  #holdAndFence(t: Tracked, reason: NodeDownReason): void {
    this.#ensureHold(t);
    const op = this.#start(t, { action: this.policy.action, reason: `connection lost (${reason})`, origin: 'loss', nodeDownReason: reason });
    op.wasClean = false;
  }

  #start(t: Tracked, req: { action: FenceAction; reason: string; origin: FenceOrigin; nodeDownReason: NodeDownReason | undefined }): Operation {
    const snap = this.#snapshot(t.node) ?? t.snapshot;
    if (snap) t.snapshot = snap;
    const kind = snap?.kind ?? 'remote';
    const method: FenceMethod = kind === 'guest' && this.policy.guestRecovery === 'container-restart' ? 'container-restart' : 'fencer';
    const op: Operation = {
      id: ++this.#seq,
      action: req.action,
      reason: req.reason,
      origin: req.origin,
      kind,
      method,
      requestedAt: Date.now(),
      controller: new AbortController(),
      nodeDownReason: req.nodeDownReason,
      wasClean: t.state === 'clean',
      attempt: 0,
      promise: Promise.resolve() as unknown as Promise<FenceHistoryEntry>,
    };
    if (FENCING_ACTIONS.has(req.action)) {
      this.#ensureHold(t);
      this.#setState(t, 'fencing');
    }
    t.op = op;
    log('%s: operation %d: %s (%s, origin %s, %s %s) on %s', t.node, op.id, op.action, op.reason, op.origin, kind, method, this.executor);
    this.#emit('fence-requested', {
      id: op.id,
      target: t.node,
      kind,
      action: op.action,
      reason: op.reason,
      origin: op.origin,
      method,
      executor: this.executor,
      at: op.requestedAt,
      ...(req.nodeDownReason ? { nodeDownReason: req.nodeDownReason } : {}),
    });
    op.promise = this.#execute(t, op);
    op.promise.catch(() => undefined); // reported through events; callers of fence() get their own copy
    return op;
  }

  async #execute(t: Tracked, op: Operation): Promise<FenceHistoryEntry> {
    const { retries, retryDelayMs } = this.policy;
    const signal = op.controller.signal;
    try {
      await pRetry((attempt) => this.#attempt(t, op, attempt), {
        retries,
        factor: 1,
        minTimeout: retryDelayMs,
        randomize: false,
        signal,
        onFailedAttempt: (ctx) => {
          const error = this.#asError(ctx.error, t, op);
          const willRetry = ctx.retriesLeft > 0 && isRetryable(error) && !signal.aborted;
          if (!willRetry) return; // the final failure is reported below
          log('%s: operation %d attempt %d failed (%s) — retrying in %d ms', t.node, op.id, ctx.attemptNumber, error.code, retryDelayMs);
          this.#emitFailed(t, op, error, true);
        },
        shouldRetry: (ctx) => isRetryable(this.#asError(ctx.error, t, op)),
      });
    } catch (err) {
      const error = this.#asError(err, t, op);
      const entry = this.#record(t, op, 'failed', error);
      if (FENCING_ACTIONS.has(op.action)) {
        if (op.wasClean && op.origin === 'manual') {
          log('%s: manual operation %d failed (%s); the node was clean before — releasing the hold', t.node, op.id, error.code);
          this.#setState(t, 'clean');
          this.#releaseHold(t);
        } else {
          log('%s: operation %d failed after %d attempt(s) (%s: %s) — node stays unclean, reconnect held', t.node, op.id, op.attempt, error.code, error.message);
          this.#setState(t, 'fence-failed');
        }
      }
      t.op = undefined;
      this.#emitFailed(t, op, error, false, entry);
      throw error;
    }
    const entry = this.#record(t, op, 'success');
    t.op = undefined;
    const fenced = FENCING_ACTIONS.has(op.action);
    if (fenced) {
      log('%s: operation %d succeeded in %d ms (%d attempt(s)) — clean', t.node, op.id, entry.durationMs, entry.attempts);
      this.#markFenced(t);
    } else {
      log('%s: operation %d (%s) succeeded in %d ms', t.node, op.id, op.action, entry.durationMs);
    }
    this.#emit('fence-succeeded', entry);
    // Only now may the node come back: listeners see fence-succeeded before any node-up.
    if (fenced && !this.#closed) this.#allowReconnect(t);
    return entry;
  }

  async #attempt(t: Tracked, op: Operation, attempt: number): Promise<void> {
    op.attempt = attempt;
    const problem = this.#executorProblem(this.#manager.nodes());
    if (problem) throw problem;
    const hook = this.#restartContainer;
    if (op.method === 'container-restart' && !hook) {
      throw new FencingError(
        FencingErrorCodes.NO_GUEST_HOOK,
        `${t.node} is a guest node: it is recovered by restarting its container, and no restartContainer hook was given (or set policy.guestRecovery to 'fencer')`,
        { details: { target: t.node, action: op.action } },
      );
    }
    const { timeoutMs } = this.policy;
    const ac = new AbortController();
    const onOpAbort = () => ac.abort(op.controller.signal.reason);
    op.controller.signal.addEventListener('abort', onOpAbort, { once: true });
    const timer = setTimeout(
      () =>
        ac.abort(
          new FencingError(FencingErrorCodes.TIMEOUT, `${op.action} of ${t.node} did not complete within ${timeoutMs} ms (attempt ${attempt})`, {
            details: { target: t.node, action: op.action, attempt },
          }),
        ),
      timeoutMs,
    );
    const request: FenceRequest = {
      target: t.node,
      action: op.action,
      reason: op.reason,
      executor: this.executor,
      kind: op.kind,
      timeoutMs,
      signal: ac.signal,
      attempt,
    };
    log('%s: operation %d attempt %d via %s (timeout %d ms)', t.node, op.id, attempt, op.method === 'fencer' ? this.#fencer.name : 'restartContainer', timeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(ac.signal.reason);
        ac.signal.addEventListener('abort', onAbort, { once: true });
        const work =
          op.method === 'container-restart'
            ? Promise.resolve().then(() => hook!({ ...request, containerResource: t.snapshot?.containerResource }))
            : Promise.resolve().then(() => this.#fencer.fence(request));
        work.then(
          () => {
            ac.signal.removeEventListener('abort', onAbort);
            resolve();
          },
          (err: unknown) => {
            ac.signal.removeEventListener('abort', onAbort);
            reject(err);
          },
        );
      });
    } catch (err) {
      throw this.#asError(err, t, op);
    } finally {
      clearTimeout(timer);
      op.controller.signal.removeEventListener('abort', onOpAbort);
    }
  }

  // ---- helpers ----------------------------------------------------------------------------------------

  #markFenced(t: Tracked): void {
    this.#setState(t, 'clean');
    t.lossReason = undefined;
    // Whatever connection existed is gone or stale (the TLS connection may survive fencing, §4.7): its next
    // loss is not a reason to fence again until the node has come up anew.
    t.established = false;
    t.shutdownRequested = false;
  }

  /** Fence before reconnect, second half: release the hold and restart a `failed` connection. */
  #allowReconnect(t: Tracked): void {
    if (t.state !== 'clean' || t.op) return; // a listener started another operation meanwhile
    this.#releaseHold(t);
    if (!this.policy.reconnectAfterFence) return;
    const state = this.#snapshot(t.node)?.state;
    if (state === 'failed') {
      log('%s: fenced and failed (reconnect_interval 0) — reconnecting now', t.node);
      try {
        this.#manager.reconnectNode(t.node);
      } catch (err) {
        log('%s: reconnectNode threw: %O', t.node, err);
      }
    } else {
      log('%s: fenced; manager state %s — it reconnects on its own schedule', t.node, state ?? 'unknown');
    }
  }

  #record(t: Tracked, op: Operation, result: 'success' | 'failed', error?: FencingError): FenceHistoryEntry {
    const finishedAt = Date.now();
    const entry: FenceHistoryEntry = {
      id: op.id,
      target: t.node,
      kind: op.kind,
      action: op.action,
      reason: op.reason,
      origin: op.origin,
      executor: this.executor,
      method: op.method,
      fencer: op.method === 'fencer' ? this.#fencer.name : 'restartContainer',
      requestedAt: op.requestedAt,
      finishedAt,
      durationMs: finishedAt - op.requestedAt,
      attempts: op.attempt,
      result,
      ...(error ? { error: { code: error.code, message: error.message } } : {}),
    };
    this.#history.add(entry);
    return entry;
  }

  #emitFailed(t: Tracked, op: Operation, error: FencingError, willRetry: boolean, entry?: FenceHistoryEntry): void {
    const event: FenceFailedEvent = {
      id: op.id,
      target: t.node,
      action: op.action,
      origin: op.origin,
      executor: this.executor,
      attempt: op.attempt,
      error,
      willRetry,
      final: !willRetry,
      at: Date.now(),
      ...(entry ? { entry } : {}),
    };
    this.#emit('fence-failed', event);
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

  #executorProblem(snapshots: ManagedNodeSnapshot[]): FencingError | undefined {
    const own = snapshots.find((n) => n.name === this.executor);
    if (own) {
      return new FencingError(
        FencingErrorCodes.INVALID_EXECUTOR,
        `${this.executor} is a ${own.kind} node: only cluster nodes execute fencing`,
        { details: { executor: this.executor } },
      );
    }
    if (this.#clusterNodes && !this.#clusterNodes.has(this.executor)) {
      return new FencingError(FencingErrorCodes.INVALID_EXECUTOR, `${this.executor} is not one of the cluster nodes`, {
        details: { executor: this.executor },
      });
    }
    return undefined;
  }

  #snapshot(node: string): ManagedNodeSnapshot | undefined {
    try {
      return this.#manager.nodes().find((n) => n.name === node);
    } catch (err) {
      log('manager.nodes() threw: %O', err);
      return undefined;
    }
  }

  #track(node: string): Tracked {
    let t = this.#nodes.get(node);
    if (!t) {
      t = {
        node,
        state: 'clean',
        since: Date.now(),
        established: false,
        shutdownRequested: false,
        release: undefined,
        graceTimer: undefined,
        lossReason: undefined,
        op: undefined,
        snapshot: undefined,
      };
      this.#nodes.set(node, t);
    }
    return t;
  }

  #setState(t: Tracked, state: NodeFenceState): void {
    if (t.state === state) return;
    log('%s: %s → %s', t.node, t.state, state);
    t.state = state;
    t.since = Date.now();
  }

  #ensureHold(t: Tracked): void {
    if (t.release) return;
    try {
      t.release = this.#manager.holdReconnect(t.node, 'fencing');
      log('%s: reconnect held', t.node);
    } catch (err) {
      log('%s: holdReconnect threw: %O', t.node, err);
    }
  }

  #releaseHold(t: Tracked): void {
    const release = t.release;
    t.release = undefined;
    if (!release) return;
    try {
      release();
      log('%s: reconnect hold released', t.node);
    } catch (err) {
      log('%s: releasing the hold threw: %O', t.node, err);
    }
  }

  #clearGrace(t: Tracked): void {
    if (t.graceTimer) {
      clearTimeout(t.graceTimer);
      t.graceTimer = undefined;
    }
  }

  #wait<T>(promise: Promise<T>, signal: AbortSignal | undefined, target: string): Promise<T> {
    if (!signal) return promise;
    const aborted = () =>
      new FencingError(FencingErrorCodes.ABORTED, `Waiting for the fencing of ${target} was aborted (the operation goes on)`, {
        cause: signal.reason,
        details: { target },
      });
    if (signal.aborted) return Promise.reject(aborted());
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(aborted());
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
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
