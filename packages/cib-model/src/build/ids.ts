/**
 * Unique CIB ids, generated the way pcs generates them (`pcs/lib/cib/tools.py`: `IdProvider`,
 * `find_unique_id`, `create_subelement_id`; `pcs/lib/pacemaker/values.py`: `sanitize_id`):
 *
 * - a proposal is `<parent id>-<suffix>` (e.g. `rnode-instance_attributes`, `rnode-start-interval-0s`),
 *   sanitized to a valid XML id (NCName subset: first character `[A-Za-z_]`, the rest `[A-Za-z0-9_.-]`);
 * - if taken, `-1`, `-2`, ... is appended until it is free;
 * - "taken" means used as an `id` anywhere outside `/cib/status` (references such as `obj_ref`,
 *   `resource_ref`, `role`, `acl_target` do not count), or used as a guest node name (Pacemaker creates an
 *   implicit connection resource with that id), or handed out earlier by the same allocator.
 *
 * @packageDocumentation
 */
import type { XmlElement, XmlNode } from '../parse/xml-tree.js';

const FIRST_OK = /^[A-Za-z_]/;
const REST_BAD = /[^A-Za-z0-9_.-]/g;
const VALID_ID = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Elements whose `id` attribute is a reference, not a definition. */
const REFERENCE_ELEMENTS = new Set(['acl_target', 'role', 'obj_ref', 'resource_ref']);

/** True when `id` is usable as a CIB id (the subset of NCName that pcs accepts). */
export function isValidId(id: string): boolean {
  return VALID_ID.test(id);
}

/** Drops the characters that cannot appear in an id (pcs's `sanitize_id`). */
export function sanitizeId(candidate: string): string {
  if (candidate === '') return candidate;
  const first = candidate[0] as string;
  return (FIRST_OK.test(first) ? first : '') + candidate.slice(1).replace(REST_BAD, '');
}

/**
 * Every id in use in the document in pcs's sense: element ids outside `/cib/status` except references,
 * plus guest node names (`remote-node` meta attributes of primitives).
 */
export function collectIds(doc: XmlElement): Set<string> {
  const ids = new Set<string>();
  const stack: XmlElement[] = [];
  for (const c of doc.children) if (c.kind === 'element' && c.name !== 'status') stack.push(c);
  while (stack.length > 0) {
    const el = stack.pop() as XmlElement;
    const id = el.attrs['id'];
    if (id !== undefined && !REFERENCE_ELEMENTS.has(el.name)) ids.add(id);
    if (el.name === 'primitive') {
      for (const meta of el.children) {
        if (meta.kind !== 'element' || meta.name !== 'meta_attributes') continue;
        for (const nv of meta.children) {
          if (nv.kind === 'element' && nv.name === 'nvpair' && nv.attrs['name'] === 'remote-node' && nv.attrs['value'] !== undefined) {
            ids.add(nv.attrs['value']);
          }
        }
      }
    }
    for (const c of el.children as XmlNode[]) if (c.kind === 'element') stack.push(c);
  }
  return ids;
}

/** Hands out ids that are unique in one document (and among each other). */
export class IdAllocator {
  private readonly used: Set<string>;

  /** @param doc the document the new ids go into; its ids are read once, at construction. */
  constructor(doc: XmlElement) {
    this.used = collectIds(doc);
  }

  /** True when `id` is already used in the document or was handed out by this allocator. */
  has(id: string): boolean {
    return this.used.has(id);
  }

  /**
   * Returns `proposal` (sanitized) if free, else the first free `proposal-N` (N = 1, 2, ...), and books it.
   */
  allocate(proposal: string): string {
    const base = sanitizeId(proposal) || 'id';
    let candidate = base;
    for (let n = 1; this.used.has(candidate); n++) candidate = `${base}-${n}`;
    this.used.add(candidate);
    return candidate;
  }

  /** `<parent id>-<suffix>`, made unique (pcs's `create_subelement_id`). */
  child(parent: XmlElement, suffix: string): string {
    return this.allocate(`${parent.attrs['id'] ?? parent.name}-${suffix}`);
  }
}
