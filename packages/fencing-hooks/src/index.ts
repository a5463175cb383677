/**
 * `@pcmk-remote/fencing-hooks`: decides, with Pacemaker's rules, when a remote or guest node must be
 * fenced, runs the fencing through a pluggable {@link Fencer}, and tells the connection manager when the
 * node may be reconnected.
 *
 * Layers (each imports only the ones below it): `coordinator/` → `policy/` → shared modules
 * (`types`, `manager-like`, `errors`, `validate`, `log`); `fencers/` → shared modules.
 *
 * @packageDocumentation
 */
export {
  FencingCoordinator,
  type ContainerRestartHook,
  type ContainerRestartRequest,
  type FenceOptions,
  type FencingCoordinatorOptions,
} from './coordinator/fencing-coordinator.js';
export type {
  FenceFailedEvent,
  FenceHistoryEntry,
  FenceMethod,
  FenceOrigin,
  FenceRequestedEvent,
  FenceSkippedEvent,
  FenceSucceededEvent,
  FencingEvents,
  NodeFenceState,
  NodeFenceStatus,
} from './coordinator/events.js';
export { DEFAULT_POLICY, resolvePolicy, type FencingPolicy, type FencingPolicyOptions, type GuestRecovery } from './policy/fencing-policy.js';
export { classifyNodeDown, type NodeDownContext, type NodeDownDecision, type SkipReason } from './policy/classify.js';
export { FenceAgentFencer, type AgentPort, type AgentRunResult, type FenceAgentFencerOptions } from './fencers/fence-agent-fencer.js';
export {
  type AgentAction,
  type AgentParamValue,
  type AgentStdinOptions,
} from './fencers/agent-stdin.js';
export { StonithAdminFencer, type StonithAdminFencerOptions } from './fencers/stonith-admin-fencer.js';
export { CallbackFencer, type FenceCallback } from './fencers/callback-fencer.js';
export type { ProcessResult } from './fencers/run-process.js';
export { FENCE_ACTIONS, type FenceAction, type FenceOutcome, type FenceRequest, type Fencer } from './types.js';
export type {
  ManagedNodeSnapshot,
  ManagerLike,
  NodeDownEvent,
  NodeDownReason,
  NodeShutdownRequestEvent,
  NodeUpEvent,
  StateEvent,
} from './manager-like.js';
export {
  FencingError,
  FencingErrorCodes,
  isFencingError,
  type FencingErrorCode,
  type FencingErrorDetails,
} from './errors.js';
