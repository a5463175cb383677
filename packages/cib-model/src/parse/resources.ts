/**
 * An index of the resources of a CIB (`<configuration><resources>`): primitives, groups, clones
 * (`clone`, legacy `master`), bundles and templates, with parents and children, built in one pass.
 *
 * Attribute resolution follows Pacemaker 2.1.5 (`lib/pengine/complex.c`):
 * - meta attributes ({@link ResourceIndex.meta}, `get_meta_attributes`): the element's own XML attributes,
 *   its `meta_attributes` blocks, its parents' blocks, `rsc_defaults`, then whatever the parent ended with;
 * - instance attributes ({@link ResourceIndex.params}, `get_rsc_attributes`): own blocks, then the
 *   parent's (recursively), the top-level resource adding `rsc_defaults` instance attributes;
 * - operation timeouts ({@link ResourceIndex.opTimeout}, `unpack_operation`): `op_defaults` meta, the
 *   `<op>`'s own meta blocks, then its XML attributes; an unparsable timeout becomes 20 s.
 *
 * Rules are evaluated where they do not depend on a node or the clock; other rules are reported through
 * `unevaluated` and their block is skipped.
 */
import { elements, firstElement, type XmlElement } from './xml-tree.js';
import { IdIndex } from './ids.js';
import { unpackNvpairs, type UnevaluatedBlock } from './nvpairs.js';
import { tryParseDuration } from './duration.js';
import type { RuleContext } from './rules.js';

/** Element names that declare resources. */
export type ResourceElementName = 'primitive' | 'group' | 'clone' | 'master' | 'bundle' | 'template';

const RESOURCE_NAMES: ReadonlySet<string> = new Set(['primitive', 'group', 'clone', 'master', 'bundle', 'template']);

/** One resource element. */
export interface ResourceEntry {
  /** The `id` attribute (may be empty when missing; such entries are not in `byId`). */
  id: string;
  /** Element name. `master` is the pre-2.0 name of a promotable clone. */
  kind: ResourceElementName;
  element: XmlElement;
  parent: ResourceEntry | undefined;
  children: ResourceEntry[];
  /** Position in document order among all entries. */
  order: number;
}

/** Pacemaker's default operation timeout (`CRM_DEFAULT_OP_TIMEOUT_S`). */
export const DEFAULT_OP_TIMEOUT_MS = 20_000;

/** Result of {@link ResourceIndex.opTimeout}. */
export interface OpTimeout {
  /** Timeout in ms, as the scheduler puts it in the action (`CRM_meta_timeout`). */
  ms: number;
  /** The text it came from (`undefined`: nothing configured, the 20 s default). */
  text: string | undefined;
  /** Where the text came from. */
  source: 'op' | 'op-meta' | 'op_defaults' | 'default';
  /** Id of the `<op>` used, if any. */
  opId: string | undefined;
  /** True when `text` did not parse and the default replaced it. */
  invalid: boolean;
}

/** True when an element is an `ocf:pacemaker:remote` primitive (`xml_contains_remote_node`). */
export function isRemoteAgent(e: XmlElement): boolean {
  return (e.attrs['type'] ?? '').toLowerCase() === 'remote'
    && (e.attrs['class'] ?? '').toLowerCase() === 'ocf'
    && (e.attrs['provider'] ?? '').toLowerCase() === 'pacemaker';
}

/** The resource index of one CIB document. */
export class ResourceIndex {
  /** `<configuration>` (undefined when absent). */
  readonly configuration: XmlElement | undefined;
  /** `<configuration><resources>`. */
  readonly resourcesElement: XmlElement | undefined;
  /** Elements by id, for `id-ref`. */
  readonly ids: IdIndex;
  /** Top-level resources in document order. */
  readonly top: ResourceEntry[] = [];
  /** Every resource entry in document order. */
  readonly all: ResourceEntry[] = [];
  /** First entry for each id (templates included). */
  readonly byId = new Map<string, ResourceEntry>();
  /** Ids declared more than once. */
  readonly duplicateIds = new Map<string, ResourceEntry[]>();
  /** `<rsc_defaults>` / `<op_defaults>`. */
  readonly rscDefaults: XmlElement | undefined;
  readonly opDefaults: XmlElement | undefined;

  private readonly metaCache = new Map<ResourceEntry, Map<string, string>>();

