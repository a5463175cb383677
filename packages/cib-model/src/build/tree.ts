/**
 * Tree editing helpers of the builders: deep cloning, section lookup, and inserting or removing elements
 * so that the rest of the document keeps its bytes (indentation of the new content follows its
 * neighbours; nothing else is reformatted).
 *
 * @packageDocumentation
 */
import { CibModelError, CibModelErrorCodes } from '../errors.js';
import { firstElement, type XmlElement, type XmlNode } from '../parse/xml-tree.js';

/** Deep copy of an element tree (iterative: documents with 10k+ resources must not hit the stack limit). */
export function cloneTree(root: XmlElement): XmlElement {
  const copy: XmlElement = { kind: 'element', name: root.name, attrs: { ...root.attrs }, children: [] };
  const stack: Array<[XmlElement, XmlElement]> = [[root, copy]];
  while (stack.length > 0) {
    const [src, dst] = stack.pop() as [XmlElement, XmlElement];
    for (const c of src.children) {
      if (c.kind === 'element') {
        const e: XmlElement = { kind: 'element', name: c.name, attrs: { ...c.attrs }, children: [] };
        dst.children.push(e);
        stack.push([c, e]);
      } else {
        dst.children.push({ ...c });
      }
    }
  }
  return copy;
}

/** Each element of the tree with its parent (the root has none), depth-first in document order. */
export function walkWithParents(root: XmlElement, visit: (el: XmlElement, parent: XmlElement | undefined) => void): void {
  const stack: Array<[XmlElement, XmlElement | undefined]> = [[root, undefined]];
  while (stack.length > 0) {
    const [cur, parent] = stack.pop() as [XmlElement, XmlElement | undefined];
    visit(cur, parent);
    for (let i = cur.children.length - 1; i >= 0; i--) {
      const c = cur.children[i] as XmlNode;
      if (c.kind === 'element') stack.push([c, cur]);
    }
  }
}

/** Map from every element to its parent. */
export function parentMap(root: XmlElement): Map<XmlElement, XmlElement> {
  const out = new Map<XmlElement, XmlElement>();
  walkWithParents(root, (el, parent) => {
    if (parent) out.set(el, parent);
  });
  return out;
}

/**
 * `/cib/configuration/<name>`.
 * @throws {@link CibModelError} `PCMK_CIB_NOT_A_CIB` when `configuration` or the section is missing
 *   (the Pacemaker schema requires `crm_config`, `nodes`, `resources` and `constraints`).
 */
export function configSection(doc: XmlElement, name: 'crm_config' | 'nodes' | 'resources' | 'constraints'): XmlElement {
  const configuration = firstElement(doc, 'configuration');
  if (!configuration) throw new CibModelError(CibModelErrorCodes.NOT_A_CIB, 'The CIB has no <configuration> section');
  const section = firstElement(configuration, name);
  if (!section) throw new CibModelError(CibModelErrorCodes.NOT_A_CIB, `The CIB has no <configuration>/<${name}> section`);
  return section;
}

/** Optional section under `/cib/configuration` (`tags`, `acls`, `fencing-topology`, ...). */
export function optionalConfigSection(doc: XmlElement, name: string): XmlElement | undefined {
  const configuration = firstElement(doc, 'configuration');
  return configuration ? firstElement(configuration, name) : undefined;
}

const INDENT_RE = /\n([ \t]*)$/;

/** True when the document is laid out with line breaks between elements (as cibadmin writes it). */
function isPretty(doc: XmlElement): boolean {
  return doc.children.some((c) => c.kind === 'text' && c.text.includes('\n'));
}

/** The indentation in front of `el` inside `parent`, if `el` starts a line. */
function indentBefore(parent: XmlElement, el: XmlElement): string | undefined {
  const i = parent.children.indexOf(el);
  const prev = i > 0 ? parent.children[i - 1] : undefined;
  if (prev?.kind === 'text' && /^\s*$/.test(prev.text)) return INDENT_RE.exec(prev.text)?.[1];
  return undefined;
}

/** Layout facts used to place new children of `parent`. */
interface Layout {
  pretty: boolean;
  /** Indentation of `parent`'s own tags. */
  parentIndent: string;
  /** Indentation of `parent`'s children. */
  childIndent: string;
  /** One indentation step. */
  unit: string;
}

