/**
 * The fencing state the coordinator keeps per target: clean / unclean / fencing / fence-failed, the
 * manager's reconnect hold, the grace timer, and whether the connection was established.
 */
import { log } from '../log.js';
import type { ManagedNodeSnapshot, ManagerLike, NodeDownReason } from '../manager-like.js';
import type { NodeFenceState, NodeFenceStatus } from './events.js';
import type { Operation } from './operation.js';

export interface Tracked {
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

/** A target seen for the first time: clean, not established, no hold. */
export function newTracked(node: string): Tracked {
  return {
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
}

export function markFenced(t: Tracked): void {
  setState(t, 'clean');
  t.lossReason = undefined;
  // Whatever connection existed is gone or stale (the TLS connection may survive fencing, §4.7): its next
  // loss is not a reason to fence again until the node has come up anew.
  t.established = false;
  t.shutdownRequested = false;
}

export function setState(t: Tracked, state: NodeFenceState): void {
  if (t.state === state) return;
  log('%s: %s → %s', t.node, t.state, state);
  t.state = state;
  t.since = Date.now();
}

/** Holds the target's reconnect in the manager (once). */
export function ensureHold(manager: ManagerLike, t: Tracked): void {
  if (t.release) return;
  try {
    t.release = manager.holdReconnect(t.node, 'fencing');
    log('%s: reconnect held', t.node);
  } catch (err) {
    log('%s: holdReconnect threw: %O', t.node, err);
  }
}

/** Releases the target's reconnect hold, if any. */
export function releaseHold(t: Tracked): void {
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

export function clearGrace(t: Tracked): void {
  if (t.graceTimer) {
    clearTimeout(t.graceTimer);
    t.graceTimer = undefined;
  }
}

/** What `status()` reports about a target. */
export function statusOf(t: Tracked): NodeFenceStatus {
  return {
    target: t.node,
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

/** Fence before reconnect, second half: release the hold and restart a `failed` connection. */
export function allowReconnect(manager: ManagerLike, t: Tracked, reconnectAfterFence: boolean): void {
  if (t.state !== 'clean' || t.op) return; // a listener started another operation meanwhile
  releaseHold(t);
  if (!reconnectAfterFence) return;
  const state = snapshotOf(manager, t.node)?.state;
  if (state === 'failed') {
    log('%s: fenced and failed (reconnect_interval 0) — reconnecting now', t.node);
    try {
      manager.reconnectNode(t.node);
    } catch (err) {
      log('%s: reconnectNode threw: %O', t.node, err);
    }
  } else {
    log('%s: fenced; manager state %s — it reconnects on its own schedule', t.node, state ?? 'unknown');
  }
}

/** The manager's snapshot of `node` (undefined when unknown, or when `nodes()` throws). */
export function snapshotOf(manager: ManagerLike, node: string): ManagedNodeSnapshot | undefined {
  try {
    return manager.nodes().find((n) => n.name === node);
  } catch (err) {
    log('manager.nodes() threw: %O', err);
    return undefined;
  }
}
