/**
 * Options of the {@link FencingCoordinator} and of its `fence()` calls, and their validation.
 */
import { FencingError, FencingErrorCodes } from '../errors.js';
import type { ManagedNodeSnapshot, ManagerLike } from '../manager-like.js';
import type { FencingPolicyOptions } from '../policy/fencing-policy.js';
import type { FenceAction, FenceRequest, Fencer } from '../types.js';
import { assertNodeName } from '../validate.js';

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

/** Checks the manager, fencer, hook and executor options (throws `PCMK_FENCE_INVALID_ARGUMENT`). */
export function checkCoordinatorOptions(options: FencingCoordinatorOptions): void {
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
}

/** The `clusterNodes` option as a set (checked after the policy, as the constructor always did). */
export function clusterNodeSet(options: FencingCoordinatorOptions): ReadonlySet<string> | undefined {
  if (options.clusterNodes === undefined) return undefined;
  if (!Array.isArray(options.clusterNodes)) {
    throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, 'options.clusterNodes must be an array of node names');
  }
  return new Set(options.clusterNodes);
}

/** Why `executor` may not execute fencing (it is a remote/guest node, or not a cluster node), if it may not. */
export function executorProblem(executor: string, clusterNodes: ReadonlySet<string> | undefined, snapshots: ManagedNodeSnapshot[]): FencingError | undefined {
  const own = snapshots.find((n) => n.name === executor);
  if (own) {
    return new FencingError(
      FencingErrorCodes.INVALID_EXECUTOR,
      `${executor} is a ${own.kind} node: only cluster nodes execute fencing`,
      { details: { executor: executor } },
    );
  }
  if (clusterNodes && !clusterNodes.has(executor)) {
    return new FencingError(FencingErrorCodes.INVALID_EXECUTOR, `${executor} is not one of the cluster nodes`, {
      details: { executor: executor },
    });
  }
  return undefined;
}