function layoutOf(doc: XmlElement, parent: XmlElement, parents: Map<XmlElement, XmlElement>): Layout {
  if (!isPretty(doc)) return { pretty: false, parentIndent: '', childIndent: '', unit: '' };
  const grand = parents.get(parent);
  const parentIndent = (grand ? indentBefore(grand, parent) : '') ?? '';
  let childIndent: string | undefined;
  for (const c of parent.children) {
    if (c.kind === 'element') {
      childIndent = indentBefore(parent, c);
      break;
    }
  }
  let unit = '  ';
  if (childIndent !== undefined && childIndent.startsWith(parentIndent) && childIndent.length > parentIndent.length) {
    unit = childIndent.slice(parentIndent.length);
  }
  return { pretty: true, parentIndent, childIndent: childIndent ?? parentIndent + unit, unit };
}

/** Adds whitespace text nodes inside `el` (recursively) so that it is laid out like cibadmin does. */
function indentSubtree(el: XmlElement, indent: string, unit: string): void {
  const kids = el.children.filter((c) => c.kind === 'element');
  if (kids.length === 0 || el.children.length !== kids.length) return;
  const out: XmlNode[] = [];
  for (const k of kids) {
    out.push({ kind: 'text', text: `\n${indent}${unit}` });
    indentSubtree(k, indent + unit, unit);
    out.push(k);
  }
  out.push({ kind: 'text', text: `\n${indent}` });
  el.children = out;
}

/**
 * Inserts `child` into `parent` at element position `index` (default: after the last element child),
 * laid out like its siblings when the document is indented. Only the insertion point's whitespace changes.
 */
export function insertChild(doc: XmlElement, parent: XmlElement, child: XmlElement, index?: number): void {
  const parents = parentMap(doc);
  const layout = layoutOf(doc, parent, parents);
  if (layout.pretty) indentSubtree(child, layout.childIndent, layout.unit);
  const elementPositions: number[] = [];
  parent.children.forEach((c, i) => {
    if (c.kind === 'element') elementPositions.push(i);
  });
  if (!layout.pretty) {
    const at = index === undefined || index >= elementPositions.length ? parent.children.length : (elementPositions[index] as number);
    parent.children.splice(at, 0, child);
    return;
  }
  if (elementPositions.length === 0 && parent.children.every((c) => c.kind === 'text' && /^\s*$/.test(c.text))) {
    // <resources/> or <resources>\n  </resources>: rebuild the inside.
    parent.children = [{ kind: 'text', text: `\n${layout.childIndent}` }, child, { kind: 'text', text: `\n${layout.parentIndent}` }];
    return;
  }
  if (index !== undefined && index < elementPositions.length) {
    // Before an existing element: "<ws>NEW<ws>EXISTING" where the first <ws> is the one already there.
    const at = elementPositions[index] as number;
    parent.children.splice(at, 0, child, { kind: 'text', text: `\n${layout.childIndent}` });
    return;
  }
  // After the last element child: "LAST<ws>NEW" + the whitespace that used to close the parent.
  const last = elementPositions[elementPositions.length - 1];
  const at = last === undefined ? parent.children.length : last + 1;
  parent.children.splice(at, 0, { kind: 'text', text: `\n${layout.childIndent}` }, child);
}

/**
 * Removes `child` from `parent` together with the whitespace that introduced its line, so that the
 * document reads as if it had never been there.
 */
export function removeChild(parent: XmlElement, child: XmlElement): void {
  const i = parent.children.indexOf(child);
  if (i < 0) return;
  const prev = parent.children[i - 1];
  const next = parent.children[i + 1];
  const isWs = (n: XmlNode | undefined): boolean => n?.kind === 'text' && /^\s*$/.test(n.text);
  if (isWs(prev)) {
    parent.children.splice(i - 1, 2);
  } else {
    parent.children.splice(i, 1);
  }
  // An element left with only whitespace inside is written self-closed, as cibadmin does.
  if (parent.children.every((c) => isWs(c))) parent.children = [];
  void next;
}

/**
 * Marks a configuration change the way the CIB manager does on every configuration update (and as
 * `pcs -f` does through `cibadmin`): `epoch` + 1, `num_updates` back to 0.
 */
export function bumpEpoch(doc: XmlElement): void {
  const epoch = Number.parseInt(doc.attrs['epoch'] ?? '0', 10);
  doc.attrs['epoch'] = String(Number.isFinite(epoch) ? epoch + 1 : 1);
  if ('num_updates' in doc.attrs) doc.attrs['num_updates'] = '0';
}
