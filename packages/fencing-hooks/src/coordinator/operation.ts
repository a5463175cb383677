/**
 * One fencing operation of a target (joined by concurrent requests of a compatible action), and waiting
 * for it with a caller's AbortSignal.
 */
import pRetry from 'p-retry';
import { FencingError, FencingErrorCodes, isRetryable } from '../errors.js';
import { log } from '../log.js';
import type { NodeDownReason } from '../manager-like.js';
import type { FenceAction, FenceRequest, Fencer } from '../types.js';
import type { FenceHistoryEntry, FenceMethod, FenceOrigin } from './events.js';
import type { ContainerRestartHook } from './options.js';
import type { Tracked } from './target-state.js';

/** The actions that fence (take a hold, make the node clean on success); `on` (unfencing) does not. */
export const FENCING_ACTIONS: ReadonlySet<FenceAction> = new Set(['reboot', 'off']);

export interface Operation {
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

/** What starts an operation. */
export interface OperationRequest {
  action: FenceAction;
  reason: string;
  origin: FenceOrigin;
  nodeDownReason: NodeDownReason | undefined;
}

/** A new operation (its `promise` is set by whoever runs it). */
export function newOperation(id: number, req: OperationRequest, kind: 'remote' | 'guest', method: FenceMethod, wasClean: boolean): Operation {
  return {
    id,
    action: req.action,
    reason: req.reason,
    origin: req.origin,
    kind,
    method,
    requestedAt: Date.now(),
    controller: new AbortController(),
    nodeDownReason: req.nodeDownReason,
    wasClean,
    attempt: 0,
    promise: Promise.resolve() as unknown as Promise<FenceHistoryEntry>,
  };
}

/**
 * `promise`, or a rejection with `PCMK_FENCE_ABORTED` when `signal` aborts first: the caller stops
 * waiting, the operation goes on.
 */
export function waitUnlessAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, target: string): Promise<T> {
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

/** What one attempt needs from its coordinator. */
export interface AttemptContext {
  readonly executor: string;
  readonly fencer: Fencer;
  readonly restartContainer: ContainerRestartHook | undefined;
  /** The policy's per-attempt timeout. */
  readonly timeoutMs: number;
  /** Throws when the executor may not fence (it became a remote/guest node of the manager). */
  checkExecutor(): void;
  /** The error of a failed attempt as a FencingError. */
  asError(err: unknown): FencingError;
}

/**
 * One attempt of an operation: through the fencer, or the `restartContainer` hook for guests recovered by
 * container restart; aborted by the operation's controller or after `timeoutMs` (`PCMK_FENCE_TIMEOUT`).
 */
export async function runAttempt(ctx: AttemptContext, t: Tracked, op: Operation, attempt: number): Promise<void> {
  op.attempt = attempt;
  ctx.checkExecutor();
  const hook = ctx.restartContainer;
  if (op.method === 'container-restart' && !hook) {
    throw new FencingError(
      FencingErrorCodes.NO_GUEST_HOOK,
      `${t.node} is a guest node: it is recovered by restarting its container, and no restartContainer hook was given (or set policy.guestRecovery to 'fencer')`,
      { details: { target: t.node, action: op.action } },
    );
  }
  const { timeoutMs } = ctx;
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
    executor: ctx.executor,
    kind: op.kind,
    timeoutMs,
    signal: ac.signal,
    attempt,
  };
  log('%s: operation %d attempt %d via %s (timeout %d ms)', t.node, op.id, attempt, op.method === 'fencer' ? ctx.fencer.name : 'restartContainer', timeoutMs);
  try {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(ac.signal.reason);
      ac.signal.addEventListener('abort', onAbort, { once: true });
      const work =
        op.method === 'container-restart'
          ? Promise.resolve().then(() => hook!({ ...request, containerResource: t.snapshot?.containerResource }))
          : Promise.resolve().then(() => ctx.fencer.fence(request));
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
    throw ctx.asError(err);
  } finally {
    clearTimeout(timer);
    op.controller.signal.removeEventListener('abort', onOpAbort);
  }
}

/**
 * Runs the attempts of an operation with the policy's retries (a fixed `retryDelayMs` apart) until one
 * succeeds, a failure is not retryable, or the operation is aborted; `onRetry` hears of each failure that
 * will be retried (the final one is the caller's to report).
 */
export async function runAttempts(
  ctx: AttemptContext,
  t: Tracked,
  op: Operation,
  policy: { retries: number; retryDelayMs: number },
  onRetry: (error: FencingError) => void,
): Promise<void> {
  const { retries, retryDelayMs } = policy;
  const signal = op.controller.signal;
  await pRetry((attempt) => runAttempt(ctx, t, op, attempt), {
    retries,
    factor: 1,
    minTimeout: retryDelayMs,
    randomize: false,
    signal,
    onFailedAttempt: (c) => {
      const error = ctx.asError(c.error);
      const willRetry = c.retriesLeft > 0 && isRetryable(error) && !signal.aborted;
      if (!willRetry) return; // the final failure is reported by the caller
      log('%s: operation %d attempt %d failed (%s) — retrying in %d ms', t.node, op.id, c.attemptNumber, error.code, retryDelayMs);
      onRetry(error);
    },
    shouldRetry: (c) => isRetryable(ctx.asError(c.error)),
  });
}
