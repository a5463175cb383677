/**
 * The values of the message scanner (`xml-scanner.ts`): attribute values with their references decoded (in
 * pieces for a large one), character references checked, names interned, and the scanner's error with its
 * position.
 */
export function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/** Thrown inside the scanner; becomes `XML_INVALID` with line and column. */
export class ScanError {
  constructor(
    readonly at: number,
    readonly message: string,
  ) {}
}

export function charRef(dec: string | undefined, hex: string | undefined, at: number): void {
  const cp = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex as string, 16);
  if (!isXmlChar(cp)) throw new ScanError(at, `Character reference to U+${cp.toString(16).toUpperCase()} is not an XML character`);
}

export const BAD_AMP = "'&' must start a predefined entity or a character reference (write '&amp;')";
const utf16 = new TextDecoder('utf-16le');
/** Reused output buffer of {@link decodeValue} for values up to its size. */
const scratch = new Uint16Array(64 * 1024);

/** The code point of the reference starting at raw[i] (an `&`), which ends at raw[semi] (a `;`). */
export function referenceCodePoint(raw: string, i: number, semi: number, at: number): number {
  const c1 = raw.charCodeAt(i + 1);
  if (c1 === 0x23) {
    let j = i + 2;
    const hex = raw.charCodeAt(j) === 0x78;
    if (hex) j++;
    if (j === semi) throw new ScanError(at + i, 'Malformed character reference');
    let cp = 0;
    for (; j < semi; j++) {
      const c = raw.charCodeAt(j);
      const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : hex && c >= 0x61 && c <= 0x66 ? c - 0x57 : hex && c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
      if (d < 0) throw new ScanError(at + i, 'Malformed character reference');
      cp = cp * (hex ? 16 : 10) + d;
      if (cp > 0x10ffff) break;
    }
    if (!isXmlChar(cp)) throw new ScanError(at + i, 'Character reference to a character XML does not allow');
    return cp;
  }
  const len = semi - i - 1;
  const c2 = raw.charCodeAt(i + 2);
  if (len === 2 && c2 === 0x74 && (c1 === 0x6c || c1 === 0x67)) return c1 === 0x6c ? 0x3c : 0x3e; // lt gt
  if (len === 3 && c1 === 0x61 && c2 === 0x6d && raw.charCodeAt(i + 3) === 0x70) return 0x26; // amp
  if (len === 4 && c1 === 0x71 && c2 === 0x75 && raw.charCodeAt(i + 3) === 0x6f && raw.charCodeAt(i + 4) === 0x74) return 0x22; // quot
  if (len === 4 && c1 === 0x61 && c2 === 0x70 && raw.charCodeAt(i + 3) === 0x6f && raw.charCodeAt(i + 4) === 0x73) return 0x27; // apos
  throw new ScanError(at + i, BAD_AMP);
}

/**
 * Decodes an attribute value (or a piece of one that does not split a reference): references are replaced
 * and a literal tab, newline or carriage return becomes a space. One pass into a buffer of UTF-16 code
 * units and one result string: nothing is allocated per reference.
 */
export function decodeValue(raw: string, at: number): string {
  const n = raw.length;
  const buf = n <= scratch.length ? scratch : new Uint16Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x26) {
      const semi = raw.indexOf(';', i + 2);
      if (semi < 0 || semi - i > 16) throw new ScanError(at + i, BAD_AMP);
      let cp = referenceCodePoint(raw, i, semi, at);
      if (cp >= 0x10000) {
        cp -= 0x10000;
        buf[k++] = 0xd800 + (cp >> 10);
        buf[k++] = 0xdc00 + (cp & 0x3ff);
      } else {
        buf[k++] = cp;
      }
      i = semi;
    } else {
      buf[k++] = c === 0x09 || c === 0x0a || c === 0x0d ? 0x20 : c;
    }
  }
  const out = buf.subarray(0, k);
  return k <= 1024 ? String.fromCharCode.apply(null, out as unknown as number[]) : utf16.decode(out);
}

/** An attribute value too long to decode within one slice, decoded piece by piece. */
export interface LargeValue {
  attrName: string;
  raw: string;
  /** Offset of the value in the document. */
  at: number;
  /** Next piece starts here. */
  pos: number;
  parts: string[];
}

/** Values longer than this (characters) that need decoding are decoded in pieces of this size. */
export const LARGE_VALUE = 256 * 1024;

/**
 * One string per distinct element or attribute name: a large message repeats a few names hundreds of
 * thousands of times, and every copy would stay in the tree (more heap, longer garbage collections).
 * Bounded, so a peer sending ever new names cannot grow it without limit.
 */
const names = new Map<string, string>();
const MAX_NAMES = 4096;

export function intern(name: string): string {
  const known = names.get(name);
  if (known !== undefined) return known;
  if (names.size < MAX_NAMES) names.set(name, name);
  return name;
}

export function setAttr(attrs: Record<string, string>, name: string, value: string): void {
  if (name === '__proto__') Object.defineProperty(attrs, name, { value, writable: true, enumerable: true, configurable: true });
  else attrs[name] = value;
}

export function lineColumn(s: string, at: number): string {
  let line = 1;
  let lineStart = 0;
  for (let nl = s.indexOf('\n'); nl >= 0 && nl < at; nl = s.indexOf('\n', nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return `line ${line}, column ${at - lineStart + 1}`;
}

/** Decodes pieces of a large value until it is done (`true`) or the deadline passed. */
export function decodeLargeValue(v: LargeValue, deadline: number): boolean {
  const raw = v.raw;
  while (v.pos < raw.length) {
    let end = Math.min(v.pos + LARGE_VALUE, raw.length);
    if (end < raw.length) {
      // Never split a reference: end the piece before an '&' whose ';' is not in it.
      const amp = raw.lastIndexOf('&', end - 1);
      if (amp > v.pos && amp > end - 17 && raw.lastIndexOf(';', end - 1) < amp) end = amp;
    }
    v.parts.push(decodeValue(raw.slice(v.pos, end), v.at + v.pos));
    v.pos = end;
    if (performance.now() > deadline) return v.pos >= raw.length;
  }
  return true;
}
