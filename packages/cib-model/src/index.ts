/**
 * `@pcmk-remote/cib-model`: the CIB XML model of Pacemaker Remote and guest nodes.
 * @packageDocumentation
 */
export { CibModelError, CibModelErrorCodes, isCibModelError } from './errors.js';
export type { CibModelErrorCode } from './errors.js';
export type { Diagnostic, NodeState, RemoteNodeSpec } from './types.js';
export { Cib, parseCib } from './cib.js';
export type { ParseCibOptions } from './cib.js';
export { parseDuration, tryParseDuration } from './parse/duration.js';
export { DiagnosticCodes } from './derive/diagnostic-codes.js';
export type { DiagnosticCode } from './derive/diagnostic-codes.js';
export { deriveRemoteNodes } from './derive/remote-nodes.js';
export type { RemoteNodeDerivation, RemoteNodeOrigin } from './derive/remote-nodes.js';
export { validateCib } from './validate/index.js';
export { activeResourceLocations } from './derive/resource-state.js';
export { DEFAULT_REMOTE_PORT } from './parse/numbers.js';
export type { DurationOptions } from './parse/duration.js';
export { parseXml, serializeXml } from './parse/xml-tree.js';
export type { XmlComment, XmlElement, XmlNode, XmlParseLimits, XmlText } from './parse/xml-tree.js';
export { addRemoteNode, removeRemoteNode, REMOTE_AGENT_ACTIONS } from './build/remote-node.js';
export type { AddRemoteNodeOptions, RemoteAgentAction, RemoteNodeOperation, RemoveRemoteNodeOptions } from './build/remote-node.js';
export { addGuestNode, removeGuestNode } from './build/guest-node.js';
export type { AddGuestNodeOptions, RemoveGuestNodeOptions } from './build/guest-node.js';
export type { DurationInput } from './build/values.js';
