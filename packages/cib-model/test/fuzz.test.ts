/**
 * fast-check: parseCib never throws anything but a CibModelError, and on a Cib it returns, remoteNodes(),
 * nodeStates() and validate() never throw and never produce NaN: on arbitrary strings, on XML-ish strings
 * and on mutated real CIBs from ../shared/cts-scheduler (elements deleted or duplicated, attributes
 * corrupted or removed, text truncated). Bounded runs (a few seconds in all); a failing seed is printed by
 * fast-check and can be replayed with `{ seed, path }`.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { isCibModelError, parseCib, parseXml, serializeXml, type XmlElement, type XmlNode } from '../src/index.js';
import { ctsFile, ctsFiles } from './helpers/cib-xml.js';

/** Runs the whole reading API; throws if anything but a CibModelError escapes or a number is not finite. */
function exercise(xml: string): void {
  let cib;
  try {
    cib = parseCib(xml);
  } catch (err) {
    if (isCibModelError(err)) return;
    throw err;
  }
  for (const n of cib.remoteNodes()) {
    for (const v of [n.port, n.reconnectIntervalMs, n.connectTimeoutMs]) {
      if (!Number.isFinite(v)) throw new Error(`non-finite number in ${JSON.stringify(n)}`);
    }
    if (typeof n.name !== 'string' || typeof n.host !== 'string') throw new Error(`bad spec ${JSON.stringify(n)}`);
  }
  for (const s of cib.nodeStates()) if (typeof s.online !== 'boolean') throw new Error(`bad state ${JSON.stringify(s)}`);
  for (const d of cib.validate()) if (!/^PCMK_CIB_/.test(d.code)) throw new Error(`bad code ${d.code}`);
}

/** Every element of a tree with its parent (root excluded). */
function elementsWithParent(root: XmlElement): Array<{ el: XmlElement; parent: XmlElement }> {
  const out: Array<{ el: XmlElement; parent: XmlElement }> = [];
  const stack: XmlElement[] = [root];
  while (stack.length > 0) {
    const cur = stack.pop() as XmlElement;
    for (const c of cur.children) {
      if (c.kind !== 'element') continue;
      out.push({ el: c, parent: cur });
      stack.push(c);
    }
  }
  return out;
}

type Mutation =
  | { op: 'delete'; at: number }
  | { op: 'duplicate'; at: number }
  | { op: 'corrupt'; at: number; attr: number; value: string }
  | { op: 'unset'; at: number; attr: number }
  | { op: 'truncate'; at: number };

