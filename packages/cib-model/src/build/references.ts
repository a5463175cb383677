/**
 * Removing a resource and what refers to it, as `pcs resource delete` does (`pcs/resource.py`:
 * `resource_remove`, `remove_resource_references`; `pcs/constraint.py`: `remove_constraints_containing`,
 * `remove_constraints_containing_node`):
 *
 * - constraints naming the resource in `rsc`, `with-rsc`, `first` or `then` are removed;
 * - in resource sets its `resource_ref` is removed, an emptied set is removed, a constraint left without
 *   sets is removed;
 * - it is dropped from fencing levels' `devices`, and emptied levels are removed;
 * - ACL permissions with `reference` = the id are removed;
 * - a group left empty, or the clone/promotable wrapper of the resource, goes with it (and references to
 *   that wrapper likewise).
 *
 * pcs refuses to delete a resource referenced by a tag; so do we (code `PCMK_CIB_CONFLICT`).
 *
 * @packageDocumentation
 */
import { CibModelError, CibModelErrorCodes } from '../errors.js';
import { elements, findAll, type XmlElement } from '../parse/xml-tree.js';
import { optionalConfigSection, parentMap, removeChild } from './tree.js';

const CONSTRAINT_TAGS = new Set(['rsc_location', 'rsc_colocation', 'rsc_order', 'rsc_ticket']);
const CONSTRAINT_REF_ATTRS = ['rsc', 'with-rsc', 'first', 'then'];

/** Throws `PCMK_CIB_CONFLICT` when a tag refers to one of `ids`. */
export function refuseTagged(doc: XmlElement, ids: readonly string[], what: string): void {
  const tags = optionalConfigSection(doc, 'tags');
  if (!tags) return;
  const hit = new Set<string>();
  for (const tag of elements(tags, 'tag')) {
    for (const ref of elements(tag, 'obj_ref')) if (ids.includes(ref.attrs['id'] ?? '')) hit.add(tag.attrs['id'] ?? '');
  }
  if (hit.size > 0) {
    const list = [...hit].sort();
    throw new CibModelError(
      CibModelErrorCodes.CONFLICT,
      `Unable to remove ${what} because it is referenced in ${list.length > 1 ? 'tags' : 'the tag'}: ${list.join(', ')}`,
      { ids: list },
    );
  }
}

/** Removes every constraint, set member, fencing-level device and ACL permission referring to `id`. */
export function removeReferences(doc: XmlElement, id: string): void {
  const constraints = optionalConfigSection(doc, 'constraints');
  if (constraints) {
    for (const c of elements(constraints).filter((e) => CONSTRAINT_TAGS.has(e.name))) {
      if (CONSTRAINT_REF_ATTRS.some((a) => c.attrs[a] === id)) {
        removeChild(constraints, c);
        continue;
      }
      const sets = elements(c, 'resource_set');
      let touched = false;
      for (const set of sets) {
        for (const ref of elements(set, 'resource_ref')) {
          if (ref.attrs['id'] === id) {
            removeChild(set, ref);
            touched = true;
          }
        }
        if (elements(set, 'resource_ref').length === 0) removeChild(c, set);
      }
      if (touched && elements(c, 'resource_set').length === 0) removeChild(constraints, c);
    }
  }
  const topology = optionalConfigSection(doc, 'fencing-topology');
  if (topology) {
    for (const level of elements(topology, 'fencing-level')) {
      const devices = (level.attrs['devices'] ?? '').split(',');
      if (!devices.includes(id)) continue;
      const rest = devices.filter((d) => d !== id);
      if (rest.length > 0) level.attrs['devices'] = rest.join(',');
      else removeChild(topology, level);
    }
    if (elements(topology, 'fencing-level').length === 0) {
      const configuration = doc.children.find((c): c is XmlElement => c.kind === 'element' && c.name === 'configuration');
      if (configuration) removeChild(configuration, topology);
    }
  }
  const acls = optionalConfigSection(doc, 'acls');
  if (acls) {
    const parents = parentMap(acls);
    for (const perm of findAll(acls, (e) => e.name === 'acl_permission' && e.attrs['reference'] === id)) {
      const p = parents.get(perm);
      if (p) removeChild(p, perm);
    }
  }
}

/** Removes `rsc_location` constraints whose `node` is `nodeName` (pcs does this for remote and guest node names). */
export function removeLocationsOnNode(doc: XmlElement, nodeName: string): void {
  const constraints = optionalConfigSection(doc, 'constraints');
  if (!constraints) return;
  for (const c of elements(constraints, 'rsc_location')) {
    if (c.attrs['node'] === nodeName) removeChild(constraints, c);
  }
}

/**
 * Deletes primitive `prim` with its references. If it is the only member of a group, or is wrapped in a
 * clone/promotable clone, the wrapper is deleted instead (with its references), as pcs does.
 */
export function deletePrimitive(doc: XmlElement, prim: XmlElement): void {
  const parents = parentMap(doc);
  const id = prim.attrs['id'] ?? '';
  removeReferences(doc, id);
  let target = prim;
  let parent = parents.get(prim);
  // Climb through wrappers that would be left empty.
  while (parent && (parent.name === 'clone' || parent.name === 'master' || (parent.name === 'group' && elements(parent, 'primitive').length === 1))) {
    removeReferences(doc, parent.attrs['id'] ?? '');
    target = parent;
    parent = parents.get(parent);
  }
  if (parent) removeChild(parent, target);
}
