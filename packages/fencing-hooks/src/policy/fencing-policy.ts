import { FencingError, FencingErrorCodes } from '../errors.js';
import { assertNumber } from '../validate.js';

/** How a lost guest node is recovered. */
export type GuestRecovery = 'container-restart' | 'fencer';

/** Pacemaker's rules, as options. Every field is optional; see {@link DEFAULT_POLICY}. */
export interface FencingPolicyOptions {
  /** Fence at all on connection loss (Pacemaker's `stonith-enabled`). Manual `fence()` works either way. Default `true`. */
  enabled?: boolean;
  /** Action used for automatic fencing (Pacemaker's `stonith-action`). Default `reboot`. */
  action?: 'reboot' | 'off';
  /**
   * Time between the loss of an established connection and the fence request. Default `0` (Pacemaker:
   * fence as soon as the loss is seen). See {@link FencingPolicyOptions.reconnectDuringGrace}.
   */
  graceMs?: number;
  /**
   * Whether the manager may reconnect during `graceMs`. Default `false`: the reconnect hold is taken at
   * once, so the node cannot come back and the grace only delays the fence. `true` (with `graceMs > 0`): no
   * hold during the grace; a `node-up` within it cancels the fence (`fence-skipped`, `recovered`). This
   * deviates from Pacemaker (which never reconnects an unclean node): resources that were running there may
   * meanwhile have been recovered elsewhere.
   */
  reconnectDuringGrace?: boolean;
  /**
   * Treat `node-down` reason `takeover` as a loss. Default `false`: Pacemaker's controller steps aside when
   * another client takes the connection over; the node itself is fine.
   */
  fenceOnTakeover?: boolean;
  /** Time budget of one attempt (Pacemaker's `stonith-timeout`). Default 60 000 ms. */
  timeoutMs?: number;
  /** Retries after a failed attempt (Pacemaker's fencer: 2, `pcmk_*_retries`). Default 2. */
  retries?: number;
  /** Delay between attempts (Pacemaker's fencer sleeps 1 s). Default 1 000 ms. */
  retryDelayMs?: number;
  /**
   * Guest nodes: `container-restart` (default, as Pacemaker: a guest is recovered by restarting its
   * container resource through the coordinator's `restartContainer` hook) or `fencer` (use the fencer).
   */
  guestRecovery?: GuestRecovery;
  /** After a successful fence, call `reconnectNode()` when the node is `failed` (reconnect_interval 0). Default `true`. */
  reconnectAfterFence?: boolean;
  /** History entries kept per target (oldest dropped). Default 50. */
  historyLimit?: number;
}

/** A policy with every field set. */
export type FencingPolicy = Readonly<Required<FencingPolicyOptions>>;

/** The defaults. */
export const DEFAULT_POLICY: FencingPolicy = Object.freeze({
  enabled: true,
  action: 'reboot',
  graceMs: 0,
  reconnectDuringGrace: false,
  fenceOnTakeover: false,
  timeoutMs: 60_000,
  retries: 2,
  retryDelayMs: 1_000,
  guestRecovery: 'container-restart',
  reconnectAfterFence: true,
  historyLimit: 50,
});

/** Validates options and fills in defaults. @throws FencingError `PCMK_FENCE_INVALID_ARGUMENT`. */
export function resolvePolicy(options: FencingPolicyOptions = {}): FencingPolicy {
  if (typeof options !== 'object' || options === null) {
    throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, 'policy must be an object');
  }
  const p = { ...DEFAULT_POLICY, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as Required<FencingPolicyOptions>;
  for (const key of ['enabled', 'reconnectDuringGrace', 'fenceOnTakeover', 'reconnectAfterFence'] as const) {
    if (typeof p[key] !== 'boolean') throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, `policy.${key} must be a boolean`);
  }
  if (p.action !== 'reboot' && p.action !== 'off') {
    throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, `policy.action must be reboot or off, got ${String(p.action)}`);
  }
  if (p.guestRecovery !== 'container-restart' && p.guestRecovery !== 'fencer') {
    throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, `policy.guestRecovery must be container-restart or fencer`);
  }
  assertNumber(p.graceMs, 'policy.graceMs', 0);
  assertNumber(p.timeoutMs, 'policy.timeoutMs', 1);
  assertNumber(p.retries, 'policy.retries', 0, true);
  assertNumber(p.retryDelayMs, 'policy.retryDelayMs', 0);
  assertNumber(p.historyLimit, 'policy.historyLimit', 1, true);
  return Object.freeze(p);
}
