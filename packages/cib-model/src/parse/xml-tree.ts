/**
 * An order-preserving XML tree for CIB documents: elements keep their attribute order, child order,
 * comments and text, so a document that is parsed and serialized again changes only where a builder
 * changed it.
 *
 * Parsed by a strict single-pass scanner written for this tree (a 10,000-node CIB of 10+ MB parses in a
 * fraction of a second). It checks XML 1.0 well-formedness: malformed input is a {@link CibModelError} with
 * code `PCMK_CIB_XML_PARSE` and the line and column of the problem, never an exception of another type.
 * Document type declarations are refused (so no entity is ever expanded); the five predefined entities
 * and character references are decoded, CDATA sections become text, processing instructions are skipped.
 */
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
  /** Deepest accepted element nesting (the root element is at depth 1). Default 256. */
  maxDepth?: number;
}

const DEFAULT_MAX_LENGTH = 256 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 256;

/** Sets `attrs[name] = value` as an own, enumerable property, `__proto__` included. */
function setAttr(attrs: Record<string, string>, name: string, value: string): void {
  if (name === '__proto__') {
    Object.defineProperty(attrs, name, { value, writable: true, enumerable: true, configurable: true });
  } else {
    attrs[name] = value;
  }
}

/** Creates an element, dropping attributes whose value is `undefined`. */
export function element(
  name: string,
  attrs: Record<string, string | number | boolean | undefined> = {},
  children: XmlNode[] = [],
): XmlElement {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) setAttr(out, k, String(v));
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

// ---------------------------------------------------------------------------------------------------------
// Parser

const TAB = 0x09, LF = 0x0a, SPACE = 0x20, BANG = 0x21, QUOT = 0x22, HASH = 0x23, AMP = 0x26, APOS = 0x27;
const DASH = 0x2d, SLASH = 0x2f, SEMI = 0x3b, LT = 0x3c, EQ = 0x3d, GT = 0x3e, QM = 0x3f, RSQB = 0x5d;

/** ASCII name characters: 1 = may start a name, 2 = may continue one. */
const ASCII_NAME = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_:]/.test(ch)) ASCII_NAME[c] = 3;
  else if (/[0-9.-]/.test(ch)) ASCII_NAME[c] = 2;
}

/**
 * XML 1.0 (5th edition) NameStartChar / NameChar for a UTF-16 code unit at or above 0x80. A surrogate pair
 * (the code points U+10000 to U+EFFFF) is accepted unit by unit: the document has already been checked to
 * contain no lone surrogate.
 */
function isNonAsciiName(c: number, start: boolean): boolean {
  if ((c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) || (c >= 0xf8 && c <= 0x2ff) || (c >= 0x370 && c <= 0x37d)
    || (c >= 0x37f && c <= 0x1fff) || c === 0x200c || c === 0x200d || (c >= 0x2070 && c <= 0x218f)
    || (c >= 0x2c00 && c <= 0x2fef) || (c >= 0x3001 && c <= 0xd7ff) || (c >= 0xf900 && c <= 0xfdcf)
    || (c >= 0xfdf0 && c <= 0xfffd) || (c >= 0xd800 && c <= 0xdb7f)) return true;
  if (start) return false;
  return c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040 || (c >= 0xdc00 && c <= 0xdfff);
}

/** Hash of the last name {@link scanName} scanned (a side result, to avoid an allocation per call). */
let nameHash = 0;

/** End of the XML Name starting at `i` (`i` itself when there is none); sets {@link nameHash}. */
function scanName(s: string, i: number): number {
  const n = s.length;
  if (i >= n) return i;
  let c = s.charCodeAt(i);
  if (c < 128 ? (ASCII_NAME[c] as number) !== 3 : !isNonAsciiName(c, true)) return i;
  let h = c;
  let j = i + 1;
  while (j < n) {
    c = s.charCodeAt(j);
    if (c < 128 ? (ASCII_NAME[c] as number) === 0 : !isNonAsciiName(c, false)) break;
    h = (Math.imul(h, 31) + c) | 0;
    j++;
  }
  nameHash = h;
  return j;
}

const CACHE_SIZE = 8192; // a power of two

/**
 * A direct-mapped cache of the strings one parse produces, keyed by a hash computed while scanning: element
 * and attribute names and the many repeated short values (`0`, `start`, `do_update_resource`, indentation)
 * are allocated once per document instead of once per occurrence.
 */
