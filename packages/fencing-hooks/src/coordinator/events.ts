import type { FencingError } from '../errors.js';
import type { NodeDownReason } from '../manager-like.js';
import type { SkipReason } from '../policy/classify.js';
import type { FenceAction } from '../types.js';

/** Who asked for an operation: a connection loss, a `fence()` call, or a `confirm()` call. */
export type FenceOrigin = 'loss' | 'manual' | 'confirm';

/** How a node was dealt with. */
export type FenceMethod = 'fencer' | 'container-restart' | 'manual-confirmation';

/** One finished operation, kept per target (who, when, action, result, duration). */
export interface FenceHistoryEntry {
  /** Operation id (unique per coordinator). */
  readonly id: number;
  readonly target: string;
  readonly kind: 'remote' | 'guest';
  readonly action: FenceAction;
  readonly reason: string;
  readonly origin: FenceOrigin;
  /** The cluster node that executed it. */
  readonly executor: string;
  readonly method: FenceMethod;
  /** The fencer's name (or `restartContainer`, `confirm`). */
  readonly fencer: string;
  /** Epoch ms. */
  readonly requestedAt: number;
  readonly finishedAt: number;
  readonly durationMs: number;
  readonly attempts: number;
  readonly result: 'success' | 'failed';
  /** For failures: the final error's code and message. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** Payload of `fence-requested`. */
export interface FenceRequestedEvent {
  readonly id: number;
  readonly target: string;
  readonly kind: 'remote' | 'guest';
  readonly action: FenceAction;
  readonly reason: string;
  readonly origin: FenceOrigin;
  readonly method: FenceMethod;
  readonly executor: string;
  readonly at: number;
  /** For origin `loss`: the `node-down` reason. */
  readonly nodeDownReason?: NodeDownReason;
}

/** Payload of `fence-succeeded`: the history entry. */
export type FenceSucceededEvent = FenceHistoryEntry;

/** Payload of `fence-failed`: emitted for every failed attempt; `final` on the last one. */
export interface FenceFailedEvent {
  readonly id: number;
  readonly target: string;
  readonly action: FenceAction;
  readonly origin: FenceOrigin;
  readonly executor: string;
  readonly attempt: number;
  readonly error: FencingError;
  /** Another attempt follows (after `retryDelayMs`). */
  readonly willRetry: boolean;
  /** No attempt follows: the operation failed. */
  readonly final: boolean;
  readonly at: number;
  /** On the final event: the history entry. */
  readonly entry?: FenceHistoryEntry;
}

/** Payload of `fence-skipped`: a decision not to fence (or to stop waiting to fence). */
export interface FenceSkippedEvent {
  readonly target: string;
  readonly reason: SkipReason;
  readonly at: number;
  /** The `node-down` reason that led to the decision, if any. */
  readonly nodeDownReason?: NodeDownReason;
}

/** The coordinator's event map. */
export interface FencingEvents {
  'fence-requested': [event: FenceRequestedEvent];
  'fence-succeeded': [event: FenceSucceededEvent];
  'fence-failed': [event: FenceFailedEvent];
  'fence-skipped': [event: FenceSkippedEvent];
}

/** Per-node fencing state: `clean`; `unclean` (lost, waiting for the grace); `fencing`; `fence-failed` (held until fenced or confirmed). */
export type NodeFenceState = 'clean' | 'unclean' | 'fencing' | 'fence-failed';

/** Snapshot returned by `status()`. */
export interface NodeFenceStatus {
  readonly target: string;
  readonly state: NodeFenceState;
  /** Epoch ms of the last state change. */
  readonly since: number;
  /** The coordinator holds the node's reconnect. */
  readonly held: boolean;
  /** The connection is established (as far as the coordinator saw). */
  readonly established: boolean;
  /** The `node-down` reason that made it unclean. */
  readonly lossReason?: NodeDownReason;
  /** The operation in progress. */
  readonly operation?: { readonly id: number; readonly action: FenceAction; readonly origin: FenceOrigin; readonly attempt: number; readonly requestedAt: number };
}
