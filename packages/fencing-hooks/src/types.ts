/**
 * Types shared by every layer: fence actions, the request a fencer receives, and the {@link Fencer}
 * interface itself. This module imports nothing, so fencers, policy and coordinator can all depend on it.
 *
 * @packageDocumentation
 */

/** A fence action. `reboot` and `off` fence a node; `on` (unfencing) powers it on and never makes it clean. */
export type FenceAction = 'reboot' | 'off' | 'on';

/** The fence actions, for validation. */
export const FENCE_ACTIONS: readonly FenceAction[] = ['reboot', 'off', 'on'];

/** What a {@link Fencer} is asked to do (one attempt). */
export interface FenceRequest {
  /** The node to fence. */
  readonly target: string;
  /** What to do to it. */
  readonly action: FenceAction;
  /** Why (free text, for logs). */
  readonly reason: string;
  /** The cluster node executing the request. */
  readonly executor: string;
  /** The kind of node being fenced. */
  readonly kind: 'remote' | 'guest';
  /** Time budget of this attempt in ms; `signal` is aborted when it is spent. */
  readonly timeoutMs: number;
  /** Aborted on timeout, explicit abort or coordinator close; fencers must stop (kill children) then. */
  readonly signal: AbortSignal;
  /** 1-based attempt number within the operation. */
  readonly attempt: number;
}

/** Optional facts a fencer reports on success (kept in history). */
export interface FenceOutcome {
  /** Exit code of the agent or command, when one ran. */
  readonly exitCode?: number;
  /** Its standard output (truncated). */
  readonly stdout?: string;
  /** Free-form device or method description. */
  readonly device?: string;
}

/**
 * Something that can fence a node. Resolve when the action succeeded; reject (preferably with a
 * `FencingError`) when it failed. Honour `request.signal`.
 */
export interface Fencer {
  /** Short name for logs and history (e.g. `fence_ipmilan`, `stonith_admin`). */
  readonly name: string;
  /** Runs one attempt of `request.action` against `request.target`. */
  fence(request: FenceRequest): Promise<FenceOutcome | void>;
}
