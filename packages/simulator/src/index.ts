/**
 * `@pcmk-remote/simulator`: a simulated pacemaker-remoted for tests of cluster-side clients
 * (custom controllers, this library's own conformance suites and scale benchmarks).
 *
 * @example
 * ```ts
 * import { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';
 * const sim = await SimulatedRemoteDaemon.start({ key, version: '2.1.5' });
 * sim.agents.set('ocf:pacemaker:Dummy', { start: { rc: 0, delayMs: 20 }, monitor: (ctx) => ({ rc: ctx.running ? 0 : 7 }) });
 * // connect a client to sim.host:sim.port, inject faults (sim.pause(), sim.refuse(), sim.requestShutdown()...)
 * await sim.stop();
 * ```
 *
 * @packageDocumentation
 */
export { SimulatedRemoteDaemon, type PromotionScoreHook } from './simulated-daemon.js';
export {
  SIM_PSK_CIPHERS,
  type SimulatedDaemonOptions,
  type SimulatedDaemonEvents,
  type SimClientInfo,
  type SimRequestEvent,
  type SimX509Options,
} from './sim-options.js';
export { dummyAgent, dummyMetadata, DUMMY_METADATA } from './dummy-agent.js';
export { statefulAgent, statefulMetadata, SCORE_PROMOTED, SCORE_UNPROMOTED, type StatefulAgentOptions } from './stateful-agent.js';
export { readableInterval, timeoutExitReason } from './readable-interval.js';
export {
  SimulatedRemoteFarm,
  type FarmOptions,
  type FarmEvents,
  type FarmNode,
  type FarmNodeRow,
  type FarmNodeState,
  type FarmRequestEvent,
  type FarmStatus,
} from './farm.js';
export {
  AgentRegistry,
  agentKey,
  type AgentContext,
  type AgentResult,
  type AgentScript,
  type ActionScript,
} from './agents.js';
export type { SimResourceInfo } from './executor.js';
export { versionFeatures, type VersionFeatures, type ShutdownMode } from './versions.js';
export { defaultGarbage } from './faults.js';
export { SimIpcProxy, SimIpcClient, SimIpcError } from './ipc-proxy.js';
export { runSimTool, SIM_TOOLS, type SimToolOptions, type SimToolResult } from './sim-tools.js';
