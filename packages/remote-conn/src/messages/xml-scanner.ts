/**
 * A strict single-pass scanner for executor messages, resumable so that a large message can be parsed in
 * slices between which the event loop runs (see the session's inbound reader).
 *
 * It checks XML 1.0 well-formedness as far as messages need it: names, quoted attribute values without `<`,
 * unique attributes, matching end tags, one root element, only whitespace outside it, valid references. The
 * messages Pacemaker's executor exchanges are elements with attributes only, so text, comments and
 * processing instructions are checked and dropped; a CDATA section's content is kept as the enclosing
 * element's `cdata` (the IPC relay's schema transfer carries files that way). A document type declaration is refused (the
 * daemon never sends one, and it is how entity expansion attacks start); only the five predefined entities
 * and character references are decoded. In attribute values a literal tab, newline or carriage return
 * becomes a space (attribute-value normalization, as libxml2 does); write them as `&#9;` / `&#10;` / `&#13;`.
 *
 * It is written for this element model (no text nodes, sticky regular expressions for the tokens); the CIB
 * model's scanner keeps text and comments for round trips, a different job.
 */
import { ErrorCodes, RemoteConnError } from '../errors.js';
import type { XmlElement } from './xml.js';
import { LARGE_VALUE, ScanError, charRef, decodeLargeValue, decodeValue, intern, lineColumn, setAttr, type LargeValue } from './xml-values.js';

const NAME_START = ':A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\uD800-\\uDB7F';
const NAME_CHAR = `${NAME_START}.0-9\\-\\u00B7\\u0300-\\u036F\\u203F\\u2040\\uDC00-\\uDFFF`;
const NAME = `[${NAME_START}][${NAME_CHAR}]*`;
const WS = '[ \\t\\r\\n]';

const START_TAG = new RegExp(`<(${NAME})`, 'y');
/** An attribute up to the opening quote of its value (the value is found with `indexOf`, much faster). */
const ATTRIBUTE = new RegExp(`${WS}+(${NAME})${WS}*=${WS}*(["'])`, 'y');
const TAG_CLOSE = new RegExp(`${WS}*(/?)>`, 'y');
const END_TAG = new RegExp(`</(${NAME})${WS}*>`, 'y');
const XML_DECL = new RegExp(`<\\?xml${WS}[^?]*\\?>`, 'y');
const PI = new RegExp(`<\\?(${NAME})(?:${WS}[^]*?)?\\?>`, 'y');
const NOT_SPACE = /[^ \t\r\n]/g;
const REFERENCE = /&(?:(lt|gt|amp|quot|apos)|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));/y;
/** Characters XML 1.0 does not allow anywhere. */
const ILLEGAL_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
/** The document is checked for illegal characters in pieces of this many characters. */
const CHECK_PIECE = 1024 * 1024;
/** What attribute values need decoding for: references and the whitespace normalized to a space. */
const VALUE_SPECIAL = /[&\t\n\r]/;

/** Tokens between two checks of the deadline. */
const TOKENS_PER_CHECK = 256;

/** A start tag whose attributes are being read. */
interface OpenTag {
  name: string;
  attrs: Record<string, string>;
  /** Offset of the next attribute. */
  j: number;
  value: LargeValue | undefined;
}


/**
 * A parse in progress. {@link step} runs until the document is parsed (returning its root) or until the
 * deadline passes (returning `undefined`; call it again to go on).
 */
export class XmlScan {
  readonly #s: string;
  #i = 0;
  #stack: XmlElement[] = [];
  #root: XmlElement | undefined;
  #tag: OpenTag | undefined;
  /** The document is checked for illegal characters up to here. */
  #checkedTo = 0;
  readonly #checkEvery: number;

  /** @param options.checkEvery tokens between two looks at the deadline (default 256) */
  constructor(text: string, options: { checkEvery?: number } = {}) {
    this.#checkEvery = options.checkEvery ?? TOKENS_PER_CHECK;
    if (typeof text !== 'string') throw new RemoteConnError(ErrorCodes.XML_INVALID, `Expected the message as a string, got ${typeof text}`);
    this.#s = text;
  }

  /** The size of the document, in characters. */
  get length(): number {
    return this.#s.length;
  }