class StringCache {
  private readonly table: string[] = new Array<string>(CACHE_SIZE).fill('');

  /** s[start, end), from the cache when an equal string is there. */
  get(s: string, start: number, end: number, hash: number): string {
    const at = hash & (CACHE_SIZE - 1);
    const cached = this.table[at] as string;
    if (cached.length === end - start && s.startsWith(cached, start)) return cached;
    const fresh = s.slice(start, end);
    this.table[at] = fresh;
    return fresh;
  }
}

function isSpace(c: number): boolean {
  return c === SPACE || c === LF || c === TAB;
}

/** Characters XML 1.0 does not allow anywhere in a document (lone surrogates are checked apart). */
const ILLEGAL_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const XML_DECL = /^<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(["'])1\.[0-9]+\1(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(["'])(?:yes|no)\3)?[ \t\n]*\?>/;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** `String.prototype.isWellFormed` (Node 20; not yet in the ES2023 typings), with a regex fallback. */
function isWellFormed(s: string): boolean {
  const native = (s as unknown as { isWellFormed?: () => boolean }).isWellFormed;
  return typeof native === 'function' ? native.call(s) : !LONE_SURROGATE.test(s);
}

/** Thrown inside the scanner; turned into a {@link CibModelError} with line and column by {@link parseXml}. */
class ScanError {
  constructor(readonly at: number, readonly message: string) {}
}

function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd)
    || (cp >= 0x10000 && cp <= 0x10ffff);
}

/**
 * Decodes the character data s[start, end), which contains at least one `&` (or, in an attribute value,
 * a tab or newline): entity and character references are replaced, and in attribute values each literal
 * tab or newline becomes a space (XML attribute-value normalization, as libxml2 does).
 */
function decode(s: string, start: number, end: number, inAttr: boolean): string {
  let out = '';
  let from = start;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (inAttr && (c === LF || c === TAB)) {
      out += `${s.slice(from, i)} `;
      from = i + 1;
      continue;
    }
    if (c !== AMP) continue;
    const semi = s.indexOf(';', i + 1);
    if (semi < 0 || semi >= end) throw new ScanError(i, "'&' must start an entity or character reference ending with ';' (write '&amp;')");
    let rep: string;
    if (s.charCodeAt(i + 1) === HASH) {
      const hex = s.charCodeAt(i + 2) === 0x78; // 'x'
      const digits = s.slice(i + (hex ? 3 : 2), semi);
      if (!(hex ? /^[0-9A-Fa-f]{1,8}$/ : /^[0-9]{1,10}$/).test(digits)) throw new ScanError(i, `Malformed character reference '${s.slice(i, semi + 1)}'`);
      const cp = parseInt(digits, hex ? 16 : 10);
      if (!isXmlChar(cp)) throw new ScanError(i, `Character reference '${s.slice(i, semi + 1)}' is not an XML character`);
      rep = String.fromCodePoint(cp);
    } else {
      const nameEnd = scanName(s, i + 1);
      if (nameEnd !== semi) throw new ScanError(i, "'&' must start an entity or character reference ending with ';' (write '&amp;')");
      const name = s.slice(i + 1, semi);
      const known = Object.prototype.hasOwnProperty.call(PREDEFINED, name) ? PREDEFINED[name] : undefined;
      if (known === undefined) throw new ScanError(i, `Undefined entity '&${name};'`);
      rep = known;
    }
    out += s.slice(from, i) + rep;
    from = semi + 1;
    i = semi;
  }
  return out + s.slice(from, end);
}

/** Longest value or text looked up in the {@link StringCache}; longer ones are mostly unique. */
const CACHED_VALUE_LENGTH = 32;
const CACHED_TEXT_LENGTH = 64;

function checkNoCdataEnd(s: string, from: number, end: number): void {
  const at = s.indexOf(']]>', from);
  if (at >= 0 && at + 3 <= end) throw new ScanError(at, "']]>' is not allowed in text");
}

/**
 * The scanner proper, on a string with normalized line ends and only legal characters. One instance per
 * document; small methods so that V8 optimizes each of them early.
 */
