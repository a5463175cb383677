/**
 * `addRemoteNode` / `removeRemoteNode`: the offline equivalents of `pcs cluster node add-remote` and
 * `pcs cluster node remove-remote` (pcs 0.11.5, `pcs/lib/commands/remote_node.py`,
 * `pcs/lib/cib/resource/remote_node.py`), checked against `pcs -f` itself by
 * `test/real/pcs-oracle.test.ts`.
 *
 * @packageDocumentation
 */
import type { Cib } from '../cib.js';
import { Cib as CibClass } from '../cib.js';
import { CibModelError, CibModelErrorCodes } from '../errors.js';
import { tryParseDuration } from '../parse/duration.js';
import { element, elements, type XmlElement } from '../parse/xml-tree.js';
import { IdAllocator } from './ids.js';
import { isRemotePrimitive, knownNodes, nvValue } from './nodes.js';
import { deletePrimitive, refuseTagged, removeLocationsOnNode } from './references.js';
import { purgeNodeEntries } from './purge.js';
import { bumpEpoch, cloneTree, configSection, insertChild, parentMap } from './tree.js';
import { attributeRecord, durationText, nodeName, nonEmpty, optionalHost, portText, type DurationInput } from './values.js';

/** Actions of the `ocf:pacemaker:remote` agent (Pacemaker 2.1.5 metadata, `meta-data` excluded as pcs does). */
export const REMOTE_AGENT_ACTIONS = ['start', 'stop', 'monitor', 'migrate_to', 'migrate_from', 'reload', 'reload-agent'] as const;

/** One action of the remote agent. */
export type RemoteAgentAction = (typeof REMOTE_AGENT_ACTIONS)[number];

/** An operation of the connection resource (`<op>`). */
export interface RemoteNodeOperation {
  /** The action. */
  name: RemoteAgentAction;
  /** `interval`. Default: `60s` for `monitor` (pcs's default monitor interval), `0s` otherwise. */
  interval?: DurationInput;
  /** `timeout`. Default: none (Pacemaker then uses the op default, 20 s), exactly as pcs does for an operation given explicitly. */
  timeout?: DurationInput;
  /**
   * Other `<op>` attributes, written after `interval`/`timeout`: those the CIB schema allows on an `<op>`
   * ({@link OP_ATTRIBUTES}: `on-fail`, `role`, `start-delay`, ...). Anything else is refused.
   */
  attributes?: Record<string, string>;
}

/** Options of {@link addRemoteNode}. */
export interface AddRemoteNodeOptions {
  /** Node name; also the id of the connection resource. Must be a valid XML id not used anywhere in the CIB. */
  name: string;
  /** Address to connect to (`server`). Default: the node name. Always written, as pcs does. */
  server?: string;
  /** TCP port (`port`). Default: not written (Pacemaker uses 3121). */
  port?: number;
  /** `reconnect_interval` (duration string, ISO 8601 allowed, or ms). Default: not written (no delay). */
  reconnectInterval?: DurationInput;
  /**
   * Operations. An action listed here replaces the default operation of that action; the other defaults
   * stay (unless `defaultOps` is false).
   */
  ops?: readonly RemoteNodeOperation[];
  /**
   * Add the agent's default operations (`pcs` default; `false` = `pcs --no-default-ops`: only a monitor is
   * added). Defaults, from the 2.1.5 agent metadata plus pcs's 60 s monitor interval: `monitor` 60s/30s,
   * `start`, `stop`, `migrate_to`, `migrate_from`, `reload`, `reload-agent` 0s/60s.
   */
  defaultOps?: boolean;
  /** Meta attributes of the connection resource (`target-role`, `is-managed`, ...). Written sorted by name, as pcs does. */
  meta?: Record<string, string>;
}

