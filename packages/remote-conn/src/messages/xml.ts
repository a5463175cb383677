/**
 * A minimal element model for lrmd messages (elements with attributes and child elements; Pacemaker's
 * executor messages carry no text content), with Pacemaker's unformatted serialization and a strict
 * parser (`xml-scanner.ts`).
 */
import { ErrorCodes, RemoteConnError } from '../errors.js';
import { XmlScan } from './xml-scanner.js';

/** One XML element. Attribute order is kept (Pacemaker appends the transport attributes last). */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /**
   * Character data written as a CDATA section before the children: only the schema files of the
   * protocol 1.2 schema transfer carry any (`<file path="..."><![CDATA[...]]></file>`).
   */
  cdata?: string;
}

/** Creates an element, dropping attributes whose value is `undefined`. */
export function el(
  name: string,
  attrs: Record<string, string | number | boolean | undefined> = {},
  children: XmlElement[] = [],
): XmlElement {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) out[k] = String(v);
  return { name, attrs: out, children };
}

/** First child with the given name. */
export function child(e: XmlElement, name: string): XmlElement | undefined {
  return e.children.find((c) => c.name === name);
}

/** First descendant (depth-first, including `e`) with the given name: Pacemaker's `//name` lookups. */
export function descendant(e: XmlElement, name: string): XmlElement | undefined {
  if (e.name === name) return e;
  for (const c of e.children) {
    const hit = descendant(c, name);
    if (hit) return hit;
  }
  return undefined;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9._:-]*$/;

/** True when `name` can be used as an XML element or attribute name. */
export function isXmlName(name: string): boolean {
  return NAME_RE.test(name);
}

/**
 * Escapes an attribute value: the XML specials as entities, and every control character (newline, tab,
 * CR included) as a numeric character reference so that attribute-value normalization cannot turn it
 * into a space (protocol.md §2.2).
 */
export function escapeAttr(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value.charCodeAt(i);
    switch (ch) {
      case 0x26: out += '&amp;'; break;
      case 0x3c: out += '&lt;'; break;
      case 0x3e: out += '&gt;'; break;
      case 0x22: out += '&quot;'; break;
      default:
        if (ch < 0x20 || ch === 0x7f) out += `&#${ch};`;
        else out += value[i];
    }
  }
  return out;
}

/** Serializes unformatted (no declaration, no whitespace between elements), as Pacemaker does. */
export function serializeXml(e: XmlElement): string {
  if (!isXmlName(e.name)) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `Invalid XML element name: ${JSON.stringify(e.name)}`);
  }
  let s = `<${e.name}`;
  for (const [k, v] of Object.entries(e.attrs)) {
    if (!isXmlName(k)) {
      throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `Invalid XML attribute name: ${JSON.stringify(k)}`);
    }
    s += ` ${k}="${escapeAttr(v)}"`;
  }
  const cdata = e.cdata === undefined ? '' : `<![CDATA[${e.cdata.split(']]>').join(']]]]><![CDATA[>')}]]>`;
  if (e.children.length === 0 && !cdata) return `${s}/>`;
  return `${s}>${cdata}${e.children.map(serializeXml).join('')}</${e.name}>`;
}

/**
 * Parses one XML document into its root element (see {@link XmlScan} for what is checked and refused).
 * For large documents, parse with an {@link XmlScan} in slices instead.
 * @throws RemoteConnError `XML_INVALID` when the text is not well-formed, has no single root element or
 *   contains a DOCTYPE
 */
export function parseXml(text: string): XmlElement {
  return new XmlScan(text).step() as XmlElement;
}
