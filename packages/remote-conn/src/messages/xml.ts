/**
 * A minimal element model for lrmd messages (elements with attributes and child elements; Pacemaker's
 * executor messages carry no text content), with Pacemaker's unformatted serialization and a strict
 * parser built on fast-xml-parser.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ErrorCodes, RemoteConnError } from '../errors.js';

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

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  processEntities: true,
  htmlEntities: true,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  allowBooleanAttributes: false,
  cdataPropName: '#cdata',
});

type Ordered = Record<string, unknown> & { ':@'?: Record<string, string> };

function convert(node: Ordered): XmlElement | undefined {
  const name = Object.keys(node).find((k) => k !== ':@');
  if (name === undefined || name === '#text' || name.startsWith('?') || name === '#comment') return undefined;
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(node[':@'] ?? {})) attrs[k] = String(v);
  const kids = (node[name] as Ordered[] | undefined) ?? [];
  const children: XmlElement[] = [];
  let cdata: string | undefined;
  for (const k of kids) {
    if ('#cdata' in k) {
      const parts = (k['#cdata'] as Array<{ '#text'?: unknown }> | undefined) ?? [];
      cdata = (cdata ?? '') + parts.map((p) => String(p['#text'] ?? '')).join('');
      continue;
    }
    const c = convert(k);
    if (c) children.push(c);
  }
  return cdata === undefined ? { name, attrs, children } : { name, attrs, children, cdata };
}

/**
 * Parses one XML document into its root element.
 * @throws RemoteConnError `XML_INVALID` when the text is not well-formed or has no single root element
 */
export function parseXml(text: string): XmlElement {
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true) {
    throw new RemoteConnError(
      ErrorCodes.XML_INVALID,
      `Malformed XML message: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`,
      { details: { xmlError: valid.err.code } },
    );
  }
  let tree: Ordered[];
  try {
    tree = parser.parse(text) as Ordered[];
  } catch (err) {
    throw new RemoteConnError(ErrorCodes.XML_INVALID, 'Malformed XML message', { cause: err });
  }
  const roots = tree.map(convert).filter((x): x is XmlElement => x !== undefined);
  if (roots.length !== 1) {
    throw new RemoteConnError(ErrorCodes.XML_INVALID, `Expected one root element, found ${roots.length}`);
  }
  return roots[0] as XmlElement;
}
