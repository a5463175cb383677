/**
 * Remote, guest and bundle nodes, derived as Pacemaker 2.1.5 derives them (facts from
 * `lib/pengine/unpack.c` `unpack_remote_nodes` / `expand_remote_rsc_meta`, `lib/pengine/remote.c`
 * `pe_create_remote_xml`, `lib/pengine/complex.c` `pe__unpack_resource`, `lib/pengine/bundle.c`,
 * `lib/pengine/pe_actions.c` `unpack_operation`, and the controller's `controld_remote_ra.c` /
 * `lrmd__new` for what `server`/`port` become).
 *
 * - **Remote nodes**: every *top-level* `ocf:pacemaker:remote` primitive; name = resource id. Host =
 *   `server` (or `addr`) instance attribute, default the name; port = `atoi(port)`, 0/unset meaning 3121;
 *   `reconnect_interval` (interval syntax, ISO 8601 allowed), default 0; connect timeout = the `start`
 *   action's timeout: the first `<op name="start">` with interval 0, else `op_defaults`, else **20 s**
 *   (`CRM_DEFAULT_OP_TIMEOUT_S`; Pacemaker does not use 60 s here). Such a primitive with a `container`
 *   meta attribute naming an existing resource is a guest node instead (no reconnect interval then).
 * - **Guest nodes**: a top-level primitive, or a primitive directly in a top-level group, with the
 *   `remote-node` meta attribute. Pacemaker reads these four attributes raw from every `meta_attributes`
 *   block of the primitive (names case-insensitive, the last one wins, no rules, no `id-ref`):
 *   `remote-node` (the node name and the id of the implicit connection resource), `remote-addr` (default:
 *   the name), `remote-port` (3121), `remote-connect-timeout` (`60s`; unparsable → 20 s).
 * - **Bundle nodes**: a bundle with a primitive and `ip-range-start` or `control-port` has one guest node
 *   per replica `i` (0-based): name and connection id `<bundle>-<i>` (or `pcmk-internal-<primitive>:<i>-remote-<i>`
 *   when an earlier resource already has that id), container `<bundle>-<docker|rkt|podman>-<i>`, host the
 *   replica's IP (`ip-range-start`, then +1 per replica as Pacemaker counts) or, without an IP range,
 *   Pacemaker's `#uname`: the node the container runs on (from the status section; the literal `#uname`
 *   while the container is not active), port `control-port` or 3121, connect timeout from `op_defaults`
 *   or 20 s. Replicas: `replicas`, default `promoted-max` when that is set, else 1.
 *
 * Linear in the size of the configuration: one index of resources and ids, one pass over the status
 * section (`activeResourceLocations`).
 */
import { elements, firstElement, type XmlElement } from '../parse/xml-tree.js';
import { ResourceIndex, isRemoteAgent, type ResourceEntry } from '../parse/resources.js';
import type { UnevaluatedBlock } from '../parse/nvpairs.js';
import { tryParseDuration } from '../parse/duration.js';
import { readPort, scanMinInt, DEFAULT_REMOTE_PORT } from '../parse/numbers.js';
import type { Diagnostic, RemoteNodeSpec } from '../types.js';
import { DiagnosticCodes } from './diagnostic-codes.js';
import { activeResourceLocations } from './resource-state.js';
import { implicitConnection, readRawGuestMeta } from './guest-meta.js';
import { nextBundleIp, sanitizeId } from './bundle-naming.js';

export { DEFAULT_GUEST_CONNECT_TIMEOUT, readRawGuestMeta } from './guest-meta.js';
export { nextBundleIp } from './bundle-naming.js';

/** Most replicas of one bundle this model expands (a guard against absurd values). */
export const MAX_BUNDLE_REPLICAS = 65_536;

/** Where a derived node came from (for validation). */
export interface RemoteNodeOrigin {
  spec: RemoteNodeSpec;
  /** `remote`: ocf:pacemaker:remote primitive; `guest`: remote-node meta; `bundle`: bundle replica;
   * `orphan`: a connection known only from the status section. */
  source: 'remote' | 'guest' | 'bundle' | 'orphan';
  /** The resource that declared it (the remote primitive, the guest's container, the bundle); undefined
   * for orphans. */
  entry: ResourceEntry | undefined;
}

/** Everything {@link deriveRemoteNodes} finds. */
export interface RemoteNodeDerivation {
  /** One spec per node name (the first declaration wins, as in Pacemaker's node list). */
  nodes: RemoteNodeSpec[];
  /** Every declaration, duplicates included, with its origin. */
  origins: RemoteNodeOrigin[];
  /** Value problems met while deriving (durations, ports, rules, bundles). */
  diagnostics: Diagnostic[];
  /** The resource index used (shared with validation). */
  index: ResourceIndex;
  /** Resource id → nodes where it is active (status section). */
  active: Map<string, string[]>;
}

