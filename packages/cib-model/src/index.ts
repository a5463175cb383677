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
