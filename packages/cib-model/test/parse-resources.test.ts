/**
 * The parse layer under remoteNodes(): resource index, nvpair blocks (scores, id-ref, #default, rules),
 * meta inheritance, operation timeouts, Pacemaker's integer readings.
 */
import { expect } from 'chai';
import { parseXml, type XmlElement } from '../src/index.js';
import { ResourceIndex } from '../src/internal.js';
import { atoi, readPort, scanMinInt } from '../src/parse/numbers.js';
import { evaluateRule } from '../src/parse/rules.js';
import { cibXml, ctsFile } from './helpers/cib-xml.js';

const indexOf = (xml: string): ResourceIndex => new ResourceIndex(parseXml(xml));
const entry = (idx: ResourceIndex, id: string) => {
  const e = idx.byId.get(id);
  if (e === undefined) throw new Error(`no ${id}`);
  return e;
};

describe('cib-model parse: ResourceIndex', () => {
  it('indexes primitives, groups, clones, master, bundles and templates with parents, in document order', () => {
    const idx = indexOf(cibXml({ resources: `
      <template id="t" class="ocf" provider="pacemaker" type="Dummy"/>
      <group id="g"><primitive id="g1" class="ocf" provider="pacemaker" type="Dummy"/><primitive id="g2" class="ocf" provider="pacemaker" type="Dummy"/></group>
      <clone id="c"><group id="cg"><primitive id="cg1" class="ocf" provider="pacemaker" type="Dummy"/></group></clone>
      <master id="m"><primitive id="m1" class="ocf" provider="pacemaker" type="Stateful"/></master>
      <bundle id="b"><docker image="i"/><primitive id="b1" class="ocf" provider="heartbeat" type="apache"/></bundle>` }));
    expect(idx.all.map((e) => `${e.kind}:${e.id}<${e.parent?.id ?? ''}`)).to.deep.equal([
      'template:t<', 'group:g<', 'primitive:g1<g', 'primitive:g2<g', 'clone:c<', 'group:cg<c', 'primitive:cg1<cg',
      'master:m<', 'primitive:m1<m', 'bundle:b<', 'primitive:b1<b',
    ]);
    expect(idx.top.map((e) => e.id)).to.deep.equal(['t', 'g', 'c', 'm', 'b']);
  });

  it('records duplicate ids', () => {
    const idx = indexOf(cibXml({ resources: '<primitive id="x" class="ocf" provider="pacemaker" type="Dummy"/><group id="g"><primitive id="x" class="ocf" provider="pacemaker" type="Dummy"/></group>' }));
    expect(idx.duplicateIds.get('x')?.map((e) => e.parent?.id)).to.deep.equal([undefined, 'g']);
  });

  it('a CIB without configuration or resources gives an empty index', () => {
    expect(indexOf('<cib/>').all).to.deep.equal([]);
    expect(indexOf('<cib><configuration/></cib>').all).to.deep.equal([]);
  });
});