const valueArb = fc.oneof(
  fc.constantFrom('', '0', '-1', '99999', 'INFINITY', 'remote', 'ocf', 'pacemaker', 'P', 'PT', 'P1Y', '1.5s', ' 3121', 'true', '#default', 'node1', '192.168.1.255', 'x:0', '#uname'),
  fc.string({ maxLength: 12 }),
);

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('corrupt' as const), at: fc.nat(), attr: fc.nat(), value: valueArb }),
  fc.record({ op: fc.constant('unset' as const), at: fc.nat(), attr: fc.nat() }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(xml: string, mutations: Mutation[]): string {
  let text = xml;
  for (const m of mutations) {
    if (m.op === 'truncate') { text = text.slice(0, m.at % (text.length + 1)); continue; }
    let root: XmlElement;
    try {
      root = parseXml(text);
    } catch {
      continue; // already broken by an earlier truncation: later tree mutations have nothing to work on
    }
    const all = elementsWithParent(root);
    if (all.length === 0) continue;
    const { el, parent } = all[m.at % all.length] as { el: XmlElement; parent: XmlElement };
    const idx = parent.children.indexOf(el as XmlNode);
    const keys = Object.keys(el.attrs);
    switch (m.op) {
      case 'delete': parent.children.splice(idx, 1); break;
      case 'duplicate': parent.children.splice(idx, 0, structuredClone(el)); break;
      case 'corrupt': if (keys.length > 0) el.attrs[keys[m.attr % keys.length] as string] = m.value; break;
      case 'unset': if (keys.length > 0) delete el.attrs[keys[m.attr % keys.length] as string]; break;
    }
    text = serializeXml(root);
  }
  return text;
}

describe('cib-model fuzz (fast-check)', function () {
  this.timeout(120_000);
  // Looked up when a test runs: without ../shared/cts-scheduler, those tests fail with a clear message.
  let list: string[] | undefined;
  const files = (): string[] => (list ??= ctsFiles());
  const texts = new Map<string, string>();
  const textOf = (f: string): string => {
    let t = texts.get(f);
    if (t === undefined) { t = ctsFile(f); texts.set(f, t); }
    return t;
  };

  it('malformed and non-string input are typed errors', () => {
    for (const bad of ['<cib>', '', 'plain', '<a/><b/>', undefined, 42]) {
      let caught: unknown;
      try { parseCib(bad as string); } catch (err) { caught = err; }
      expect(isCibModelError(caught), String(bad)).to.equal(true);
    }
    expect(files()).to.have.length(108);
  });

  it('the mutations reach the model: most mutated files still parse and still have remote nodes', () => {
    let withNodes = 0;
    fc.assert(fc.property(fc.nat({ max: files().length - 1 }), fc.array(mutationArb.filter((m) => m.op !== 'truncate'), { minLength: 1, maxLength: 2 }), (i, muts) => {
      try {
        if (parseCib(mutate(textOf(files()[i] as string), muts)).remoteNodes().length > 0) withNodes++;
      } catch (err) {
        if (!isCibModelError(err)) throw err;
      }
    }), { numRuns: 20, seed: 4 });
    expect(withNodes).to.be.greaterThan(10);
  });

  it('arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => { exercise(s); }), { numRuns: 300 });
  });

  it('XML-shaped strings built from CIB vocabulary', () => {
    const name = fc.constantFrom('cib', 'configuration', 'resources', 'primitive', 'group', 'clone', 'bundle', 'meta_attributes',
      'instance_attributes', 'nvpair', 'status', 'node_state', 'lrm', 'lrm_resources', 'lrm_resource', 'lrm_rsc_op', 'nodes', 'node',
      'network', 'docker', 'operations', 'op', 'rule', 'op_defaults', 'rsc_defaults', 'constraints', 'rsc_order', 'resource_set', 'resource_ref');
    const attr = fc.tuple(fc.constantFrom('id', 'name', 'value', 'type', 'class', 'provider', 'id-ref', 'remote-node', 'replicas',
      'ip-range-start', 'control-port', 'timeout', 'interval', 'operation', 'rc-code', 'call-id', 'uname', 'score', 'first', 'rsc'), valueArb);
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
    const element = (kids: fc.Arbitrary<string[]>): fc.Arbitrary<string> => fc.tuple(name, fc.array(attr, { maxLength: 4 }), kids)
      .map(([n, as, ks]) => `<${n}${[...new Map(as)].map(([k, v]) => ` ${k}="${esc(v)}"`).join('')}>${ks.join('')}</${n}>`);
    // Bounded depth (4 levels), built bottom-up.
    let tree: fc.Arbitrary<string> = element(fc.constant([]));
    for (let depth = 0; depth < 3; depth++) tree = element(fc.array(tree, { maxLength: 3 }));
    fc.assert(fc.property(tree, (inner) => {
      exercise(`<cib><configuration>${inner}</configuration><status>${inner}</status></cib>`);
      exercise(inner);
    }), { numRuns: 200 });
  });

  it('mutated cts-scheduler CIBs', () => {
    fc.assert(fc.property(fc.nat({ max: files().length - 1 }), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (i, muts) => {
      exercise(mutate(textOf(files()[i] as string), muts));
    }), { numRuns: 60 });
  });
});
