/**
 * One start of a node connection, Pacemaker style: session connect attempts within the connect timeout,
 * retried after a delay while enough of the budget remains and the failure is not a hard one (wrong key,
 * protocol mismatch), each failure reported as `connect-failed`.
 */
import createDebug from 'debug';
import pRetry from 'p-retry';
import type { RemoteConnError } from '../errors.js';
import { RemoteSession } from '../session/remote-session.js';
import { connectFailureReason, isHardConnectError, toError } from './failures.js';
import { sessionOptionsFor, type Resolved } from './options.js';
import type { NodeConnectionEvents } from './types.js';

const debug = createDebug('pcmk-remote:conn');

/** What an attempt loop may use of its node connection. */
export interface AttemptHooks {
  /** Bounds concurrent connects (the manager's slots); resolves with a release function. */
  connectSlot: ((signal: AbortSignal) => Promise<() => void>) | undefined;
  countAttempt(): void;
  recordError(e: RemoteConnError): void;
  emit(event: 'connect-failed', e: Parameters<NodeConnectionEvents['connect-failed']>[0]): boolean;
}

/** Connects within `o.connectTimeoutMs`; resolves with the session and the number of its attempt, or throws the last error (the signal's reason once aborted). */
export async function connectWithinBudget(o: Resolved, signal: AbortSignal, hooks: AttemptHooks): Promise<{ session: RemoteSession; attempt: number }> {
  const budgetEnd = performance.now() + o.connectTimeoutMs;
  let lastAttempt = 0;
  const canRetry = (err: unknown) =>
    !signal.aborted && !isHardConnectError(err) && budgetEnd - performance.now() > o.minRemainingForRetryMs;
  const session = await pRetry(
    async (attempt) => {
      lastAttempt = attempt;
      hooks.countAttempt();
      const remaining = Math.max(1, Math.round(budgetEnd - performance.now()));
      const release = hooks.connectSlot ? await hooks.connectSlot(signal) : () => undefined;
      try {
        return await RemoteSession.connect(sessionOptionsFor(o, Math.min(o.attemptTimeoutMs, remaining), signal));
      } finally {
        release();
      }
    },
    {
      retries: Number.POSITIVE_INFINITY,
      factor: 1,
      minTimeout: o.attemptRetryDelayMs,
      maxTimeout: o.attemptRetryDelayMs,
      randomize: false,
      signal,
      onFailedAttempt: ({ error, attemptNumber }) => {
        if (signal.aborted) return;
        const e = toError(error);
        hooks.recordError(e);
        const willRetry = canRetry(e);
        debug('%s: attempt %d failed (%s)%s', o.name, attemptNumber, e.code, willRetry ? ', retrying' : '');
        hooks.emit('connect-failed', {
          node: o.name,
          attempt: attemptNumber,
          phase: (e.details.phase as 'tcp') ?? 'session',
          reason: connectFailureReason(e),
          error: e,
          willRetry,
          ...(willRetry ? { nextAttemptAt: Date.now() + o.attemptRetryDelayMs } : {}),
        });
      },
      shouldRetry: ({ error }) => canRetry(error),
    },
  ).catch((err: unknown) => {
    throw signal.aborted ? signal.reason : toError(err);
  });
  return { session, attempt: lastAttempt };
}
