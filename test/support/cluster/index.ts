/**
 * The project's real-cluster fixture (one entry point): `startCluster({ nodes, remotes, stack })`.
 * See cluster.ts for the handle, stack.ts for the stack seam, and scripts/cluster.sh for a person's use.
 */
export { startCluster, stopAll } from './cluster.js';
export type { ClusterHandle, ClusterOptions, ClusterState } from './cluster.js';
export type { ClusterStack, NodeRole, StackDriver } from './stack.js';
export { ensureChrootStack } from './stack.js';
export { parseCrmMon } from './crm-mon.js';
export type { CrmMonNode, CrmMonResource, CrmMonView } from './crm-mon.js';
export { CibHelpers, dummyXml, locationXml, remotePrimitiveXml } from './cib-helpers.js';
export type { RemoteConnectionOptions } from './cib-helpers.js';
export { ClusterFixtureError } from './errors.js';
export type { ClusterFixtureErrorCode } from './errors.js';
export type { ExecResult } from './namespaces.js';
export { runInNode, CLI_MAIN, MONITORING_AGENT_MAIN } from './programs.js';
export type { NodeProgram, TimedLine } from './programs.js';
export { consistentRead, crmMonStatuses, modelStatuses, plain, scrapeStatuses, STATUSES } from './oracle.js';
export { stopAndExpectNothingLeft } from './leftovers.js';
