/**
 * The strict single-pass scanner behind {@link parseXml}: XML 1.0 well-formedness, DOCTYPE refused, the
 * order-preserving tree of `xml-tree.ts` as output.
 */
import { CibModelError, CibModelErrorCodes } from '../errors.js';
import {
  AMP, APOS, BANG, CACHED_TEXT_LENGTH, CACHED_VALUE_LENGTH, EQ, GT, ILLEGAL_CHAR, LF, LONE_SURROGATE, LT, QM, QUOT, RSQB,
  SLASH, SPACE, ScanError, StringCache, TAB, XML_DECL, checkNoCdataEnd, decode, isSpace, isWellFormed, nameHash, scanName, setAttr,
} from './xml-chars.js';
import type { XmlElement, XmlNode, XmlParseLimits } from './xml-tree.js';

const DEFAULT_MAX_LENGTH = 256 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 256;

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
