/**
 * `@pcmk-remote/cib-model/internal`: helpers this package's own tests and tools use (XML tree navigation,
 * the resource index). NOT a stable API: anything here may change or disappear in any release, without
 * notice. Use the package root instead.
 *
 * @packageDocumentation
 */
export { element, elements, findAll, firstElement } from './parse/xml-tree.js';
export { ResourceIndex, isRemoteAgent, DEFAULT_OP_TIMEOUT_MS } from './parse/resources.js';
export type { OpTimeout, ResourceEntry, ResourceElementName } from './parse/resources.js';
export { nextBundleIp } from './derive/remote-nodes.js';