class Deriver {
  readonly origins: RemoteNodeOrigin[] = [];
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly index: ResourceIndex, readonly active: Map<string, string[]>) {}

  private diag(severity: Diagnostic['severity'], code: string, message: string, ids: string[]): void {
    this.diagnostics.push({ severity, code, message, ids });
  }

  private reportUnevaluated(owner: string, blocks: UnevaluatedBlock[], relevant: readonly string[]): void {
    for (const b of blocks) {
      const names = b.names.filter((n) => relevant.includes(n));
      if (names.length === 0) continue;
      this.diag('warning', DiagnosticCodes.RULE_NOT_EVALUATED,
        `${owner}: the rule of ${b.id} (setting ${names.join(', ')}) depends on node attributes or the date and was not evaluated; its values were not used`,
        [owner, b.id]);
    }
  }

  private runningOn(connectionId: string): string | undefined {
    const where = this.active.get(connectionId);
    if (where === undefined || where.length === 0) return undefined;
    if (where.length > 1) {
      this.diag('warning', DiagnosticCodes.CONNECTION_MULTIPLE_ACTIVE,
        `Connection resource ${connectionId} is active on several nodes (${where.join(', ')}); runningOn is the first`, [connectionId]);
    }
    return where[0];
  }

  private port(owner: string, attr: string, text: string | undefined): number {
    const r = readPort(text);
    if (r.quality === 'invalid') {
      this.diag('error', DiagnosticCodes.INVALID_PORT,
        `${owner}: ${attr}="${text ?? ''}" is not a port 1-65535; Pacemaker's controller falls back to ${DEFAULT_REMOTE_PORT} or fails`, [owner]);
    } else if (r.quality === 'lenient') {
      this.diag('warning', DiagnosticCodes.INVALID_PORT,
        `${owner}: ${attr}="${text ?? ''}" is not a plain number; Pacemaker reads it as ${r.port}`, [owner]);
    }
    return r.port;
  }

  private startTimeout(owner: string, e: XmlElement, what: string): number {
    const unevaluated: UnevaluatedBlock[] = [];
    const t = this.index.opTimeout(e, 'start', 0, unevaluated);
    this.reportUnevaluated(owner, unevaluated, ['timeout']);
    if (t.invalid) {
      this.diag('error', DiagnosticCodes.INVALID_DURATION,
        `${owner}: ${what}="${t.text ?? ''}" is not a valid timeout; Pacemaker uses 20s`, [owner, ...(t.opId ? [t.opId] : [])]);
    }
    return t.ms;
  }

  remote(entry: ResourceEntry): void {
    const id = entry.id;
    const e = entry.element;
    const metaUnevaluated: UnevaluatedBlock[] = [];
    const meta = this.index.meta(entry, metaUnevaluated);
    this.reportUnevaluated(id, metaUnevaluated, ['container']);
    const containerId = meta.get('container');
    const container = containerId !== undefined && containerId.toLowerCase() !== id.toLowerCase()
      ? this.index.byId.get(containerId) : undefined;
    const paramsUnevaluated: UnevaluatedBlock[] = [];
    const params = this.index.params(entry, paramsUnevaluated);
    this.reportUnevaluated(id, paramsUnevaluated, ['server', 'addr', 'port', 'reconnect_interval']);
    let reconnectIntervalMs = 0;
    const reconnect = params.get('reconnect_interval');
    if (containerId === undefined && reconnect !== undefined) {
      const ms = tryParseDuration(reconnect);
      if (ms === undefined) {
        this.diag('error', DiagnosticCodes.INVALID_DURATION,
          `${id}: reconnect_interval="${reconnect}" is not a valid interval; Pacemaker uses 0 (no reconnect delay)`, [id]);
      } else reconnectIntervalMs = ms;
    }
    const spec: RemoteNodeSpec = {
      name: id,
      kind: container !== undefined ? 'guest' : 'remote',
      host: params.get('server') ?? params.get('addr') ?? id,
      port: this.port(id, 'port', params.get('port')),
      reconnectIntervalMs,
      connectTimeoutMs: this.startTimeout(id, e, 'start timeout'),
      connectionResource: id,
    };
    if (container !== undefined) spec.containerResource = container.id;
    const on = this.runningOn(id);
    if (on !== undefined) spec.runningOn = on;
    this.origins.push({ spec, source: 'remote', entry });
  }

  guest(entry: ResourceEntry): void {
    const raw = readRawGuestMeta(entry.element, this.index);
    if (raw.notExpanded.length > 0) {
      this.diag('warning', DiagnosticCodes.GUEST_META_NOT_EXPANDED,
        `${entry.id}: guest node attributes in a block with a rule or behind id-ref; Pacemaker 2.1.5 reads remote-node/remote-addr/remote-port/remote-connect-timeout raw from the primitive's own meta_attributes, ignoring rules and references`,
        [entry.id, ...raw.notExpanded]);
    }
    if (raw.name === undefined) return;
    if (raw.name === '') {
      this.diag('error', DiagnosticCodes.INVALID_NODE_NAME, `${entry.id}: remote-node is empty`, [entry.id]);
      return;
    }
    const name = raw.name;
    let connectTimeoutMs: number;
    if (raw.connectTimeout === null) {
      connectTimeoutMs = this.startTimeout(name, implicitConnection(name, null), 'remote-connect-timeout');
    } else {
      const ms = tryParseDuration(raw.connectTimeout, { iso8601: false });
      if (ms === undefined || ms > 2147483647) {
        this.diag('error', DiagnosticCodes.INVALID_DURATION,
          `${entry.id}: remote-connect-timeout="${raw.connectTimeout}" is not a valid timeout; Pacemaker uses 20s`, [entry.id]);
        connectTimeoutMs = 20_000;
      } else connectTimeoutMs = ms;
    }
    const spec: RemoteNodeSpec = {
      name,
      kind: 'guest',
      host: raw.addr ?? name,
      port: this.port(entry.id, 'remote-port', raw.port),
      reconnectIntervalMs: 0,
      connectTimeoutMs,
      connectionResource: name,
      containerResource: entry.id,
    };
    const on = this.runningOn(name);
    if (on !== undefined) spec.runningOn = on;
    this.origins.push({ spec, source: 'guest', entry });
  }

  orphan(id: string, containerId: string | undefined, containerHasHistory: boolean): void {
    const configured = containerId === undefined ? undefined : this.index.byId.get(containerId)?.id;
    const container = configured ?? (containerHasHistory ? containerId : undefined);
    const spec: RemoteNodeSpec = {
      name: id,
      kind: container !== undefined ? 'guest' : 'remote',
      host: id,
      port: DEFAULT_REMOTE_PORT,
      reconnectIntervalMs: 0,
      connectTimeoutMs: this.startTimeout(id, implicitConnection(id, null), 'op_defaults timeout'),
      connectionResource: id,
      orphaned: true,
    };
    if (container !== undefined) spec.containerResource = container;
    const on = this.runningOn(id);
    if (on !== undefined) spec.runningOn = on;
    this.origins.push({ spec, source: 'orphan', entry: undefined });
  }

  bundle(entry: ResourceEntry): void {
    const b = entry.element;
    const id = entry.id;
    const agentName = ['docker', 'rkt', 'podman'].find((n) => firstElement(b, n) !== undefined);
    if (agentName === undefined) {
      this.diag('error', DiagnosticCodes.BUNDLE_INVALID, `Bundle ${id} has no docker, rkt or podman element; Pacemaker ignores it`, [id]);
      return;
    }
    const agent = firstElement(b, agentName) as XmlElement;
    const promotedMax = scanMinInt(agent.attrs['promoted-max'] ?? agent.attrs['masters'], 0);
    const replicasText = agent.attrs['replicas'];
    const replicas = replicasText === undefined && promotedMax > 0 ? promotedMax : scanMinInt(replicasText, 1);
    const network = firstElement(b, 'network');
    const ipStart = network?.attrs['ip-range-start'];
    const controlPort = network?.attrs['control-port'];
    const primitive = firstElement(b, 'primitive');
    if (primitive === undefined) return;
    if (ipStart === undefined && controlPort === undefined) {
      this.diag('error', DiagnosticCodes.BUNDLE_INVALID,
        `Bundle ${id}: cannot control ${primitive.attrs['id'] ?? 'its primitive'} without ip-range-start or control-port; Pacemaker ignores the bundle`, [id]);
      return;
    }
    const port = this.port(id, 'control-port', controlPort ?? String(DEFAULT_REMOTE_PORT));
    const childId = primitive.attrs['id'] ?? '';
    let ipLast: string | undefined;
    let connectTimeoutMs: number | undefined;
    let count = replicas;
    if (count > MAX_BUNDLE_REPLICAS) {
      this.diag('error', DiagnosticCodes.BUNDLE_INVALID,
        `Bundle ${id}: ${replicas} replicas; only the first ${MAX_BUNDLE_REPLICAS} are modelled`, [id]);
      count = MAX_BUNDLE_REPLICAS;
    }
    for (let i = 0; i < count; i++) {
      let ip: string | undefined;
      if (ipStart !== undefined) {
        ip = ipLast !== undefined ? nextBundleIp(ipLast) : ipStart;
        ipLast = ip;
        if (ip === undefined) {
          this.diag('warning', DiagnosticCodes.BUNDLE_IP_RANGE,
            `Bundle ${id}: ip-range-start="${ipStart}" gives no address for replica ${i}; Pacemaker connects to the container's host instead`, [id]);
        }
      }
      let name = `${id}-${i}`;
      const clash = this.index.byId.get(name);
      if (clash !== undefined && clash.order < entry.order) name = `pcmk-internal-${childId}:${i}-remote-${i}`;
      const containerId = sanitizeId(`${id}-${agentName}-${i}`);
      let host = ip;
      if (host === undefined) host = this.active.get(containerId)?.[0] ?? '#uname';
      // The same for every replica: the implicit connection has no start op.
      connectTimeoutMs ??= this.startTimeout(id, implicitConnection(name, null), 'op_defaults timeout');
      const spec: RemoteNodeSpec = {
        name,
        kind: 'guest',
        host,
        port,
        reconnectIntervalMs: 0,
        connectTimeoutMs,
        connectionResource: name,
        containerResource: containerId,
        bundle: id,
      };
      const on = this.runningOn(name);
      if (on !== undefined) spec.runningOn = on;
      this.origins.push({ spec, source: 'bundle', entry });
    }
  }
}

