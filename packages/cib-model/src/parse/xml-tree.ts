/**
 * An order-preserving XML tree for CIB documents: elements keep their attribute order, child order,
 * comments and text, so a document that is parsed and serialized again changes only where a builder
 * changed it.
 *
 * Built on fast-xml-parser (`preserveOrder`), validated first so malformed input is a
 * {@link CibModelError} with code `PCMK_CIB_XML_PARSE`, never an exception of another type.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CibModelError, CibModelErrorCodes } from '../errors.js';

/** A comment node. */
export interface XmlComment {
  kind: 'comment';
  text: string;
}

/** A text node (whitespace between elements included, so output keeps the input's layout). */
export interface XmlText {
  kind: 'text';
  text: string;
}

/** An element. `attrs` keeps insertion order. */
export interface XmlElement {
  kind: 'element';
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}

/** Any node of the tree. */
export type XmlNode = XmlElement | XmlComment | XmlText;

/** Limits applied while parsing. */
export interface XmlParseLimits {
  /** Largest accepted input, in characters. Default 256 MiB. */
  maxLength?: number;
  /** Deepest accepted element nesting. Default 256. */
  maxDepth?: number;
}

const DEFAULT_MAX_LENGTH = 256 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 256;

/** Creates an element, dropping attributes whose value is `undefined`. */
export function element(
  name: string,
  attrs: Record<string, string | number | boolean | undefined> = {},
  children: XmlNode[] = [],
): XmlElement {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) out[k] = String(v);
  return { kind: 'element', name, attrs: out, children };
}

/** The element children of `e` (comments and text skipped). */
export function elements(e: XmlElement, name?: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of e.children) if (c.kind === 'element' && (name === undefined || c.name === name)) out.push(c);
  return out;
}

/** First element child with the given name. */
export function firstElement(e: XmlElement, name: string): XmlElement | undefined {
  for (const c of e.children) if (c.kind === 'element' && c.name === name) return c;
  return undefined;
}

/** Every descendant element (depth-first, document order, `e` excluded) for which `pred` holds. */
export function findAll(e: XmlElement, pred: (el: XmlElement) => boolean): XmlElement[] {
  const out: XmlElement[] = [];
  const stack: XmlElement[] = [e];
  // Iterative pre-order walk: CIBs with 10k+ resources must not hit the call-stack limit.
  while (stack.length > 0) {
    const cur = stack.pop() as XmlElement;
    if (cur !== e && pred(cur)) out.push(cur);
    for (let i = cur.children.length - 1; i >= 0; i--) {
      const c = cur.children[i] as XmlNode;
      if (c.kind === 'element') stack.push(c);
    }
  }
  return out;
}

type FxpNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  allowBooleanAttributes: false,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  commentPropName: '#comment',
  processEntities: true,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/**
 * Parses an XML document into a tree rooted at its single top-level element.
 *
 * @throws {@link CibModelError} `PCMK_CIB_XML_PARSE` when the input is not well-formed XML,
 * `PCMK_CIB_TOO_LARGE` when it exceeds the limits.
 */
export function parseXml(xml: string, limits: XmlParseLimits = {}): XmlElement {
  if (typeof xml !== 'string') {
    throw new CibModelError(CibModelErrorCodes.XML_PARSE, `Expected the CIB as a string, got ${typeof xml}`);
  }
  const maxLength = limits.maxLength ?? DEFAULT_MAX_LENGTH;
  if (xml.length > maxLength) {
    throw new CibModelError(CibModelErrorCodes.TOO_LARGE, `The XML is ${xml.length} characters, over the limit of ${maxLength}`);
  }
  const valid = XMLValidator.validate(xml, { allowBooleanAttributes: false });
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new CibModelError(CibModelErrorCodes.XML_PARSE, `Malformed XML at line ${line}, column ${col}: ${msg}`);
  }
  let raw: FxpNode[];
  try {
    raw = parser.parse(xml) as FxpNode[];
  } catch (err) {
    throw new CibModelError(CibModelErrorCodes.XML_PARSE, `Malformed XML: ${(err as Error).message}`, { cause: err });
  }
  const roots = convert(raw, 1, limits.maxDepth ?? DEFAULT_MAX_DEPTH).filter((n): n is XmlElement => n.kind === 'element');
  if (roots.length !== 1) {
    throw new CibModelError(CibModelErrorCodes.XML_PARSE, `Expected exactly one root element, found ${roots.length}`);
  }
  return roots[0] as XmlElement;
}

function convert(list: FxpNode[], depth: number, maxDepth: number): XmlNode[] {
  if (depth > maxDepth) {
    throw new CibModelError(CibModelErrorCodes.TOO_LARGE, `Elements are nested deeper than ${maxDepth} levels`);
  }
  const out: XmlNode[] = [];
  for (const item of list) {
    for (const key of Object.keys(item)) {
      if (key === ':@') continue;
      const value = item[key];
      if (key === '#text') {
        out.push({ kind: 'text', text: String(value) });
      } else if (key === '#comment') {
        const parts = value as FxpNode[];
        out.push({ kind: 'comment', text: parts.map((p) => String(p['#text'] ?? '')).join('') });
      } else {
        const attrs: Record<string, string> = {};
        const rawAttrs = item[':@'] as Record<string, unknown> | undefined;
        if (rawAttrs) for (const [k, v] of Object.entries(rawAttrs)) attrs[k] = String(v);
        out.push({ kind: 'element', name: key, attrs, children: convert(value as FxpNode[], depth + 1, maxDepth) });
      }
    }
  }
  return out;
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    switch (ch) {
      case 0x26: out += '&amp;'; break;
      case 0x3c: out += '&lt;'; break;
      case 0x3e: out += '&gt;'; break;
      case 0x22: out += '&quot;'; break;
      default:
        if (ch < 0x20 || ch === 0x7f) out += `&#${ch};`;
        else out += s[i];
    }
  }
  return out;
}

/** Serializes a tree. Text and comments are written as they were parsed; empty elements are self-closed. */
export function serializeXml(root: XmlElement): string {
  const parts: string[] = [];
  const walk = (n: XmlNode): void => {
    if (n.kind === 'text') { parts.push(escapeText(n.text)); return; }
    if (n.kind === 'comment') { parts.push(`<!--${n.text}-->`); return; }
    parts.push(`<${n.name}`);
    for (const [k, v] of Object.entries(n.attrs)) parts.push(` ${k}="${escapeAttr(v)}"`);
    if (n.children.length === 0) { parts.push('/>'); return; }
    parts.push('>');
    for (const c of n.children) walk(c);
    parts.push(`</${n.name}>`);
  };
  walk(root);
  return parts.join('');
}