describe('cib-model parse: meta and instance attributes', () => {
  it('meta: own blocks, then the parent\'s blocks, then rsc_defaults, then the parent\'s own result; #default removes', () => {
    const idx = indexOf(cibXml({
      resources: `<group id="g">
        <meta_attributes id="g-m"><nvpair id="g-m-1" name="target-role" value="Stopped"/><nvpair id="g-m-2" name="is-managed" value="false"/></meta_attributes>
        <primitive id="p" class="ocf" provider="pacemaker" type="Dummy">
          <meta_attributes id="p-m"><nvpair id="p-m-1" name="target-role" value="Started"/><nvpair id="p-m-2" name="priority" value="#default"/></meta_attributes>
        </primitive></group>`,
      rscDefaults: '<meta_attributes id="rd"><nvpair id="rd-1" name="priority" value="7"/><nvpair id="rd-2" name="is-managed" value="true"/></meta_attributes>',
    }));
    const meta = idx.meta(entry(idx, 'p'));
    expect(meta.get('target-role')).to.equal('Started');
    expect(meta.get('is-managed')).to.equal('false');
    expect(meta.get('priority')).to.equal('7');
    expect(meta.get('class')).to.equal('ocf');
  });

  it('rsc_defaults blocks with an rsc_expression apply only to matching agents', () => {
    const idx = indexOf(cibXml({
      resources: '<primitive id="a" class="ocf" provider="pacemaker" type="remote"/><primitive id="b" class="ocf" provider="heartbeat" type="IPaddr2"/>',
      rscDefaults: '<meta_attributes id="rd"><rule id="rd-r"><rsc_expression id="rd-e" class="ocf" provider="pacemaker" type="remote"/></rule><nvpair id="rd-1" name="resource-stickiness" value="100"/></meta_attributes>',
    }));
    expect(idx.meta(entry(idx, 'a')).get('resource-stickiness')).to.equal('100');
    expect(idx.meta(entry(idx, 'b')).has('resource-stickiness')).to.equal(false);
  });

  it('instance attributes inherit from the parent, and id-ref nvpairs take name and value from their target', () => {
    const idx = indexOf(cibXml({ resources: `<group id="g"><instance_attributes id="g-ia"><nvpair id="g-port" name="port" value="1234"/></instance_attributes>
      <primitive id="p" class="ocf" provider="pacemaker" type="remote"><instance_attributes id="p-ia"><nvpair id="p-ref" id-ref="g-port"/></instance_attributes></primitive></group>` }));
    expect(Object.fromEntries(idx.params(entry(idx, 'p')))).to.deep.equal({ port: '1234' });
  });

  it('a dangling id-ref block is skipped', () => {
    const idx = indexOf(cibXml({ resources: '<primitive id="p" class="ocf" provider="pacemaker" type="remote"><instance_attributes id-ref="nowhere"/></primitive>' }));
    expect(idx.params(entry(idx, 'p')).size).to.equal(0);
  });

  it('date rules are not evaluated and reported', () => {
    const idx = indexOf(cibXml({ resources: `<primitive id="p" class="ocf" provider="pacemaker" type="remote">
      <instance_attributes id="p-ia"><rule id="p-r"><date_expression id="p-d" operation="gt" start="2020-01-01"/></rule><nvpair id="p-s" name="server" value="x"/></instance_attributes></primitive>` }));
    const unevaluated: Array<{ id: string; names: string[] }> = [];
    expect(idx.params(entry(idx, 'p'), unevaluated).size).to.equal(0);
    expect(unevaluated).to.deep.equal([{ id: 'p-ia', names: ['server'] }]);
  });
});

describe('cib-model parse: operation timeouts (unpack_operation)', () => {
  const prim = (ops: string) => `<primitive id="p" class="ocf" provider="pacemaker" type="remote"><operations>${ops}</operations></primitive>`;
  const timeout = (ops: string, opDefaults?: string) => {
    const idx = indexOf(cibXml({ resources: prim(ops), ...(opDefaults ? { opDefaults } : {}) }));
    return idx.opTimeout(entry(idx, 'p').element, 'start', 0);
  };
  it('op attribute beats op meta beats op_defaults; nothing = 20 s', () => {
    const opd = '<meta_attributes id="o"><nvpair id="o-t" name="timeout" value="33s"/></meta_attributes>';
    expect(timeout('', undefined)).to.include({ ms: 20_000, source: 'default' });
    expect(timeout('', opd)).to.include({ ms: 33_000, source: 'op_defaults' });
    expect(timeout('<op id="s" name="start" interval="0"><meta_attributes id="s-m"><nvpair id="s-m-t" name="timeout" value="44s"/></meta_attributes></op>', opd)).to.include({ ms: 44_000, source: 'op-meta' });
    expect(timeout('<op id="s" name="start" interval="0" timeout="55s"><meta_attributes id="s-m"><nvpair id="s-m-t" name="timeout" value="44s"/></meta_attributes></op>', opd)).to.include({ ms: 55_000, source: 'op', opId: 's' });
  });
  it('the first start op with interval 0 is used (interval "0s", "PT0S"), disabled ones included', () => {
    expect(timeout('<op id="a" name="start" interval="PT0S" timeout="1m" enabled="false"/><op id="b" name="start" interval="0" timeout="2m"/>')).to.include({ ms: 60_000, opId: 'a' });
  });
  it('an unparsable or ISO timeout becomes 20 s and is flagged (crm_get_msec has no ISO 8601)', () => {
    expect(timeout('<op id="a" name="start" interval="0" timeout="PT1M"/>')).to.include({ ms: 20_000, invalid: true, text: 'PT1M' });
  });
  it('operations by id-ref', () => {
    const idx = indexOf(cibXml({ resources: `<primitive id="q" class="ocf" provider="pacemaker" type="Dummy"><operations id="shared-ops"><op id="qs" name="start" interval="0" timeout="77s"/></operations></primitive>
      <primitive id="p" class="ocf" provider="pacemaker" type="remote"><operations id-ref="shared-ops"/></primitive>` }));
    expect(idx.opTimeout(entry(idx, 'p').element, 'start', 0).ms).to.equal(77_000);
  });
});

