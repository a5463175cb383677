/**
 * The message scanner (src/messages/xml-scanner.ts): what it refuses, what it decodes, and that a parse in
 * slices (XmlScan.step with a deadline) gives exactly the tree of a parse in one go.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { ErrorCodes, RemoteConnError } from '../../src/errors.js';
import { XmlScan, parseXml, serializeXml, type XmlElement } from '../../src/messages/index.js';

const invalid = (text: string, includes?: string) => {
  let err: unknown;
  try {
    parseXml(text);
  } catch (e) {
    err = e;
  }
  expect(err, text).to.be.instanceOf(RemoteConnError);
  expect((err as RemoteConnError).code, text).to.equal(ErrorCodes.XML_INVALID);
  if (includes) expect((err as Error).message, text).to.include(includes);
};

/** Parses in the smallest slices there are: every step's deadline has already passed, after every token. */
function parseInSlices(text: string): { root: XmlElement; steps: number } {
  const scan = new XmlScan(text, { checkEvery: 1 });
  for (let steps = 1; ; steps++) {
    const root = scan.step(0);
    if (root) return { root, steps };
  }
}

describe('messages: the XML scanner', () => {
  it('refuses any DOCTYPE, so no entity of the peer is ever expanded', () => {
    invalid('<!DOCTYPE x [<!ENTITY a "expanded">]><lrmd_notify lrmd_op="&a;"/>', 'DOCTYPE');
    invalid('<?xml version="1.0"?><!DOCTYPE lrmd_notify><lrmd_notify/>', 'DOCTYPE');
  });

  it('decodes the predefined entities and character references, nothing else', () => {
    const e = parseXml(`<a v="&lt;&gt;&amp;&quot;&apos;&#10;&#x9;&#65;&#x1F600;"/>`);
    expect(e.attrs.v).to.equal(`<>&"'\n\tA\u{1F600}`);
    invalid('<a v="&nbsp;"/>', "'&'");
    invalid('<a v="a & b"/>', "'&'");
    invalid('<a v="&#0;"/>', 'Character reference');
    invalid('<a v="&#xD800;"/>', 'Character reference');
    invalid('<a>&bogus;</a>', "'&'");
  });

  it('normalizes a literal tab, newline or carriage return in a value to a space, as libxml2 does', () => {
    expect(parseXml('<a v="x\ny\tz\rw"/>').attrs.v).to.equal('x y z w');
  });

  it('refuses what is not well-formed, with line and column', () => {
    invalid('<a v="<"/>', "'<' is not allowed");
    invalid('<a v="1" v="2"/>', 'Duplicate attribute');
    invalid('<a><b></a></b>', 'does not match');
    invalid('<a/><b/>', 'second one');
    invalid('x<a/>', 'Text before');
    invalid('<a/>x', 'Text after');
    invalid('<a v=1/>', 'Malformed attribute');
    invalid('<a v="1"w="2"/>', 'Malformed attribute');
    invalid('<a>\u0001</a>', 'U+0001');
    invalid('<a><!-- a -- b --></a>', "'--'");
    invalid('<a>]]></a>', "']]>'");
    invalid('<a/><?xml version="1.0"?>', 'XML declaration');
    invalid('', 'No root element');
    invalid('<a>\n<b>\n</c></a>', 'line 3, column 1');
  });

  it('skips the XML declaration, a byte order mark, comments, processing instructions and text; keeps CDATA as cdata', () => {
    const e = parseXml('\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><a x=\'1\'><?pi data?>text<![CDATA[<b/>]]><b/><![CDATA[]]]]><![CDATA[>]]></a>\n');
    expect(e).to.deep.equal({ name: 'a', attrs: { x: '1' }, children: [{ name: 'b', attrs: {}, children: [] }], cdata: '<b/>]]>' });
  });

  it('keeps an attribute named __proto__ as an own property', () => {
    const e = parseXml('<a __proto__="x"/>');
    expect(Object.keys(e.attrs)).to.deep.equal(['__proto__']);
    expect(e.attrs.__proto__).to.equal('x');
  });

  it('parses in slices to the same tree as in one go (property)', () => {
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,8}$/);
    const value = fc.string({ unit: 'grapheme', maxLength: 40 }).map((v) => v.replace(/[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF\uD800-\uDFFF]/gu, ''));
    const element = (depth: number): fc.Arbitrary<XmlElement> =>
      fc.record({
        name,
        attrs: fc.dictionary(name, value, { maxKeys: 4 }).map((a) => ({ ...a })),
        children: depth === 0 ? fc.constant([]) : fc.array(element(depth - 1), { maxLength: 3 }),
      });
    const tree = element(3);
    fc.assert(
      fc.property(tree, (t) => {
        const text = serializeXml(t);
        const whole = parseXml(text);
        expect(whole).to.deep.equal(t);
        expect(parseInSlices(text).root).to.deep.equal(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('decodes a value of several MB piece by piece, never splitting a reference', () => {
    const unit = 'a&lt;b&#10;&#x1F600;&amp;';
    const raw = unit.repeat(200_000); // 5 MB: many pieces of 256 Ki characters
    const text = `<lrmd_notify lrmd_rsc_output="${raw}" after="1"/>`;
    const { root, steps } = parseInSlices(text);
    expect(steps).to.be.greaterThan(10);
    expect(root.attrs.lrmd_rsc_output).to.equal('a<b\n\u{1F600}&'.repeat(200_000));
    expect(root.attrs.after).to.equal('1');
    expect(root).to.deep.equal(parseXml(text));
    invalid(`<a v="${'x'.repeat(300_000)}&nope;"/>`, "'&'");
  });
});