  /**
   * Parses on until done or until `performance.now()` passes `deadline`.
   * @throws RemoteConnError `XML_INVALID` when the document is not well-formed (with line and column)
   */
  step(deadline = Number.POSITIVE_INFINITY): XmlElement | undefined {
    try {
      return this.#run(deadline);
    } catch (err) {
      if (!(err instanceof ScanError)) throw err;
      throw new RemoteConnError(ErrorCodes.XML_INVALID, `Malformed XML message: ${err.message} (${lineColumn(this.#s, err.at)})`, {
        details: { xmlError: 'InvalidXml' },
      });
    }
  }

  #run(deadline: number): XmlElement | undefined {
    const s = this.#s;
    const n = s.length;
    while (this.#checkedTo < n) {
      const from = this.#checkedTo;
      const bad = ILLEGAL_CHAR.exec(from === 0 && n <= CHECK_PIECE ? s : s.slice(from, from + CHECK_PIECE));
      if (bad) throw new ScanError(from + bad.index, `Character U+${(bad[0].charCodeAt(0)).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`);
      this.#checkedTo = Math.min(n, from + CHECK_PIECE);
      if (this.#checkedTo === n) {
        let i = s.charCodeAt(0) === 0xfeff ? 1 : 0;
        XML_DECL.lastIndex = i;
        if (XML_DECL.test(s)) i = XML_DECL.lastIndex;
        this.#i = i;
      } else if (performance.now() > deadline) {
        return undefined;
      }
    }
    let i = this.#i;
    if (this.#tag) {
      const next = this.#continueTag(deadline);
      if (next === undefined) return undefined;
      i = next;
    }
    let tokens = 0;
    while (i < n) {
      // At least one token per step, so that every step makes progress.
      if (tokens++ >= this.#checkEvery) {
        tokens = 1;
        if (performance.now() > deadline) {
          this.#i = i;
          return undefined;
        }
      }
      let lt = s.indexOf('<', i);
      if (lt < 0) lt = n;
      if (lt > i) this.#text(i, lt);
      if (lt >= n) break;
      const c1 = s.charCodeAt(lt + 1);
      if (c1 === 0x2f) i = this.#endTag(lt);
      else if (c1 === 0x21) i = this.#bang(lt);
      else if (c1 === 0x3f) i = this.#pi(lt);
      else {
        const next = this.#startTag(lt, deadline);
        if (next === undefined) {
          this.#i = lt;
          return undefined;
        }
        i = next;
      }
    }
    this.#i = n;
    const open = this.#stack[this.#stack.length - 1];
    if (open) throw new ScanError(n, `Unexpected end of the message: <${open.name}> is not closed`);
    if (!this.#root) throw new ScanError(n, 'No root element');
    return this.#root;
  }

  /** Character data s[start, end): whitespace outside the root; inside, valid references only. */
  #text(start: number, end: number): void {
    const s = this.#s;
    if (this.#stack.length === 0) {
      NOT_SPACE.lastIndex = start;
      const m = NOT_SPACE.exec(s);
      if (m && m.index < end) throw new ScanError(m.index, this.#root ? 'Text after the root element' : 'Text before the root element');
      return;
    }
    // Searched in a slice of its own: a search of the whole rest of the message per text would be quadratic.
    const t = s.slice(start, end);
    for (let amp = t.indexOf('&'); amp >= 0; amp = t.indexOf('&', amp + 1)) {
      REFERENCE.lastIndex = amp;
      const m = REFERENCE.exec(t);
      if (!m) throw new ScanError(start + amp, "'&' must start a predefined entity or a character reference (write '&amp;')");
      if (m[1] === undefined) charRef(m[2], m[3], start + amp);
    }
    const cdataEnd = t.indexOf(']]>');
    if (cdataEnd >= 0) throw new ScanError(start + cdataEnd, "']]>' is not allowed in text");
  }

  #startTag(lt: number, deadline: number): number | undefined {
    const s = this.#s;
    START_TAG.lastIndex = lt;
    const m = START_TAG.exec(s);
    if (!m) throw new ScanError(lt, lt + 1 >= s.length ? "Unexpected end of the message after '<'" : "'<' must start a tag (write '&lt;')");
    if (this.#stack.length === 0 && this.#root) throw new ScanError(lt, 'Expected one root element, found a second one');
    this.#tag = { name: intern(m[1] as string), attrs: {}, j: START_TAG.lastIndex, value: undefined };
    return this.#continueTag(deadline);
  }