/** Default operations pcs 0.11.5 writes for the 2.1.5 agent: [name, interval, timeout]. */
const DEFAULT_OPS: ReadonlyArray<readonly [RemoteAgentAction, string, string]> = [
  ['start', '0s', '60s'],
  ['stop', '0s', '60s'],
  ['monitor', '60s', '30s'],
  ['migrate_to', '0s', '60s'],
  ['migrate_from', '0s', '60s'],
  ['reload', '0s', '60s'],
  ['reload-agent', '0s', '60s'],
];

const OP_RESERVED = new Set(['id', 'name', 'interval', 'timeout']);

/**
 * The attributes the CIB schema (pacemaker-3.x `resources` grammar) allows on an `<op>` besides the reserved
 * ones: the only names written as `<op>` attributes, so that no key can inject markup or produce a
 * document Pacemaker refuses.
 */
export const OP_ATTRIBUTES = ['description', 'enabled', 'interval-origin', 'on-fail', 'record-pending', 'requires', 'role', 'start-delay'] as const;

function conflict(message: string, ids: string[]): CibModelError {
  return new CibModelError(CibModelErrorCodes.CONFLICT, message, { ids });
}

function invalid(message: string): CibModelError {
  return new CibModelError(CibModelErrorCodes.INVALID_ARGUMENT, message);
}

/** Validated `<op>` attributes, in pcs's order (user-given keys first, a defaulted interval after them). */
function opAttributes(ops: readonly RemoteNodeOperation[] | undefined, defaultOps: boolean): Array<Array<[string, string]>> {
  if (ops !== undefined && !Array.isArray(ops)) throw invalid('ops must be an array of operations');
  const user: Array<Array<[string, string]>> = [];
  const given = new Set<string>();
  const seen = new Set<string>();
  (ops ?? []).forEach((op, i) => {
    if (typeof op !== 'object' || op === null) throw invalid(`ops[${i}] must be an object`);
    if (!(REMOTE_AGENT_ACTIONS as readonly string[]).includes(op.name)) {
      throw invalid(`ops[${i}].name ${JSON.stringify(op.name)} is not an action of ocf:pacemaker:remote (${REMOTE_AGENT_ACTIONS.join(', ')})`);
    }
    const attrs: Array<[string, string]> = [['name', op.name]];
    const interval = op.interval === undefined ? undefined : durationText(`ops[${i}].interval`, op.interval, true);
    if (interval !== undefined) attrs.push(['interval', interval]);
    if (op.timeout !== undefined) attrs.push(['timeout', durationText(`ops[${i}].timeout`, op.timeout, false)]);
    for (const [k, v] of attributeRecord(`ops[${i}].attributes`, op.attributes)) {
      if (OP_RESERVED.has(k)) throw invalid(`ops[${i}].attributes may not set ${JSON.stringify(k)}; use the dedicated field`);
      if (!(OP_ATTRIBUTES as readonly string[]).includes(k)) {
        throw invalid(`ops[${i}].attributes: ${JSON.stringify(k)} is not an attribute of <op> (allowed: ${OP_ATTRIBUTES.join(', ')})`);
      }
      attrs.push([k, v]);
    }
    const effectiveInterval = interval ?? (op.name === 'monitor' ? '60s' : '0s');
    if (interval === undefined) attrs.push(['interval', effectiveInterval]);
    // Pacemaker identifies an operation by name + interval: two of them would collide (pcs refuses too).
    const key = `${op.name}/${tryParseDuration(effectiveInterval) ?? effectiveInterval}`;
    if (seen.has(key)) throw invalid(`ops: two ${op.name} operations with interval ${effectiveInterval}`);
    seen.add(key);
    given.add(op.name);
    user.push(attrs);
  });
  const defaults = DEFAULT_OPS.filter(([name]) => !given.has(name) && (defaultOps || name === 'monitor')).map(
    ([name, interval, timeout]): Array<[string, string]> => [['name', name], ['interval', interval], ['timeout', timeout]],
  );
  const all = [...user, ...defaults];
  // pcs sorts the operations by name (stable: user operations keep their order among themselves).
  return all
    .map((a, i) => ({ a, i }))
    .sort((x, y) => {
      const nx = x.a[0]?.[1] ?? '';
      const ny = y.a[0]?.[1] ?? '';
      return nx < ny ? -1 : nx > ny ? 1 : x.i - y.i;
    })
    .map((x) => x.a);
}

