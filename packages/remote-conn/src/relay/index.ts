/**
 * The IPC relay: serving the cluster tools and resource agents of remote nodes (protocol.md §3.6).
 */
export type * from './types.js';
export { RelayDispatcher, controllerRewrites, type RelayDispatcherOptions, type RelayStats } from './dispatcher.js';
export { NodeAttributeStore, type AttributeChangeEvent, type NodeAttributeStoreEvents, type SetAttributeOptions } from './node-attribute-store.js';
export { AttrdTask, attrdAck, attrdQueryReply, readAttrdRequest, parseDurationMs, type AttrdOperation } from './attrd-messages.js';
export { ControllerInfoRelay, controllerReply, type ClusterMember, type ControllerInfoRelayOptions } from './controller-relay.js';
export { ReadOnlyCibRelay, CibCallOptions, type ReadOnlyCibRelayOptions } from './cib-relay.js';
export { composeRelays, type RelaysByChannel } from './compose.js';
export { schemasAfter, compareSchemaNames } from './schema-files.js';
export { FencingHistoryRelay, type FencingHistoryEntry, type FencingHistoryRelayOptions } from './fencer-relay.js';