class Scanner {
  private readonly n: number;
  private i = 0;
  private readonly cache = new StringCache();
  private readonly stack: XmlElement[] = [];
  /**
   * Children of the open elements, innermost last: `childStart[k]` is where those of `stack[k]` begin. An
   * element gets an exact-size `children` array when it closes (no growth slack, less garbage).
   */
  private readonly children: XmlNode[] = [];
  private readonly childStart: number[] = [];
  /** Innermost open element. */
  private cur: XmlElement | undefined;
  private root: XmlElement | undefined;
  /** Character data not yet added to `cur` (text, references and CDATA sections merge into one node). */
  private text: string | undefined;

  constructor(private readonly s: string, private readonly maxDepth: number) {
    this.n = s.length;
  }

  run(): XmlElement {
    const s = this.s;
    const n = this.n;
    this.declaration();
    while (this.i < n) {
      const i = this.i;
      let lt = s.indexOf('<', i);
      if (lt < 0) lt = n;
      if (lt > i) {
        this.charData(i, lt);
        this.i = lt;
        if (lt >= n) break;
      }
      const c1 = s.charCodeAt(lt + 1);
      if (c1 === SLASH) this.endTag(lt);
      else if (c1 === BANG) this.bang(lt);
      else if (c1 === QM) this.processingInstruction(lt);
      else this.startTag(lt);
    }
    if (this.cur !== undefined) throw new ScanError(n, `Unexpected end of input: <${this.cur.name}> is not closed`);
    if (this.root === undefined) throw new ScanError(n, 'No root element');
    return this.root;
  }

  /** Skips a byte order mark and checks and skips the XML declaration. */
  private declaration(): void {
    const s = this.s;
    let i = s.charCodeAt(0) === 0xfeff ? 1 : 0;
    if (s.startsWith('<?xml', i) && (i + 5 >= this.n || isSpace(s.charCodeAt(i + 5)) || s.charCodeAt(i + 5) === QM)) {
      const m = XML_DECL.exec(s.slice(i, i + 512));
      if (m === null) throw new ScanError(i, 'Malformed XML declaration');
      i += m[0].length;
    }
    this.i = i;
  }

  /** Character data s[start, end) (no '<' in it). */
  private charData(start: number, end: number): void {
    const s = this.s;
    if (this.cur === undefined) {
      for (let j = start; j < end; j++) {
        if (!isSpace(s.charCodeAt(j))) {
          throw new ScanError(j, this.root === undefined ? 'Text before the root element' : 'Text after the root element');
        }
      }
      return;
    }
    let h = 0;
    let t: string | undefined;
    for (let j = start; j < end; j++) {
      const c = s.charCodeAt(j);
      h = (Math.imul(h, 31) + c) | 0;
      if (c === AMP) {
        checkNoCdataEnd(s, j, end);
        t = decode(s, start, end, false);
        break;
      }
      if (c === GT && j >= start + 2 && s.charCodeAt(j - 1) === RSQB && s.charCodeAt(j - 2) === RSQB) {
        throw new ScanError(j - 2, "']]>' is not allowed in text");
      }
    }
    if (t === undefined) t = end - start <= CACHED_TEXT_LENGTH ? this.cache.get(s, start, end, h) : s.slice(start, end);
    this.text = this.text === undefined ? t : this.text + t;
  }

  /** Adds the pending text, if any, to the children of the current element. */
  private flushText(): void {
    const text = this.text;
    if (text !== undefined) {
      if (text.length > 0) this.children.push({ kind: 'text', text });
      this.text = undefined;
    }
  }

  private endTag(i: number): void {
    const s = this.s;
    const nameEnd = scanName(s, i + 2);
    if (nameEnd === i + 2) throw new ScanError(i, "Expected an element name after '</'");
    let j = nameEnd;
    while (j < this.n && isSpace(s.charCodeAt(j))) j++;
    if (j >= this.n || s.charCodeAt(j) !== GT) throw new ScanError(j, `Expected '>' to end the end tag </${s.slice(i + 2, nameEnd)}>`);
    const cur = this.cur;
    if (cur === undefined) throw new ScanError(i, `End tag </${s.slice(i + 2, nameEnd)}> without a start tag`);
    if (nameEnd - (i + 2) !== cur.name.length || !s.startsWith(cur.name, i + 2)) {
      throw new ScanError(i, `End tag </${s.slice(i + 2, nameEnd)}> does not match the start tag <${cur.name}>`);
    }
    this.flushText();
    const stack = this.stack;
    stack.pop();
    const from = this.childStart.pop() as number;
    if (this.children.length > from) {
      cur.children = this.children.slice(from);
      this.children.length = from;
    }
    if (stack.length === 0) {
      this.root = cur;
      this.cur = undefined;
    } else {
      this.cur = stack[stack.length - 1] as XmlElement;
    }
    this.i = j + 1;
  }

