/**
 * What the coordinator records and reports about an operation: its history entry and its
 * `fence-failed` event.
 */
import type { FencingError } from '../errors.js';
import type { FenceFailedEvent, FenceHistoryEntry, FenceRequestedEvent } from './events.js';
import type { Operation } from './operation.js';
import type { Tracked } from './target-state.js';

/** The history entry of a finished operation. */
export function historyEntry(t: Tracked, op: Operation, executor: string, fencerName: string, result: 'success' | 'failed', error?: FencingError): FenceHistoryEntry {
  const finishedAt = Date.now();
  const entry: FenceHistoryEntry = {
    id: op.id,
    target: t.node,
    kind: op.kind,
    action: op.action,
    reason: op.reason,
    origin: op.origin,
    executor,
    method: op.method,
    fencer: op.method === 'fencer' ? fencerName : 'restartContainer',
    requestedAt: op.requestedAt,
    finishedAt,
    durationMs: finishedAt - op.requestedAt,
    attempts: op.attempt,
    result,
    ...(error ? { error: { code: error.code, message: error.message } } : {}),
  };
  return entry;
}

/** The `fence-failed` event of a failed attempt (`willRetry`) or of the final failure (with its entry). */
export function failedEvent(t: Tracked, op: Operation, executor: string, error: FencingError, willRetry: boolean, entry?: FenceHistoryEntry): FenceFailedEvent {
  return {
    id: op.id,
    target: t.node,
    action: op.action,
    origin: op.origin,
    executor,
    attempt: op.attempt,
    error,
    willRetry,
    final: !willRetry,
    at: Date.now(),
    ...(entry ? { entry } : {}),
  };
}

/** The `fence-requested` event of a new operation. */
export function requestedEvent(t: Tracked, op: Operation, executor: string): FenceRequestedEvent {
  return {
    id: op.id,
    target: t.node,
    kind: op.kind,
    action: op.action,
    reason: op.reason,
    origin: op.origin,
    method: op.method,
    executor,
    at: op.requestedAt,
    ...(op.nodeDownReason ? { nodeDownReason: op.nodeDownReason } : {}),
  };
}

/** The history entry of an operator's `confirm()`: the node is known to be down, nothing ran. */
export function confirmationEntry(id: number, target: string, kind: 'remote' | 'guest', reason: string, executor: string): FenceHistoryEntry {
  const now = Date.now();
  return {
    id,
    target,
    kind,
    action: 'off',
    reason,
    origin: 'confirm',
    executor,
    method: 'manual-confirmation',
    fencer: 'confirm',
    requestedAt: now,
    finishedAt: now,
    durationMs: 0,
    attempts: 0,
    result: 'success',
  };
}
