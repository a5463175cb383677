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
export type { DurationOptions } from './parse/duration.js';
export { element, elements, findAll, firstElement, parseXml, serializeXml } from './parse/xml-tree.js';
export type { XmlComment, XmlElement, XmlNode, XmlParseLimits, XmlText } from './parse/xml-tree.js';
export { addRemoteNode, removeRemoteNode, REMOTE_AGENT_ACTIONS } from './build/remote-node.js';
export type { AddRemoteNodeOptions, RemoteAgentAction, RemoteNodeOperation, RemoveRemoteNodeOptions } from './build/remote-node.js';
export { addGuestNode, removeGuestNode } from './build/guest-node.js';
export type { AddGuestNodeOptions, RemoveGuestNodeOptions } from './build/guest-node.js';
export type { DurationInput } from './build/values.js';
