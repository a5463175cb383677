/**
 * An index of the elements of a CIB's `<configuration>` by `id`, built in one walk, for `id-ref`
 * resolution (`expand_idref` in Pacemaker: the first element with the same tag name and that id).
 */
import { firstElement, type XmlElement, type XmlNode } from './xml-tree.js';

/** Elements by id (document order; several when ids repeat). */
export class IdIndex {
  private readonly byId = new Map<string, XmlElement[]>();

  /** Indexes every element below `root` that has an `id` attribute. */
  constructor(root: XmlElement | undefined) {
    if (root === undefined) return;
    const stack: XmlElement[] = [root];
    while (stack.length > 0) {
      const cur = stack.pop() as XmlElement;
      const id = cur.attrs['id'];
      if (id !== undefined) {
        const list = this.byId.get(id);
        if (list === undefined) this.byId.set(id, [cur]);
        else list.push(cur);
      }
      for (let i = cur.children.length - 1; i >= 0; i--) {
        const c = cur.children[i] as XmlNode;
        if (c.kind === 'element') stack.push(c);
      }
    }
    // Document order within each list: the walk is pre-order, so lists already are.
  }

  /** Every element with this id. */
  all(id: string): readonly XmlElement[] {
    return this.byId.get(id) ?? [];
  }

  /** `expand_idref`: `e` itself without `id-ref`, else the first `<same-tag id="ref">`, else `undefined`. */
  expand(e: XmlElement): XmlElement | undefined {
    const ref = e.attrs['id-ref'];
    if (ref === undefined) return e;
    for (const cand of this.all(ref)) if (cand.name === e.name && cand !== e) return cand;
    return undefined;
  }
}

/** `<cib><configuration>` or undefined. */
export function configurationOf(cib: XmlElement): XmlElement | undefined {
  return firstElement(cib, 'configuration');
}