  /** `<!--`, `<![CDATA[`, `<!DOCTYPE` (refused). */
  private bang(i: number): void {
    const s = this.s;
    if (s.startsWith('<!--', i)) {
      const end = s.indexOf('-->', i + 4);
      if (end < 0) throw new ScanError(i, 'Unterminated comment');
      const dashes = s.indexOf('--', i + 4);
      if (dashes < end) throw new ScanError(dashes, "'--' is not allowed inside a comment");
      const cur = this.cur;
      if (cur !== undefined) {
        this.flushText();
        this.children.push({ kind: 'comment', text: s.slice(i + 4, end) });
      }
      this.i = end + 3;
      return;
    }
    if (s.startsWith('<![CDATA[', i)) {
      if (this.cur === undefined) throw new ScanError(i, 'CDATA section outside the root element');
      const end = s.indexOf(']]>', i + 9);
      if (end < 0) throw new ScanError(i, 'Unterminated CDATA section');
      const t = s.slice(i + 9, end);
      this.text = this.text === undefined ? t : this.text + t;
      this.i = end + 3;
      return;
    }
    if (s.startsWith('<!DOCTYPE', i)) throw new ScanError(i, 'Document type declarations (DOCTYPE) are not accepted');
    throw new ScanError(i, "Unexpected '<!'");
  }

  /** A processing instruction: checked and skipped. */
  private processingInstruction(i: number): void {
    const s = this.s;
    const targetEnd = scanName(s, i + 2);
    if (targetEnd === i + 2) throw new ScanError(i, "Expected a processing instruction target after '<?'");
    if (targetEnd - (i + 2) === 3 && s.slice(i + 2, targetEnd).toLowerCase() === 'xml') {
      throw new ScanError(i, 'The XML declaration is only allowed at the very start of the document');
    }
    const end = s.indexOf('?>', targetEnd);
    if (end < 0) throw new ScanError(i, 'Unterminated processing instruction');
    if (end !== targetEnd && !isSpace(s.charCodeAt(targetEnd))) throw new ScanError(targetEnd, 'Malformed processing instruction');
    this.i = end + 2;
  }

  private startTag(i: number): void {
    const s = this.s;
    const n = this.n;
    const nameEnd = scanName(s, i + 1);
    if (nameEnd === i + 1) throw new ScanError(i, i + 1 >= n ? "Unexpected end of input after '<'" : "'<' must start a tag (write '&lt;')");
    const cur = this.cur;
    if (cur === undefined && this.root !== undefined) throw new ScanError(i, 'Expected exactly one root element, found a second one');
    const name = this.cache.get(s, i + 1, nameEnd, nameHash);
    const attrs: Record<string, string> = {};
    let j = nameEnd;
    let selfClosing = false;
    for (;;) {
      const before = j;
      let c = s.charCodeAt(j);
      while (c === SPACE || c === LF || c === TAB) c = s.charCodeAt(++j);
      if (c === GT) { j++; break; }
      if (c === SLASH) {
        if (s.charCodeAt(j + 1) !== GT) throw new ScanError(j, "Expected '>' after '/' in a tag");
        j += 2;
        selfClosing = true;
        break;
      }
      if (j >= n) throw new ScanError(i, `Unterminated start tag <${name}>`);
      if (j === before) throw new ScanError(j, `Expected whitespace, '>' or '/>' in the start tag <${name}>`);
      j = this.attribute(j, attrs, name);
    }
    if (this.stack.length >= this.maxDepth) {
      throw new CibModelError(CibModelErrorCodes.TOO_LARGE, `Elements are nested deeper than ${this.maxDepth} levels`);
    }
    const el: XmlElement = { kind: 'element', name, attrs, children: [] };
    if (cur !== undefined) {
      this.flushText();
      this.children.push(el);
    }
    if (selfClosing) {
      if (cur === undefined) this.root = el;
    } else {
      this.stack.push(el);
      this.childStart.push(this.children.length);
      this.cur = el;
    }
    this.i = j;
  }

