/**
 * The XML scanner of parseXml (src/parse/xml-tree.ts): agreement with the previous implementation
 * (fast-xml-parser's validator + parser, kept here only as the test oracle) on every cts-scheduler file and
 * on fuzzed input, round trips through serializeXml, the XML 1.0 rules it enforces (with line and column),
 * reference decoding, and the size and depth limits.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CibModelErrorCodes, isCibModelError, parseXml, serializeXml, type XmlElement, type XmlNode } from '../src/index.js';
import { ctsFile, ctsFiles } from './helpers/cib-xml.js';

// ---- The oracle: the previous parseXml (fast-xml-parser), as it was before the scanner replaced it.
const fxp = new XMLParser({
  preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', allowBooleanAttributes: false, parseAttributeValue: false,
  parseTagValue: false, trimValues: false, commentPropName: '#comment', processEntities: true, htmlEntities: false,
  ignoreDeclaration: true, ignorePiTags: true,
});
type FxpNode = Record<string, unknown>;
function oracle(xml: string): XmlElement | 'error' {
  try {
    if (XMLValidator.validate(xml, { allowBooleanAttributes: false }) !== true) return 'error';
    const convert = (list: FxpNode[]): XmlNode[] => {
      const out: XmlNode[] = [];
      for (const item of list) {
        for (const key of Object.keys(item)) {
          if (key === ':@') continue;
          const value = item[key];
          if (key === '#text') out.push({ kind: 'text', text: String(value) });
          else if (key === '#comment') out.push({ kind: 'comment', text: (value as FxpNode[]).map((p) => String(p['#text'] ?? '')).join('') });
          else {
            const attrs: Record<string, string> = {};
            for (const [k, v] of Object.entries((item[':@'] as Record<string, unknown> | undefined) ?? {})) attrs[k] = String(v);
            out.push({ kind: 'element', name: key, attrs, children: convert(value as FxpNode[]) });
          }
        }
      }
      return out;
    };
    const roots = convert(fxp.parse(xml) as FxpNode[]).filter((n): n is XmlElement => n.kind === 'element');
    return roots.length === 1 ? (roots[0] as XmlElement) : 'error';
  } catch {
    return 'error';
  }
}

function parsed(xml: string): XmlElement | 'error' {
  try {
    return parseXml(xml);
  } catch (err) {
    if (isCibModelError(err, CibModelErrorCodes.XML_PARSE)) return 'error';
    throw err;
  }
}

/** The error parseXml raises on `xml` (fails the test if it parses). */
function errorOf(xml: string): { code: string; message: string } {
  try {
    parseXml(xml);
  } catch (err) {
    if (isCibModelError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error(`parsed: ${JSON.stringify(xml)}`);
}

/**
 * Where the two parsers are known to differ (the oracle was wrong there: undecoded character references,
 * CDATA split into several text nodes, DOCTYPE entities expanded, reserved attribute names refused, processing
 * instructions other than the plain ones misread), inputs are left out of the differential.
 */
const OUTSIDE_ORACLE = /&#|CDATA|DOCTYPE|__proto__|constructor|prototype|<\?(?!p\?>|xml version="1\.0"\?>)/;

/** The differential property: whatever the scanner accepts, the oracle accepts with the same tree (with attribute-value normalization). */
function agreesWithOracle(xml: string): 'both' | 'rejected' {
  const mine = parsed(xml);
  if (mine === 'error') return 'rejected';
  const theirs = oracle(xml);
  if (theirs === 'error') throw new Error(`only the scanner accepts ${JSON.stringify(xml.slice(0, 400))}`);
  // The scanner normalizes whitespace in attribute values and merges text split by a processing instruction.
  const normalize = (e: XmlElement): XmlElement => {
    const children: XmlNode[] = [];
    for (const c of e.children) {
      const last = children[children.length - 1];
      if (c.kind === 'text' && last?.kind === 'text') children[children.length - 1] = { kind: 'text', text: last.text + c.text };
      else children.push(c.kind === 'element' ? normalize(c) : c);
    }
    return { ...e, attrs: Object.fromEntries(Object.entries(e.attrs).map(([k, v]) => [k, v.replace(/[\t\n]/g, ' ')])), children };
  };
  if (!isDeepStrictEqual(mine, normalize(theirs))) throw new Error(`trees differ on ${JSON.stringify(xml.slice(0, 400))}`);
  return 'both';
}

describe('cib-model parse: parseXml (XML scanner)', function () {
  this.timeout(60_000);
  // Looked up when a test runs: without ../shared/cts-scheduler, those tests fail with a clear message.
  let list: string[] | undefined;
  const files = (): string[] => (list ??= ctsFiles());

  it('builds the oracle\'s tree for every cts-scheduler file, and every file round-trips through serializeXml', () => {
    expect(files()).to.have.length(108);
    for (const f of files()) {
      const xml = ctsFile(f);
      const tree = parseXml(xml);
      expect(isDeepStrictEqual(tree, oracle(xml)), f).to.equal(true);
      const out = serializeXml(tree);
      expect(isDeepStrictEqual(parseXml(out), tree), f).to.equal(true);
      expect(serializeXml(parseXml(out)), f).to.equal(out);
    }
  });

  it('decodes the predefined entities and character references, in text and attribute values', () => {
    const root = parseXml(`<a x="&lt;&amp;&gt;&quot;&apos;&#65;&#x42;&#x1F600;&#10;&#9;" y='say "hi"' z="it's">t &lt;&amp;&gt; &#60;&#x3E; &#x1f600;</a>`);
    expect(root.attrs).to.deep.equal({ x: '<&>"\'AB\u{1F600}\n\t', y: 'say "hi"', z: "it's" });
    expect(root.children).to.deep.equal([{ kind: 'text', text: 't <&> <> \u{1F600}' }]);
  });

  it('decodes millions of references without an object per reference: the value is one flat string', () => {
    // Issue #17: 20 million `&amp;` in one attribute held ~740 MB of heap (a string built by concatenation
    // keeps one node per piece until it is flattened). A flat result keeps 1 byte per character.
    const count = 2_000_000;
    const xml = `<a v="${'&amp;'.repeat(count)}">${'&lt;&#65;'.repeat(count / 2)}</a>`;
    const before = process.memoryUsage().heapUsed;
    const root = parseXml(xml);
    const held = process.memoryUsage().heapUsed - before;
    expect(root.attrs['v']).to.equal('&'.repeat(count));
    expect(root.children).to.deep.equal([{ kind: 'text', text: '<A'.repeat(count / 2) }]);
    // Values: 2 + 2 MB of characters. A node per reference would be over 100 MB.
    expect(held, `heap held after the parse: ${Math.round(held / 2 ** 20)} MB`).to.be.below(40 * 2 ** 20);
  });

  it('normalizes literal tabs and newlines in attribute values to spaces and line ends to \\n', () => {
    expect(parseXml('<a x="1\n2\t3\r\n4"/>').attrs['x']).to.equal('1 2 3 4');
    expect(parseXml('<a>\r\n x\r y\n</a>').children).to.deep.equal([{ kind: 'text', text: '\n x\n y\n' }]);
  });

  it('merges CDATA sections and references into the surrounding text; keeps comments; skips processing instructions', () => {
    expect(parseXml('<a>x<![CDATA[<y> & ]]]]>z<?pi data?>w<!-- c --><b/></a>').children).to.deep.equal([
      { kind: 'text', text: 'x<y> & ]]z' + 'w' }, { kind: 'comment', text: ' c ' }, { kind: 'element', name: 'b', attrs: {}, children: [] },
    ]);
    expect(parseXml('\uFEFF<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<!-- before --><?pi?>\n<a/>\n<!-- after -->\n')).to.deep.equal(
      { kind: 'element', name: 'a', attrs: {}, children: [] });
  });

  it('keeps an attribute named __proto__ as an own property and round-trips it', () => {
    const root = parseXml('<a __proto__="x" constructor="y" b="z"/>');
    expect(Object.keys(root.attrs)).to.deep.equal(['__proto__', 'constructor', 'b']);
    expect(Object.getPrototypeOf(root.attrs)).to.equal(Object.prototype);
    expect(serializeXml(root)).to.equal('<a __proto__="x" constructor="y" b="z"/>');
  });

  it('accepts non-ASCII names and whitespace around = and before >', () => {
    expect(parseXml('<é\tñ = "ü" ></é >')).to.deep.equal({ kind: 'element', name: 'é', attrs: { ñ: 'ü' }, children: [] });
  });

  it('rejects malformed XML with PCMK_CIB_XML_PARSE, giving line and column', () => {
    const cases: Array<[string, string]> = [
      ['', 'No root element'], ['text', 'Text before the root element'], ['<a>', 'not closed'], ['<a/><b/>', 'one root element'],
      ['<a/>x', 'Text after the root element'], ['<a><b></a>', 'does not match'], ['</a>', 'without a start tag'],
      ['<a x="1" x="2"/>', 'Duplicate attribute'], ['<a x=1/>', 'quoted value'], ['<a x="1"y="2"/>', 'Expected whitespace'],
      ['<a x="<"/>', "'<' is not allowed"], ['<a x="1/>', 'Unterminated'], ['<a x/>', "Expected '='"], ['< a/>', "'<' must start a tag"],
      ['<a>&foo;</a>', 'Undefined entity'], ['<a>a & b</a>', "'&' must start"], ['<a>&#0;</a>', 'not an XML character'],
      ['<a>&#xD800;</a>', 'not an XML character'], ['<a>&#12a;</a>', 'Malformed character reference'], ['<a>]]></a>', "']]>'"],
      ['<a><!-- x -- y --></a>', "'--'"], ['<a><!-- x ---></a>', "'--'"], ['<a><!-- x </a>', 'Unterminated comment'],
      ['<a><![CDATA[x</a>', 'Unterminated CDATA'], ['<![CDATA[x]]><a/>', 'CDATA section outside'], ['<a>\u0001</a>', 'U+0001'],
      ['<a>\uDC00</a>', 'U+DC00'], ['<a>\uFFFF</a>', 'U+FFFF'], [' <?xml version="1.0"?><a/>', 'very start'], ['<?xml version="2"?><a/>', 'XML declaration'],
      ['<a><?xml version="1.0"?></a>', 'very start'], ['<a><?pi</a>', 'Unterminated processing instruction'], ['<a><!ELEMENT a></a>', "'<!'"],
      ['<a></a b>', "Expected '>'"], ['<a/', "Expected '>' after '/'"], ['<a', 'Unterminated start tag'], ['<a>x<', "end of input after '<'"],
    ];
    for (const [xml, what] of cases) {
      const err = errorOf(xml);
      expect(err.code, xml).to.equal(CibModelErrorCodes.XML_PARSE);
      expect(err.message, xml).to.include(what).and.match(/at line \d+, column \d+/);
    }
    expect(errorOf('<cib>\n  <a>\n    <b x="1" x="2"/>\n</cib>').message).to.include('at line 3, column 14');
    expect(errorOf('<cib>\n  <a>\n  </cib>').message).to.include('at line 3, column 3');
    expect(errorOf(42 as unknown as string).code).to.equal(CibModelErrorCodes.XML_PARSE);
  });

  it('refuses DOCTYPE, so no entity is ever expanded (billion laughs)', () => {
    const lol = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>';
    const err = errorOf(lol);
    expect(err.code).to.equal(CibModelErrorCodes.XML_PARSE);
    expect(err.message).to.include('DOCTYPE');
    expect(errorOf('<!DOCTYPE cib><cib/>').message).to.include('at line 1, column 1');
  });

  it('enforces maxLength and maxDepth (the root is at depth 1) with PCMK_CIB_TOO_LARGE', () => {
    expect(() => parseXml('<cib/>    ', { maxLength: 9 })).to.throw().with.property('code', CibModelErrorCodes.TOO_LARGE);
    expect(parseXml('<cib/>    ', { maxLength: 10 }).name).to.equal('cib');
    const nest = (d: number): string => `${'<a>'.repeat(d)}${'</a>'.repeat(d)}`;
    expect(parseXml(nest(5), { maxDepth: 5 }).name).to.equal('a');
    expect(() => parseXml(nest(6), { maxDepth: 5 })).to.throw().with.property('code', CibModelErrorCodes.TOO_LARGE);
    expect(() => parseXml(nest(257))).to.throw().with.property('code', CibModelErrorCodes.TOO_LARGE);
    expect(parseXml(nest(256)).name).to.equal('a');
  });

  it('fuzz: any tree survives serializeXml + parseXml unchanged', () => {
    const str = fc.string({ unit: fc.oneof(fc.constantFrom('<', '>', '&', '"', "'", '\n', '\t', '\r', ']', ' ', 'é', '\u{1F600}'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => /^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]$/u.test(c))), maxLength: 12 });
    const name = fc.constantFrom('cib', 'a', 'b-c', 'd_e', 'x:y', 'f.g', 'é');
    const leaf: fc.Arbitrary<XmlNode> = fc.oneof(
      str.filter((t) => t.length > 0).map((text): XmlNode => ({ kind: 'text', text })),
      fc.constantFrom(' c ', '', 'x-y').map((text): XmlNode => ({ kind: 'comment', text })),
    );
    const el = (kids: fc.Arbitrary<XmlNode[]>): fc.Arbitrary<XmlElement> => fc.tuple(name, fc.uniqueArray(fc.tuple(name, str), { maxLength: 3, selector: (t) => t[0] }), kids)
      .map(([n, as, ks]) => ({ kind: 'element' as const, name: n, attrs: Object.fromEntries(as), children: ks }));
    let tree: fc.Arbitrary<XmlElement> = el(fc.array(leaf, { maxLength: 2 }));
    for (let d = 0; d < 2; d++) tree = el(fc.array(fc.oneof(tree, leaf), { maxLength: 3 }));
    // Adjacent text nodes become one on parsing; everything else must come back as it was.
    const merged = (e: XmlElement): XmlElement => {
      const children: XmlNode[] = [];
      for (const c of e.children) {
        const last = children[children.length - 1];
        if (c.kind === 'text' && last?.kind === 'text') children[children.length - 1] = { kind: 'text', text: last.text + c.text };
        else children.push(c.kind === 'element' ? merged(c) : c);
      }
      return { ...e, children };
    };
    fc.assert(fc.property(tree, (t) => {
      expect(parseXml(serializeXml(t))).to.deep.equal(merged(t));
    }), { numRuns: 400 });
  });

  it('fuzz: on token soup and on mutated cts-scheduler files, whatever the scanner accepts the oracle accepts with the same tree', () => {
    const piece = fc.constantFrom('<cib>', '</cib>', '<a x="1">', '</a>', '<b/>', ' ', '\n', 'text', '&amp;', '&lt;', '&x;', '"', "'", '<', '>',
      '=', '<!--c-->', '<!--', '-->', '<?xml version="1.0"?>', '<?p?>', '<c y=\'&quot;\' z="2"/>', '/', 'é', '\t', ']]>', 'x', 'a', '!', '?');
    let both = 0;
    fc.assert(fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
      for (const xml of [parts.join(''), `<cib>${parts.join('')}</cib>`]) {
        if (!OUTSIDE_ORACLE.test(xml) && agreesWithOracle(xml) === 'both') both++;
      }
    }), { numRuns: 2000 });
    expect(both).to.be.greaterThan(100);
    let bothMutated = 0;
    const insert = fc.oneof(fc.string({ maxLength: 3 }), piece);
    fc.assert(fc.property(fc.nat({ max: files().length - 1 }), fc.nat(), insert, (i, at, ins) => {
      const text = ctsFile(files()[i] as string);
      const p = at % (text.length + 1);
      for (const xml of [text.slice(0, p) + ins + text.slice(p), text.slice(0, p), text.slice(0, p) + text.slice(p + ins.length + 1)]) {
        if (!OUTSIDE_ORACLE.test(xml) && agreesWithOracle(xml) === 'both') bothMutated++;
      }
    }), { numRuns: 150 });
    expect(bothMutated).to.be.greaterThan(30);
  });

  it('fuzz: arbitrary strings raise only CibModelError', () => {
    fc.assert(fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('<', '>', '/', '=', '"', '&', ';', '#', '!', '?', '-', '[', ']'), fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))), maxLength: 60 }), (s) => {
      parsed(s);
    }), { numRuns: 2000 });
  });
});