  /** Reads the attributes of the open start tag; `undefined` when the deadline passed in a large value. */
  #continueTag(deadline: number): number | undefined {
    const s = this.#s;
    const t = this.#tag as OpenTag;
    for (;;) {
      if (t.value) {
        if (!decodeLargeValue(t.value, deadline)) return undefined;
        setAttr(t.attrs, t.value.attrName, t.value.parts.join(''));
        t.value = undefined;
      }
      ATTRIBUTE.lastIndex = t.j;
      const a = ATTRIBUTE.exec(s);
      if (!a) break;
      const attrName = intern(a[1] as string);
      const valueAt = ATTRIBUTE.lastIndex;
      const end = s.indexOf(a[2] as string, valueAt);
      if (end < 0) throw new ScanError(valueAt - 1, `Unterminated value of the attribute ${attrName}`);
      const lt = s.indexOf('<', valueAt);
      if (lt >= 0 && lt < end) throw new ScanError(lt, `'<' is not allowed in the value of the attribute ${attrName} (write '&lt;')`);
      const raw = s.slice(valueAt, end);
      if (Object.prototype.hasOwnProperty.call(t.attrs, attrName)) throw new ScanError(t.j, `Duplicate attribute ${attrName} in <${t.name}>`);
      t.j = end + 1;
      if (!VALUE_SPECIAL.test(raw)) setAttr(t.attrs, attrName, raw);
      else if (raw.length <= LARGE_VALUE) setAttr(t.attrs, attrName, decodeValue(raw, valueAt));
      else t.value = { attrName, raw, at: valueAt, pos: 0, parts: [] };
    }
    TAG_CLOSE.lastIndex = t.j;
    const close = TAG_CLOSE.exec(s);
    if (!close) throw new ScanError(t.j, `Malformed attribute or unterminated start tag <${t.name}>`);
    this.#tag = undefined;
    const el: XmlElement = { name: t.name, attrs: t.attrs, children: [] };
    const parent = this.#stack[this.#stack.length - 1];
    if (parent) parent.children.push(el);
    if (close[1] === '/') {
      if (!parent) this.#root = el;
    } else {
      this.#stack.push(el);
    }
    return TAG_CLOSE.lastIndex;
  }

  #endTag(lt: number): number {
    const s = this.#s;
    END_TAG.lastIndex = lt;
    const m = END_TAG.exec(s);
    if (!m) throw new ScanError(lt, 'Malformed end tag');
    const cur = this.#stack.pop();
    if (!cur) throw new ScanError(lt, `End tag </${m[1]}> without a start tag`);
    if (cur.name !== m[1]) throw new ScanError(lt, `End tag </${m[1]}> does not match the start tag <${cur.name}>`);
    if (this.#stack.length === 0) this.#root = cur;
    return END_TAG.lastIndex;
  }

  /** `<!--`, `<![CDATA[`; `<!DOCTYPE` is refused. */
  #bang(lt: number): number {
    const s = this.#s;
    if (s.startsWith('<!--', lt)) {
      const end = s.indexOf('-->', lt + 4);
      if (end < 0) throw new ScanError(lt, 'Unterminated comment');
      const dashes = s.indexOf('--', lt + 4);
      if (dashes < end) throw new ScanError(dashes, "'--' is not allowed inside a comment");
      return end + 3;
    }
    if (s.startsWith('<![CDATA[', lt)) {
      if (this.#stack.length === 0) throw new ScanError(lt, 'CDATA section outside the root element');
      const end = s.indexOf(']]>', lt + 9);
      if (end < 0) throw new ScanError(lt, 'Unterminated CDATA section');
      // Kept on the enclosing element (the relay's schema transfer carries files as CDATA).
      const open = this.#stack[this.#stack.length - 1] as XmlElement;
      open.cdata = (open.cdata ?? '') + s.slice(lt + 9, end);
      return end + 3;
    }
    if (s.startsWith('<!DOCTYPE', lt)) throw new ScanError(lt, 'Document type declarations (DOCTYPE) are not accepted in messages');
    throw new ScanError(lt, "Unexpected '<!'");
  }

  #pi(lt: number): number {
    const s = this.#s;
    PI.lastIndex = lt;
    const m = PI.exec(s);
    if (!m) throw new ScanError(lt, 'Malformed or unterminated processing instruction');
    if ((m[1] as string).toLowerCase() === 'xml') throw new ScanError(lt, 'The XML declaration is only allowed at the very start of the message');
    return PI.lastIndex;
  }
}