/**
 * Adds a Pacemaker Remote node: an `ocf:pacemaker:remote` primitive named after the node, appended to
 * `<resources>`, as `pcs cluster node add-remote NAME [SERVER] [port=..] [reconnect_interval=..] [op ...] [meta ...]`
 * writes it. Does not touch the input `cib`; returns a new one whose `epoch` is incremented.
 *
 * Checks (pcs's, plus a few pcs -f cannot make):
 * - `name` is a valid id (`[A-Za-z_][A-Za-z0-9_.-]*`) not used as an id anywhere in the configuration, nor
 *   as a node name (remote, guest, or cluster node from `<nodes>`) - `PCMK_CIB_CONFLICT`;
 * - the address (`server`, default the name) is not the address of another node - `PCMK_CIB_CONFLICT`;
 * - `port` is 1-65535, durations parse as Pacemaker parses them, op names are agent actions -
 *   `PCMK_CIB_INVALID_ARGUMENT` (pcs 0.11.5 writes an invalid port or interval unchecked).
 *
 * @throws {@link CibModelError} `PCMK_CIB_INVALID_ARGUMENT`, `PCMK_CIB_CONFLICT`, `PCMK_CIB_NOT_A_CIB`
 * @example
 * const out = addRemoteNode(cib, { name: 'rnode1', server: '10.0.0.5', reconnectInterval: '60s' });
 */
export function addRemoteNode(cib: Cib, opts: AddRemoteNodeOptions): Cib {
  if (typeof opts !== 'object' || opts === null) throw invalid('addRemoteNode needs an options object');
  const name = nodeName('name', opts.name);
  const server = optionalHost('server', opts.server) ?? name;
  const port = opts.port === undefined ? undefined : portText('port', opts.port);
  const reconnect = opts.reconnectInterval === undefined ? undefined : durationText('reconnectInterval', opts.reconnectInterval, true);
  const meta = attributeRecord('meta', opts.meta);
  const ops = opAttributes(opts.ops, opts.defaultOps ?? true);

  const doc = cloneTree(cib.document);
  const resources = configSection(doc, 'resources');
  const ids = new IdAllocator(doc);
  const nodes = knownNodes(doc);
  const addrTaken = nodes.find((n) => n.addr === server);
  if (addrTaken) {
    throw conflict(`Address ${JSON.stringify(server)} is already used by ${addrTaken.kind} node ${JSON.stringify(addrTaken.name)}`, [server]);
  }
  // pcs skips the name check when the name equals the (already reported) address.
  const nameTaken = nodes.find((n) => n.name === name);
  if (nameTaken) throw conflict(`${JSON.stringify(name)} is already the name of a ${nameTaken.kind} node`, [name]);
  if (ids.has(name)) throw conflict(`${JSON.stringify(name)} already exists as an id in the CIB`, [name]);

  const id = ids.allocate(name);
  const prim = element('primitive', { id, class: 'ocf', type: 'remote', provider: 'pacemaker' });
  const instance: Array<[string, string]> = [['server', server]];
  if (port !== undefined) instance.push(['port', port]);
  if (reconnect !== undefined) instance.push(['reconnect_interval', reconnect]);
  prim.children.push(nvset(ids, prim, 'instance_attributes', instance));
  if (meta.length > 0) prim.children.push(nvset(ids, prim, 'meta_attributes', meta));
  const operations = element('operations');
  for (const attrs of ops) {
    const op = element('op', Object.fromEntries(attrs));
    op.attrs['id'] = ids.child(prim, `${op.attrs['name']}-interval-${op.attrs['interval']}`);
    operations.children.push(op);
  }
  prim.children.push(operations);
  insertChild(doc, resources, prim);
  bumpEpoch(doc);
  return CibClass.fromDocument(doc);
}