/**
 * Orphaned connections (`create_fake_resource` in unpack.c): an `ocf:pacemaker:remote` `lrm_resource`
 * with operation history whose id is no configured resource nor implicit connection. Pacemaker creates
 * the node (shutting down) with the history's attributes only: no server/port (so the name and 3121), no
 * start op; a `container` attribute naming a configured resource makes it a guest.
 */
function deriveOrphans(cib: XmlElement, d: Deriver, known: Set<string>): void {
  const status = firstElement(cib, 'status');
  if (status === undefined) return;
  const found = new Map<string, string | undefined>(); // id -> container named by any history entry
  const withHistory = new Set<string>(); // orphaned containers are resources too (create_fake_resource)
  for (const ns of elements(status, 'node_state')) {
    const lrm = firstElement(ns, 'lrm');
    const lrs = lrm && firstElement(lrm, 'lrm_resources');
    if (lrs === undefined) continue;
    for (const lr of elements(lrs, 'lrm_resource')) {
      const id = lr.attrs['id'];
      if (id === undefined || id === '' || firstElement(lr, 'lrm_rsc_op') === undefined) continue;
      withHistory.add(id);
      if (known.has(id) || !isRemoteAgent(lr)) continue;
      // handle_orphaned_container_fillers maps the container from any node's entry that names one.
      if (!found.has(id) || found.get(id) === undefined) found.set(id, lr.attrs['container']);
    }
  }
  for (const [id, container] of found) d.orphan(id, container, container !== undefined && withHistory.has(container));
}

