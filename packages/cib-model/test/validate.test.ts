/**
 * `Cib.validate()`: one inline CIB per rule, each showing the diagnostic appears when the rule is broken
 * and not when it is kept; plus real cts-scheduler files.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticCodes, parseCib, type Diagnostic } from '../src/index.js';
import { cibXml, ctsFile, metaPrimitive, remotePrimitive } from './helpers/cib-xml.js';

const diags = (xml: string): Diagnostic[] => parseCib(xml).validate();
const withCode = (xml: string, code: string): Diagnostic[] => diags(xml).filter((d) => d.code === code);

describe('cib-model validate()', () => {
  it('every diagnostic has severity, a PCMK_CIB_ code, a message and ids', () => {
    const xml = cibXml({ resources: `${metaPrimitive('vm1', { 'remote-node': 'node1', 'remote-port': 'x' })}<group id="g">${remotePrimitive('r1')}</group>` });
    const all = diags(xml);
    expect(all.length).to.be.greaterThan(2);
    for (const d of all) {
      expect(d.severity).to.be.oneOf(['error', 'warning']);
      expect(d.code).to.match(/^PCMK_CIB_[A-Z_]+$/);
      expect(d.message).to.be.a('string').and.not.equal('');
      expect(d.ids).to.be.an('array').that.is.not.empty;
    }
    expect(Object.values(DiagnosticCodes)).to.include.members(all.map((d) => d.code));
  });

  it('a clean CIB has no diagnostics', () => {
    const xml = cibXml({ resources: `${remotePrimitive('r1', { server: '192.0.2.1' })}${metaPrimitive('vm1', { 'remote-node': 'g1' })}` });
    expect(diags(xml)).to.deep.equal([]);
  });

  describe(DiagnosticCodes.REMOTE_NODE_NAME_CONFLICT, () => {
    it('remote-node equal to a resource id', () => {
      const xml = cibXml({ resources: `${metaPrimitive('vm1', { 'remote-node': 'app' })}${metaPrimitive('app')}` });
      const d = withCode(xml, DiagnosticCodes.REMOTE_NODE_NAME_CONFLICT);
      expect(d).to.have.length(1);
      expect(d[0]).to.include({ severity: 'error' });
      expect(d[0]?.ids).to.deep.equal(['vm1', 'app']);
    });
    it('remote-node equal to its own resource id', () => {
      expect(withCode(cibXml({ resources: metaPrimitive('vm1', { 'remote-node': 'vm1' }) }), DiagnosticCodes.REMOTE_NODE_NAME_CONFLICT)).to.have.length(1);
    });
    it('remote-node equal to a cluster node id or uname', () => {
      expect(withCode(cibXml({ resources: metaPrimitive('vm1', { 'remote-node': 'node2' }) }), DiagnosticCodes.REMOTE_NODE_NAME_CONFLICT)).to.have.length(1);
      expect(withCode(cibXml({ resources: metaPrimitive('vm1', { 'remote-node': '1' }) }), DiagnosticCodes.REMOTE_NODE_NAME_CONFLICT)).to.have.length(1);
    });
    it('not raised for a distinct name', () => {
      expect(withCode(cibXml({ resources: metaPrimitive('vm1', { 'remote-node': 'g1' }) }), DiagnosticCodes.REMOTE_NODE_NAME_CONFLICT)).to.deep.equal([]);
    });
  });

  describe('remote connection resources in groups, clones and constraints', () => {
    it(`${DiagnosticCodes.REMOTE_IN_GROUP} and ${DiagnosticCodes.REMOTE_IN_CLONE}`, () => {
      const xml = cibXml({ resources: `<group id="g">${remotePrimitive('r1')}</group><clone id="c">${remotePrimitive('r2')}</clone><bundle id="b"><docker image="i"/><network control-port="3121"/>${remotePrimitive('r3')}</bundle>` });
      expect(withCode(xml, DiagnosticCodes.REMOTE_IN_GROUP).map((d) => d.ids)).to.deep.equal([['r1', 'g']]);
      expect(withCode(xml, DiagnosticCodes.REMOTE_IN_CLONE).map((d) => d.ids)).to.deep.equal([['r2', 'c'], ['r3', 'b']]);
    });
    it(`${DiagnosticCodes.REMOTE_IN_CONSTRAINT}: colocation, order and resource sets; not location`, () => {
      const constraints = `
        <rsc_colocation id="col" rsc="app" with-rsc="r1" score="INFINITY"/>
        <rsc_order id="ord" first="r1" then="app"/>
        <rsc_order id="ord-set"><resource_set id="s1"><resource_ref id="app"/><resource_ref id="r1"/></resource_set></rsc_order>
        <rsc_location id="loc" rsc="r1" node="node1" score="100"/>
        <rsc_order id="ord-ok" first="app" then="app2"/>`;
      const xml = cibXml({ resources: `${remotePrimitive('r1')}${metaPrimitive('app')}${metaPrimitive('app2')}`, constraints });
      expect(withCode(xml, DiagnosticCodes.REMOTE_IN_CONSTRAINT).map((d) => d.ids)).to.deep.equal([['r1', 'col'], ['r1', 'ord'], ['r1', 'ord-set']]);
    });
    it('a guest\'s container in an order constraint is fine', () => {
      const xml = cibXml({ resources: `${metaPrimitive('vm1', { 'remote-node': 'g1' })}${metaPrimitive('app')}`, constraints: '<rsc_order id="o" first="vm1" then="app"/>' });
      expect(withCode(xml, DiagnosticCodes.REMOTE_IN_CONSTRAINT)).to.deep.equal([]);
    });
  });

  describe(DiagnosticCodes.DUPLICATE_NODE_NAME, () => {
    it('remote vs cluster, guest vs remote, bundle replica vs guest (case-insensitive, as pe_find_node)', () => {
      const resources = `${remotePrimitive('Node1')}${remotePrimitive('r1')}${metaPrimitive('vm1', { 'remote-node': 'r1' })}
        ${metaPrimitive('vm2', { 'remote-node': 'b-0' })}<bundle id="b"><docker image="i"/><network control-port="3121"/><primitive id="b-p" class="ocf" provider="heartbeat" type="apache"/></bundle>`;
      const d = withCode(cibXml({ resources }), DiagnosticCodes.DUPLICATE_NODE_NAME);
      expect(d.map((x) => x.ids)).to.deep.equal([['1', 'Node1'], ['r1', 'vm1'], ['vm2', 'b']]);
    });
    it('a <node type="remote"> entry for a remote node is not a duplicate', () => {
      const xml = cibXml({ nodes: '<node id="1" uname="node1"/><node id="r1" uname="r1" type="remote"/>', resources: remotePrimitive('r1') });
      expect(withCode(xml, DiagnosticCodes.DUPLICATE_NODE_NAME)).to.deep.equal([]);
    });
  });

  describe('unparsable ports and durations', () => {
    it(`${DiagnosticCodes.INVALID_PORT} on port, remote-port and control-port`, () => {
      const resources = `${remotePrimitive('r1', { port: 'abc' })}${metaPrimitive('vm1', { 'remote-node': 'g1', 'remote-port': '99999' })}
        <bundle id="b"><podman image="i"/><network control-port="none"/><primitive id="b-p" class="ocf" provider="heartbeat" type="apache"/></bundle>`;
      expect(withCode(cibXml({ resources }), DiagnosticCodes.INVALID_PORT).map((d) => d.ids[0])).to.deep.equal(['r1', 'vm1', 'b']);
    });
    it(`${DiagnosticCodes.INVALID_DURATION} on reconnect_interval, remote-connect-timeout, start timeout, op_defaults timeout`, () => {
      const resources = `${remotePrimitive('r1', { reconnect_interval: '5 parsecs' })}${metaPrimitive('vm1', { 'remote-node': 'g1', 'remote-connect-timeout': 'later' })}
        ${remotePrimitive('r2', {}, '<operations><op id="r2-start" name="start" interval="0" timeout="-1"/></operations>')}`;
      const opDefaults = '<meta_attributes id="o"><nvpair id="o-t" name="timeout" value="whenever"/></meta_attributes>';
      const d = withCode(cibXml({ resources, opDefaults }), DiagnosticCodes.INVALID_DURATION);
      expect(d.map((x) => x.ids[0])).to.deep.equal(['r1', 'r1', 'vm1', 'r2']);
      expect(d.every((x) => x.severity === 'error')).to.equal(true);
    });
  });

  describe(DiagnosticCodes.GUEST_CONTAINER_INVALID, () => {
    it('remote-node on a group, a clone member, a bundle primitive, or a remote connection', () => {
      const resources = `
        <group id="g"><meta_attributes id="g-m"><nvpair id="g-m-n" name="remote-node" value="x1"/></meta_attributes>${metaPrimitive('in-group')}</group>
        <clone id="c">${metaPrimitive('in-clone', { 'remote-node': 'x2' })}</clone>
        <bundle id="b"><docker image="i"/><network control-port="3121"/>${metaPrimitive('in-bundle', { 'remote-node': 'x3' })}</bundle>
        ${remotePrimitive('conn', {}, '<meta_attributes id="conn-m"><nvpair id="conn-m-n" name="remote-node" value="x4"/></meta_attributes>')}`;
      const d = withCode(cibXml({ resources }), DiagnosticCodes.GUEST_CONTAINER_INVALID);
      expect(d.map((x) => x.ids[0])).to.deep.equal(['g', 'in-clone', 'in-bundle', 'conn']);
      expect(parseCib(cibXml({ resources })).remoteNodes().map((n) => n.name)).to.not.include.members(['x1', 'x2', 'x3', 'x4']);
    });
    it('a guest container located on a remote or guest node (no nested remotes)', () => {
      const resources = `${remotePrimitive('r1')}${metaPrimitive('vm1', { 'remote-node': 'g1' })}${metaPrimitive('vm2', { 'remote-node': 'g2' })}`;
      const constraints = '<rsc_location id="l1" rsc="vm1" node="r1" score="100"/><rsc_location id="l2" rsc="vm2" node="g1" score="INFINITY"/><rsc_location id="l3" rsc="vm2" node="r1" score="-INFINITY"/>';
      const d = withCode(cibXml({ resources, constraints }), DiagnosticCodes.GUEST_CONTAINER_INVALID);
      expect(d.map((x) => x.ids)).to.deep.equal([['vm1', 'l1'], ['vm2', 'l2']]);
      expect(d.every((x) => x.severity === 'warning')).to.equal(true);
    });
  });

  it(`${DiagnosticCodes.INVALID_NODE_NAME}: an empty remote-node`, () => {
    expect(withCode(cibXml({ resources: metaPrimitive('vm1', { 'remote-node': '' }) }), DiagnosticCodes.INVALID_NODE_NAME)).to.have.length(1);
  });

  describe('real CIBs', () => {
    it('the build fixture: its remote connection is in an order and a colocation (set) constraint', () => {
      const xml = readFileSync(join(import.meta.dirname, 'fixtures/build/base.xml'), 'utf8');
      expect(diags(xml).map((d) => [d.code, d.ids[1]])).to.deep.equal([
        [DiagnosticCodes.REMOTE_IN_CONSTRAINT, 'order-rold-app'],
        [DiagnosticCodes.REMOTE_IN_CONSTRAINT, 'set-colo'],
      ]);
    });
    it('every cts-scheduler file validates without throwing; codes are from the table', () => {
      const codes = new Set(Object.values(DiagnosticCodes) as string[]);
      for (const f of ['bundle-order-stop-on-remote.xml', 'whitebox-nested-group.xml', 'remote-orphaned.xml', 'bug-5025-4.xml', 'container-is-remote-node.xml']) {
        for (const d of parseCib(ctsFile(f)).validate()) expect(codes.has(d.code), `${f}: ${d.code}`).to.equal(true);
      }
    });
  });
});