describe('cib-model parse: rules and integers', () => {
  const rule = (xml: string): XmlElement => parseXml(xml);
  it('and/or with unknown parts: and(false, unknown) = false, or(true, unknown) = true, and(true, unknown) = unknown', () => {
    const unknown = '<expression id="u" attribute="#uname" operation="eq" value="n1"/>';
    const no = '<op_expression id="n" name="stop"/>';
    const yes = '<op_expression id="y" name="start"/>';
    const ctx = { op: { name: 'start', intervalMs: 0 } };
    expect(evaluateRule(rule(`<rule id="r">${no}${unknown}</rule>`), ctx)).to.equal(false);
    expect(evaluateRule(rule(`<rule id="r" boolean-op="or">${unknown}${yes}</rule>`), ctx)).to.equal(true);
    expect(evaluateRule(rule(`<rule id="r">${yes}${unknown}</rule>`), ctx)).to.equal('unknown');
    expect(evaluateRule(rule('<rule id="r"/>'), ctx)).to.equal(true);
  });
  it('op_expression interval must match when given; rsc_expression provider must match exactly', () => {
    expect(evaluateRule(rule('<rule id="r"><op_expression id="e" name="monitor" interval="10s"/></rule>'), { op: { name: 'monitor', intervalMs: 10_000 } })).to.equal(true);
    expect(evaluateRule(rule('<rule id="r"><op_expression id="e" name="monitor" interval="10s"/></rule>'), { op: { name: 'monitor', intervalMs: 20_000 } })).to.equal(false);
    expect(evaluateRule(rule('<rule id="r"><rsc_expression id="e" class="ocf" type="remote"/></rule>'), { rsc: { class: 'ocf', provider: 'pacemaker', type: 'remote' } })).to.equal(false);
    expect(evaluateRule(rule('<rule id="r"><rsc_expression id="e" class="ocf" provider="pacemaker"/></rule>'), { rsc: { class: 'ocf', provider: 'pacemaker', type: 'remote' } })).to.equal(true);
  });
  it('atoi, scanMinInt and readPort behave like the C functions Pacemaker uses', () => {
    expect([atoi(' 42x'), atoi('x'), atoi('-7'), atoi(undefined), atoi('99999999999')]).to.deep.equal([42, 0, -7, 0, 2147483647]);
    expect([scanMinInt(undefined, 1), scanMinInt('abc', 1), scanMinInt('0', 1), scanMinInt('5', 1)]).to.deep.equal([1, 1, 1, 5]);
    expect(readPort('3121')).to.deep.equal({ port: 3121, quality: 'ok' });
    expect(readPort(' 3122')).to.deep.equal({ port: 3122, quality: 'lenient' });
    expect(readPort('0')).to.deep.equal({ port: 3121, quality: 'invalid' });
  });
  it('a real file with op_defaults and templates-free bundles indexes without surprises', () => {
    const idx = indexOf(ctsFile('bundle-connection-with-container.xml'));
    expect(idx.top.map((e) => e.kind)).to.include('bundle');
    expect(idx.opDefaults).to.not.equal(undefined);
  });
});