/**
 * Derives the remote, guest and bundle nodes of a CIB document.
 * Never throws on a well-formed tree; problems become {@link Diagnostic}s.
 */
export function deriveRemoteNodes(cib: XmlElement, index?: ResourceIndex, active?: Map<string, string[]>): RemoteNodeDerivation {
  const idx = index ?? new ResourceIndex(cib);
  const act = active ?? activeResourceLocations(cib);
  const d = new Deriver(idx, act);
  const bundles: ResourceEntry[] = [];
  for (const entry of idx.top) {
    if (entry.id === '') continue; // Pacemaker ignores resources without id
    if (entry.kind === 'primitive') {
      if (isRemoteAgent(entry.element)) d.remote(entry);
      else d.guest(entry);
    } else if (entry.kind === 'group') {
      for (const child of entry.children) if (child.kind === 'primitive' && child.id !== '') d.guest(child);
    } else if (entry.kind === 'bundle') {
      bundles.push(entry);
    }
  }
  // Bundle nodes are created while resources are unpacked, after remote and guest nodes.
  for (const b of bundles) d.bundle(b);
  const known = new Set<string>(idx.byId.keys());
  for (const o of d.origins) known.add(o.spec.connectionResource);
  deriveOrphans(cib, d, known);
  const seen = new Set<string>();
  const nodes: RemoteNodeSpec[] = [];
  for (const o of d.origins) {
    // Pacemaker looks nodes up by name case-insensitively (pe_find_node).
    const key = o.spec.name.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    nodes.push(o.spec);
  }
  return { nodes, origins: d.origins, diagnostics: d.diagnostics, index: idx, active: act };
}