/** An nvset with nvpairs sorted by name (pcs sorts them), ids `<set id>-<name>`. */
export function nvset(ids: IdAllocator, owner: XmlElement, tag: 'instance_attributes' | 'meta_attributes', pairs: Array<[string, string]>): XmlElement {
  const set = element(tag, { id: ids.child(owner, tag) });
  for (const [k, v] of [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    set.children.push(element('nvpair', { id: ids.child(set, k), name: k, value: v }));
  }
  return set;
}

/** Options of {@link removeRemoteNode}. */
export interface RemoveRemoteNodeOptions {
  /**
   * Also remove the node's `<node>` entry in `configuration/nodes` and its `node_state` in `status`, which
   * `pcs cluster node remove-remote` does on a live cluster with `crm_node --force --remove NAME` and cannot
   * do with `-f`. Default `true`: the result then matches what the live cluster ends with (without it, the
   * node lingers as an offline node with stale attributes). `false` gives exactly what `pcs -f` writes.
   */
  purgeNode?: boolean;
  /** Remove all connection resources matching `node` when there are several (pcs `--force`). Default `false`. */
  allowMultiple?: boolean;
}

/**
 * Removes a remote node, as `pcs cluster node remove-remote NODE` does: finds the `ocf:pacemaker:remote`
 * primitive(s) whose id or `server` is `node`, deletes each with every constraint, set member, fencing
 * level device and ACL permission referring to it, and the location constraints on the node name; see
 * {@link RemoveRemoteNodeOptions.purgeNode} for the node entries. Returns a new `Cib` (epoch + 1).
 *
 * @throws {@link CibModelError} `PCMK_CIB_NOT_FOUND` when no remote node matches; `PCMK_CIB_CONFLICT` when
 *   several match (without `allowMultiple`) or a tag refers to the resource (pcs refuses both).
 */
export function removeRemoteNode(cib: Cib, node: string, options: RemoveRemoteNodeOptions = {}): Cib {
  nonEmpty('node', node);
  const doc = cloneTree(cib.document);
  const resources = configSection(doc, 'resources');
  const parents = parentMap(doc);
  const matches: XmlElement[] = [];
  const stack = [resources];
  while (stack.length > 0) {
    const cur = stack.pop() as XmlElement;
    for (const c of elements(cur)) {
      if (c.name === 'primitive') {
        if (isRemotePrimitive(c) && (c.attrs['id'] === node || nvValue(c, 'instance_attributes', 'server') === node)) matches.push(c);
      } else if (c.name !== 'bundle') {
        stack.push(c);
      }
    }
  }
  if (matches.length === 0) throw new CibModelError(CibModelErrorCodes.NOT_FOUND, `Remote node ${JSON.stringify(node)} does not appear to exist in configuration`, { ids: [node] });
  const matchIds = matches.map((m) => m.attrs['id'] ?? '');
  if (matches.length > 1 && !options.allowMultiple) {
    throw conflict(`More than one remote node matches ${JSON.stringify(node)}: ${matchIds.join(', ')}`, matchIds);
  }
  refuseTagged(doc, matchIds, `the connection resource of remote node ${JSON.stringify(node)}`);
  for (const prim of matches) {
    const nodeName = prim.attrs['id'] ?? '';
    if (!parents.get(prim)) continue;
    deletePrimitive(doc, prim);
    removeLocationsOnNode(doc, nodeName);
    if (options.purgeNode ?? true) purgeNodeEntries(doc, nodeName);
  }
  bumpEpoch(doc);
  return CibClass.fromDocument(doc);
}
