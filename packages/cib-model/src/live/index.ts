/**
 * `@pcmk-remote/cib-model/live`: the CIB of a live cluster, read and followed with the cluster's own tools
 * (`cibadmin --query`, `crm_mon`). This is the only part of the package that does I/O; the model in the
 * main entry point stays pure. Used by `pcmk-remote nodes --live`, `pcmk-remote watch --live` and the
 * monitoring-agent example.
 * @packageDocumentation
 */
export { LiveCib, readLiveCib, sameVersion } from './live-cib.js';
export type { CibVersion, LiveCibEvents, LiveCibOptions, LiveCibSnapshot } from './live-cib.js';
export { diffNodeViews, nodeViews, shardOf, stateWord } from './node-views.js';
export type { NodeChange, NodeView } from './node-views.js';
export type { ToolOptions } from './run-tool.js';
