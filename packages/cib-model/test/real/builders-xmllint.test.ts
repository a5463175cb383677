/**
 * Property: whatever the builders accept is a document that both our `parseCib` and libxml2 (what Pacemaker
 * reads the CIB with: `xmllint --noout`) read back, and `parseCib` reads back the same tree. Arbitrary names,
 * addresses, meta attributes and op attributes (keys and values, control characters and markup included);
 * anything refused must be a `CibModelError`.
 *
 * Needs `xmllint` (Debian's libxml2-utils, installed by scripts/ensure-real-daemon.sh); fails without it.
 * fast-check prints the seed and path of a failure; scripts/run-mocha.ts replays it with FC_SEED and FC_PATH.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { addGuestNode, addRemoteNode, isCibModelError, OP_ATTRIBUTES, parseCib, REMOTE_AGENT_ACTIONS, type Cib } from '../../src/index.js';

const BASE = parseCib(readFileSync(join(import.meta.dirname, '../fixtures/build/base.xml'), 'utf8').trimEnd());

/** Strings that stress XML: markup, references, controls, surrogates, long runs, plain names. */
const hostile = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('<', '>', '&', '"', "'", '&amp;', '&#1;', '\u0000', '\u0001', '\t', '\n', '\r', '\uFFFE', '\uD800', ']]>', '<!--', 'a b', 'x="1"'),
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,10}$/),
);
const opKey = fc.oneof(fc.constantFrom(...OP_ATTRIBUTES), hostile);

describe('cib-model builders: everything accepted round-trips through parseCib and xmllint (property)', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => {
    const v = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
    if (v.error || v.status !== 0) throw new Error('xmllint is missing: install libxml2-utils (bash scripts/ensure-real-daemon.sh does)');
    dir = mkdtempSync(join(tmpdir(), 'pcmk-xmllint-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('addRemoteNode and addGuestNode', () => {
    const accepted: string[] = [];
    let refused = 0;
    const check = (build: () => Cib) => {
      let out: Cib;
      try {
        out = build();
      } catch (err) {
        expect(isCibModelError(err), String(err)).to.equal(true);
        refused++;
        return;
      }
      const xml = out.toXml();
      const back = parseCib(xml);
      expect(isDeepStrictEqual(back.document, out.document), 'parseCib(toXml()) is the same tree').to.equal(true);
      accepted.push(xml);
    };
    fc.assert(
      fc.property(
        fc.record({
          name: fc.oneof(hostile, fc.constant('r'.repeat(300))),
          server: fc.option(hostile, { nil: undefined }),
          meta: fc.dictionary(hostile, hostile, { maxKeys: 3 }),
          op: fc.record({ name: fc.constantFrom(...REMOTE_AGENT_ACTIONS), attributes: fc.dictionary(opKey, hostile, { maxKeys: 3 }) }),
          guest: fc.record({ name: hostile, resource: fc.constantFrom('vm1', 'app'), remoteAddr: fc.option(hostile, { nil: undefined }) }),
        }),
        ({ name, server, meta, op, guest }) => {
          check(() => addRemoteNode(BASE, { name, ...(server !== undefined ? { server } : {}), meta: { ...meta }, ops: [{ name: op.name, attributes: { ...op.attributes } }] }));
          check(() => addGuestNode(BASE, { name: guest.name, resource: guest.resource, ...(guest.remoteAddr !== undefined ? { remoteAddr: guest.remoteAddr } : {}) }));
        },
      ),
      { numRuns: 400 },
    );
    // Not vacuous: both outcomes occur.
    expect(accepted.length, 'documents accepted').to.be.greaterThan(50);
    expect(refused, 'arguments refused').to.be.greaterThan(50);
    const files = accepted.map((xml, i) => {
      const f = join(dir, `cib-${i}.xml`);
      writeFileSync(f, xml);
      return f;
    });
    for (let i = 0; i < files.length; i += 200) {
      const r = spawnSync('xmllint', ['--noout', ...files.slice(i, i + 200)], { encoding: 'utf8' });
      expect(r.status, `xmllint refused a builder output:\n${r.stderr}`).to.equal(0);
    }
  });
});