  /** Reads the attribute at `an` into `attrs`; returns the offset after its value. */
  private attribute(an: number, attrs: Record<string, string>, elementName: string): number {
    const s = this.s;
    const n = this.n;
    let j = scanName(s, an);
    if (j === an) throw new ScanError(j, `Expected an attribute name in the start tag <${elementName}>`);
    const attrName = this.cache.get(s, an, j, nameHash);
    let c = s.charCodeAt(j);
    while (c === SPACE || c === LF || c === TAB) c = s.charCodeAt(++j);
    if (c !== EQ) throw new ScanError(j, `Expected '=' after the attribute name ${attrName}`);
    c = s.charCodeAt(++j);
    while (c === SPACE || c === LF || c === TAB) c = s.charCodeAt(++j);
    if (c !== QUOT && c !== APOS) throw new ScanError(j, `Expected a quoted value for the attribute ${attrName}`);
    const q = c;
    const vs = ++j;
    let special = false;
    let h = 0;
    for (;;) {
      if (j >= n) throw new ScanError(vs - 1, `Unterminated value of the attribute ${attrName}`);
      c = s.charCodeAt(j);
      if (c === q) break;
      if (c === LT) throw new ScanError(j, `'<' is not allowed in the value of the attribute ${attrName} (write '&lt;')`);
      if (c === AMP || c === LF || c === TAB) special = true;
      h = (Math.imul(h, 31) + c) | 0;
      j++;
    }
    const value = special ? decode(s, vs, j, true) : j - vs <= CACHED_VALUE_LENGTH ? this.cache.get(s, vs, j, h) : s.slice(vs, j);
    if (Object.prototype.hasOwnProperty.call(attrs, attrName)) throw new ScanError(an, `Duplicate attribute ${attrName} in <${elementName}>`);
    setAttr(attrs, attrName, value);
    return j + 1;
  }
}

/** 1-based line and column of offset `at` in `s`. */
function lineColumn(s: string, at: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let nl = s.indexOf('\n'); nl >= 0 && nl < at; nl = s.indexOf('\n', nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return { line, column: at - lineStart + 1 };
}

/**
 * Parses an XML document into a tree rooted at its single top-level element.
 *
 * Text is kept as written except that line ends are normalized to `\n`, references are decoded and CDATA
 * sections become text (adjacent character data forms one text node); in attribute values a literal tab or
 * newline becomes a space (attribute-value normalization). Comments and whitespace outside the root element,
 * the XML declaration and processing instructions are dropped.
 *
 * @throws {@link CibModelError} `PCMK_CIB_XML_PARSE` when the input is not well-formed XML (the message
 * gives the line and column) or contains a DOCTYPE, `PCMK_CIB_TOO_LARGE` when it exceeds the limits.
 */
export function parseXml(xml: string, limits: XmlParseLimits = {}): XmlElement {
  if (typeof xml !== 'string') {
    throw new CibModelError(CibModelErrorCodes.XML_PARSE, `Expected the CIB as a string, got ${typeof xml}`);
  }
  const maxLength = limits.maxLength ?? DEFAULT_MAX_LENGTH;
  if (xml.length > maxLength) {
    throw new CibModelError(CibModelErrorCodes.TOO_LARGE, `The XML is ${xml.length} characters, over the limit of ${maxLength}`);
  }
  const s = xml.includes('\r') ? xml.replace(/\r\n?/g, '\n') : xml;
  try {
    const bad = ILLEGAL_CHAR.exec(s) ?? (isWellFormed(s) ? null : LONE_SURROGATE.exec(s));
    if (bad !== null) {
      throw new ScanError(bad.index, `Character U+${(bad[0].charCodeAt(0)).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`);
    }
    return new Scanner(s, limits.maxDepth ?? DEFAULT_MAX_DEPTH).run();
  } catch (err) {
    if (!(err instanceof ScanError)) throw err;
    const { line, column } = lineColumn(s, err.at);
    throw new CibModelError(CibModelErrorCodes.XML_PARSE, `Malformed XML at line ${line}, column ${column}: ${err.message}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Serializer

const TEXT_SPECIAL = /[&<>\r]/;

function escapeText(s: string): string {
  if (!TEXT_SPECIAL.test(s)) return s;
  // '\r' as a reference: a literal one would come back as '\n' (line-end normalization).
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
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