  constructor(cib: XmlElement) {
    this.configuration = firstElement(cib, 'configuration');
    this.resourcesElement = this.configuration && firstElement(this.configuration, 'resources');
    this.ids = new IdIndex(this.configuration);
    this.rscDefaults = this.configuration && firstElement(this.configuration, 'rsc_defaults');
    this.opDefaults = this.configuration && firstElement(this.configuration, 'op_defaults');
    if (this.resourcesElement === undefined) return;
    // Iterative walk: a resource's children are the resource elements directly inside it.
    const stack: Array<{ e: XmlElement; parent: ResourceEntry | undefined }> = [];
    const tops = elements(this.resourcesElement).filter((e) => RESOURCE_NAMES.has(e.name));
    for (let i = tops.length - 1; i >= 0; i--) stack.push({ e: tops[i] as XmlElement, parent: undefined });
    while (stack.length > 0) {
      const { e, parent } = stack.pop() as { e: XmlElement; parent: ResourceEntry | undefined };
      const entry: ResourceEntry = {
        id: e.attrs['id'] ?? '',
        kind: e.name as ResourceElementName,
        element: e,
        parent,
        children: [],
        order: this.all.length,
      };
      this.all.push(entry);
      if (parent === undefined) this.top.push(entry);
      else parent.children.push(entry);
      if (entry.id !== '') {
        const prev = this.byId.get(entry.id);
        if (prev === undefined) this.byId.set(entry.id, entry);
        else {
          const dup = this.duplicateIds.get(entry.id);
          if (dup === undefined) this.duplicateIds.set(entry.id, [prev, entry]);
          else dup.push(entry);
        }
      }
      if (e.name === 'primitive' || e.name === 'template') continue;
      const kids = elements(e).filter((c) => RESOURCE_NAMES.has(c.name) && c.name !== 'template');
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ e: kids[i] as XmlElement, parent: entry });
    }
  }

  /** The rule context of a resource (its agent). */
  static agentOf(e: XmlElement): RuleContext['rsc'] {
    return { class: e.attrs['class'], provider: e.attrs['provider'], type: e.attrs['type'] };
  }

  /** Resolved meta attributes of a resource (cached). */
  meta(entry: ResourceEntry, unevaluated?: UnevaluatedBlock[]): Map<string, string> {
    const cached = unevaluated === undefined ? this.metaCache.get(entry) : undefined;
    if (cached !== undefined) return cached;
    const ctx: RuleContext = { rsc: ResourceIndex.agentOf(entry.element) };
    const out = new Map<string, string>();
    for (const [k, v] of Object.entries(entry.element.attrs)) if (!out.has(k)) out.set(k, v);
    unpackNvpairs(entry.element, 'meta_attributes', this.ids, out, { context: ctx, unevaluated });
    if (entry.parent !== undefined) {
      const fromParents = new Map<string, string>();
      for (let p: ResourceEntry | undefined = entry.parent; p !== undefined; p = p.parent) {
        unpackNvpairs(p.element, 'meta_attributes', this.ids, fromParents, { context: ctx, unevaluated });
      }
      for (const [k, v] of fromParents) if (!out.has(k)) out.set(k, v);
    }
    unpackNvpairs(this.rscDefaults, 'meta_attributes', this.ids, out, { context: ctx, unevaluated });
    if (entry.parent !== undefined) {
      for (const [k, v] of this.meta(entry.parent)) if (!out.has(k)) out.set(k, v);
    }
    if (unevaluated === undefined) this.metaCache.set(entry, out);
    return out;
  }

  /** Resolved instance attributes (parameters) of a resource, evaluated without a node. */
  params(entry: ResourceEntry, unevaluated?: UnevaluatedBlock[]): Map<string, string> {
    const out = new Map<string, string>();
    const ctx: RuleContext = {};
    for (let p: ResourceEntry | undefined = entry; p !== undefined; p = p.parent) {
      unpackNvpairs(p.element, 'instance_attributes', this.ids, out, { context: ctx, unevaluated });
    }
    unpackNvpairs(this.rscDefaults, 'instance_attributes', this.ids, out, { context: ctx, unevaluated });
    return out;
  }

  /** The `<operations>` of a primitive, `id-ref` followed. */
  operationsOf(e: XmlElement): XmlElement | undefined {
    const ops = firstElement(e, 'operations');
    return ops === undefined ? undefined : this.ids.expand(ops);
  }

  /**
   * The timeout the scheduler gives an action (`unpack_operation` + `find_rsc_op_entry`): the first `<op>`
   * with that name and interval (disabled ones included, as for actions), then `op_defaults`.
   * @param e the primitive element
   * @param opName action name, e.g. `start`
   * @param intervalMs 0 for non-recurring actions
   */
  opTimeout(e: XmlElement, opName: string, intervalMs: number, unevaluated?: UnevaluatedBlock[]): OpTimeout {
    const ctx: RuleContext = { rsc: ResourceIndex.agentOf(e), op: { name: opName, intervalMs } };
    const meta = new Map<string, string>();
    unpackNvpairs(this.opDefaults, 'meta_attributes', this.ids, meta, { context: ctx, unevaluated });
    let source: OpTimeout['source'] = meta.has('timeout') ? 'op_defaults' : 'default';
    let opId: string | undefined;
    const ops = this.operationsOf(e);
    if (ops !== undefined) {
      for (const op of elements(ops, 'op')) {
        const name = op.attrs['name'];
        if (name === undefined || name.toLowerCase() !== opName.toLowerCase()) continue;
        const interval = tryParseDuration(op.attrs['interval'] ?? '') ?? 0;
        if (interval !== intervalMs) continue;
        opId = op.attrs['id'];
        const before = meta.get('timeout');
        unpackNvpairs(op, 'meta_attributes', this.ids, meta, { overwrite: true, context: ctx, unevaluated });
        if (meta.get('timeout') !== before) source = 'op-meta';
        if (op.attrs['timeout'] !== undefined) {
          meta.set('timeout', op.attrs['timeout']);
          source = 'op';
        }
        break;
      }
    }
    const text = meta.get('timeout');
    if (text === undefined) return { ms: DEFAULT_OP_TIMEOUT_MS, text, source: 'default', opId, invalid: false };
    const ms = tryParseDuration(text, { iso8601: false });
    if (ms === undefined || ms > 2147483647) return { ms: DEFAULT_OP_TIMEOUT_MS, text, source, opId, invalid: true };
    return { ms, text, source, opId, invalid: false };
  }
}
