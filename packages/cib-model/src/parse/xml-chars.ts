/**
 * The lexical layer of the XML scanner (`xml-scanner.ts`): character classes, XML names, the string cache,
 * reference decoding and the scan error carrying an offset.
 */

/** Sets `attrs[name] = value` as an own, enumerable property, `__proto__` included. */
export function setAttr(attrs: Record<string, string>, name: string, value: string): void {
  if (name === '__proto__') {
    Object.defineProperty(attrs, name, { value, writable: true, enumerable: true, configurable: true });
  } else {
    attrs[name] = value;
  }
}

export const TAB = 0x09, LF = 0x0a, SPACE = 0x20, BANG = 0x21, QUOT = 0x22, HASH = 0x23, AMP = 0x26, APOS = 0x27;
export const DASH = 0x2d, SLASH = 0x2f, SEMI = 0x3b, LT = 0x3c, EQ = 0x3d, GT = 0x3e, QM = 0x3f, RSQB = 0x5d;

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
export let nameHash = 0;

/** End of the XML Name starting at `i` (`i` itself when there is none); sets {@link nameHash}. */
export function scanName(s: string, i: number): number {
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
export class StringCache {
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

export function isSpace(c: number): boolean {
  return c === SPACE || c === LF || c === TAB;
}

/** Characters XML 1.0 does not allow anywhere in a document (lone surrogates are checked apart). */
export const ILLEGAL_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const XML_DECL = /^<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(["'])1\.[0-9]+\1(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(["'])(?:yes|no)\3)?[ \t\n]*\?>/;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** `String.prototype.isWellFormed` (Node 20; not yet in the ES2023 typings), with a regex fallback. */
export function isWellFormed(s: string): boolean {
  const native = (s as unknown as { isWellFormed?: () => boolean }).isWellFormed;
  return typeof native === 'function' ? native.call(s) : !LONE_SURROGATE.test(s);
}

/** Thrown inside the scanner; turned into a {@link CibModelError} with line and column by {@link parseXml}. */
export class ScanError {
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
export function decode(s: string, start: number, end: number, inAttr: boolean): string {
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
export const CACHED_VALUE_LENGTH = 32;
export const CACHED_TEXT_LENGTH = 64;

export function checkNoCdataEnd(s: string, from: number, end: number): void {
  const at = s.indexOf(']]>', from);
  if (at >= 0 && at + 3 <= end) throw new ScanError(at, "']]>' is not allowed in text");
}
