import type { NodeDownReason } from '../manager-like.js';
import type { FencingPolicy } from './fencing-policy.js';

/** Why a `node-down` does not lead to fencing. */
export type SkipReason =
  | 'graceful-shutdown'
  | 'takeover'
  | 'fencing-disabled'
  | 'not-established'
  | 'already-unclean'
  | 'recovered';

/** The decision for one `node-down`. */
export type NodeDownDecision =
  | { kind: 'loss' }
  | { kind: 'start-failure' }
  | { kind: 'skip'; skip: SkipReason };

/** What the coordinator knows about the node when its connection goes down. */
export interface NodeDownContext {
  /** The connection had reached `up` (and was not lost since). */
  established: boolean;
  /** A shutdown request was seen during that connection (acked: state `draining`). */
  shutdownRequested: boolean;
  /** The node is already unclean or being fenced. */
  unclean: boolean;
}

/** Reasons for which a start never reached `up`: nothing was lost, nothing to fence. */
const START_FAILURES: ReadonlySet<NodeDownReason> = new Set(['connect-timeout', 'refused', 'auth-failed', 'host-not-found', 'connect-failed']);

/**
 * Pacemaker's rule for a connection that went down (protocol.md §4.5–§4.8):
 * - a start that never reached `up` is not a loss;
 * - `shutdown`/`stopped`, or any end after a shutdown request, is a graceful shutdown — never fenced;
 * - `takeover` is a loss only with `fenceOnTakeover` (the controller steps aside by default);
 * - `connection-lost`, `monitor-timeout`, `protocol-error` of an established connection are losses, which
 *   make the node unclean unless fencing is disabled or the node is already unclean.
 */
export function classifyNodeDown(reason: NodeDownReason, ctx: NodeDownContext, policy: FencingPolicy): NodeDownDecision {
  if (START_FAILURES.has(reason)) return { kind: 'start-failure' };
  if (reason === 'shutdown' || reason === 'stopped' || ctx.shutdownRequested) return { kind: 'skip', skip: 'graceful-shutdown' };
  if (reason === 'takeover' && !policy.fenceOnTakeover) return { kind: 'skip', skip: 'takeover' };
  if (ctx.unclean) return { kind: 'skip', skip: 'already-unclean' };
  if (!ctx.established) return { kind: 'skip', skip: 'not-established' };
  if (!policy.enabled) return { kind: 'skip', skip: 'fencing-disabled' };
  return { kind: 'loss' };
}
