/**
 * The builders of @pcmk-remote/cib-model (addRemoteNode, addGuestNode, removeRemoteNode, removeGuestNode)
 * on the document tree alone. What pcs itself writes for the same arguments is checked in
 * test/real/pcs-oracle.test.ts.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  addGuestNode,
  addRemoteNode,
  CibModelErrorCodes,
  isCibModelError,
  parseCib,
  removeGuestNode,
  removeRemoteNode,
  type Cib,
  type CibModelErrorCode,
  type XmlElement,
} from '../src/index.js';
import { elements, findAll, firstElement } from '../src/internal.js';

// trimEnd: the tree holds the root element only, so the file's final newline is not part of toXml().
const BASE_XML = readFileSync(join(import.meta.dirname, 'fixtures/build/base.xml'), 'utf8').trimEnd();
const base = () => parseCib(BASE_XML);

function byId(cib: Cib, id: string): XmlElement | undefined {
  return findAll(cib.document, (e) => e.attrs['id'] === id && e.name !== 'resource_ref')[0];
}

function expectError(fn: () => unknown, code: CibModelErrorCode, message?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a CibModelError').to.satisfy((e: unknown) => isCibModelError(e));
  expect((caught as { code: string }).code).to.equal(code);
  if (message) expect((caught as Error).message).to.match(message);
}

/** Text of the document with one element (with its leading line) cut out, epoch/num_updates restored. */
function withoutBlock(xml: string, startMarker: string, endMarker: string, orig: string): string {
  const start = xml.indexOf(startMarker);
  expect(start, `marker ${startMarker}`).to.be.greaterThan(-1);
  const end = xml.indexOf(endMarker, start) + endMarker.length;
  const cut = xml.slice(0, start) + xml.slice(end);
  const origRoot = /^<cib[^>]*>/.exec(orig)?.[0] as string;
  return cut.replace(/^<cib[^>]*>/, origRoot);
}

const opsOf = (prim: XmlElement) => elements(firstElement(prim, 'operations') as XmlElement, 'op').map((o) => o.attrs);
const pairsOf = (prim: XmlElement, set: string) =>
  elements(prim, set).flatMap((s) => elements(s, 'nvpair').map((n) => [n.attrs['name'], n.attrs['value'], n.attrs['id']]));

describe('cib-model builders: addRemoteNode', () => {
  it('appends an ocf:pacemaker:remote primitive with pcs default operations and the server always written', () => {
    const out = addRemoteNode(base(), { name: 'r1' });
    const prim = byId(out, 'r1') as XmlElement;
    expect(prim.name).to.equal('primitive');
    expect(prim.attrs).to.deep.equal({ id: 'r1', class: 'ocf', type: 'remote', provider: 'pacemaker' });
    const resources = firstElement(firstElement(out.document, 'configuration') as XmlElement, 'resources') as XmlElement;
    expect(elements(resources).at(-1)).to.equal(prim);
    expect(pairsOf(prim, 'instance_attributes')).to.deep.equal([['server', 'r1', 'r1-instance_attributes-server']]);
    expect(elements(prim, 'meta_attributes')).to.have.length(0);
    expect(opsOf(prim)).to.deep.equal([
      { name: 'migrate_from', interval: '0s', timeout: '60s', id: 'r1-migrate_from-interval-0s' },
      { name: 'migrate_to', interval: '0s', timeout: '60s', id: 'r1-migrate_to-interval-0s' },
      { name: 'monitor', interval: '60s', timeout: '30s', id: 'r1-monitor-interval-60s' },
      { name: 'reload', interval: '0s', timeout: '60s', id: 'r1-reload-interval-0s' },
      { name: 'reload-agent', interval: '0s', timeout: '60s', id: 'r1-reload-agent-interval-0s' },
      { name: 'start', interval: '0s', timeout: '60s', id: 'r1-start-interval-0s' },
      { name: 'stop', interval: '0s', timeout: '60s', id: 'r1-stop-interval-0s' },
    ]);
  });

  it('does not change the input Cib, bumps epoch and resets num_updates', () => {
    const cib = base();
    const before = cib.toXml();
    const out = addRemoteNode(cib, { name: 'r1' });
    expect(cib.toXml()).to.equal(before);
    expect(out).to.not.equal(cib);
    expect(out.document.attrs['epoch']).to.equal('8');
    expect(out.document.attrs['num_updates']).to.equal('0');
  });

  it('keeps every other byte of the document (comments, layout, attribute order)', () => {
    const out = addRemoteNode(base(), { name: 'r1', server: '192.0.2.50' }).toXml();
    expect(out).to.include('\n      <primitive id="r1" class="ocf" type="remote" provider="pacemaker">\n        <instance_attributes');
    expect(out).to.include('</operations>\n      </primitive>\n    </resources>');
    expect(withoutBlock(out, '\n      <primitive id="r1"', '</primitive>', BASE_XML)).to.equal(BASE_XML);
  });

  it('writes port, reconnect_interval (sorted with server, like pcs) and meta attributes', () => {
    const out = addRemoteNode(base(), { name: 'r2', server: 'r2.example.com', port: 3122, reconnectInterval: '5m', meta: { 'target-role': 'Stopped', 'is-managed': 'false' } });
    const prim = byId(out, 'r2') as XmlElement;
    expect(pairsOf(prim, 'instance_attributes')).to.deep.equal([
      ['port', '3122', 'r2-instance_attributes-port'],
      ['reconnect_interval', '5m', 'r2-instance_attributes-reconnect_interval'],
      ['server', 'r2.example.com', 'r2-instance_attributes-server'],
    ]);
    expect(pairsOf(prim, 'meta_attributes')).to.deep.equal([
      ['is-managed', 'false', 'r2-meta_attributes-is-managed'],
      ['target-role', 'Stopped', 'r2-meta_attributes-target-role'],
    ]);
    expect(elements(prim).map((e) => e.name)).to.deep.equal(['instance_attributes', 'meta_attributes', 'operations']);
  });

  it('accepts durations in ms and writes them as Pacemaker durations', () => {
    const out = addRemoteNode(base(), { name: 'r3', reconnectInterval: 90_000, ops: [{ name: 'monitor', interval: 15_000, timeout: 1500 }] });
    const prim = byId(out, 'r3') as XmlElement;
    expect(pairsOf(prim, 'instance_attributes')[0]).to.deep.equal(['reconnect_interval', '90s', 'r3-instance_attributes-reconnect_interval']);
    expect(opsOf(prim).find((o) => o.name === 'monitor')).to.deep.equal({ name: 'monitor', interval: '15s', timeout: '1500ms', id: 'r3-monitor-interval-15s' });
  });

  it('custom ops replace the default of the same action; a defaulted interval goes after the given keys (pcs order)', () => {
    const out = addRemoteNode(base(), {
      name: 'r4',
      ops: [{ name: 'start', timeout: '90s', attributes: { 'on-fail': 'restart' } }, { name: 'monitor', interval: '20s' }],
    });
    const ops = opsOf(byId(out, 'r4') as XmlElement);
    expect(ops.map((o) => o.name)).to.deep.equal(['migrate_from', 'migrate_to', 'monitor', 'reload', 'reload-agent', 'start', 'stop']);
    expect(ops.find((o) => o.name === 'monitor')).to.deep.equal({ name: 'monitor', interval: '20s', id: 'r4-monitor-interval-20s' });
    const start = ops.find((o) => o.name === 'start') as Record<string, string>;
    expect(Object.entries(start)).to.deep.equal([['name', 'start'], ['timeout', '90s'], ['on-fail', 'restart'], ['interval', '0s'], ['id', 'r4-start-interval-0s']]);
  });

  it('defaultOps: false writes only the monitor (pcs --no-default-ops)', () => {
    const out = addRemoteNode(base(), { name: 'r5', defaultOps: false });
    expect(opsOf(byId(out, 'r5') as XmlElement)).to.deep.equal([{ name: 'monitor', interval: '60s', timeout: '30s', id: 'r5-monitor-interval-60s' }]);
  });

  it('generates unique ids when the derived ones are taken (pcs: -1, -2, ...)', () => {
    const xml = BASE_XML.replace(
      '<primitive id="app"',
      '<primitive id="r6-instance_attributes" class="ocf" type="Dummy" provider="pacemaker"/>\n      <primitive id="r6-start-interval-0s" class="ocf" type="Dummy" provider="pacemaker"/>\n      <primitive id="r6-start-interval-0s-1" class="ocf" type="Dummy" provider="pacemaker"/>\n      <primitive id="app"',
    );
    const out = addRemoteNode(parseCib(xml), { name: 'r6' });
    const prim = byId(out, 'r6') as XmlElement;
    expect(firstElement(prim, 'instance_attributes')?.attrs['id']).to.equal('r6-instance_attributes-1');
    expect(pairsOf(prim, 'instance_attributes')[0]?.[2]).to.equal('r6-instance_attributes-1-server');
    expect(opsOf(prim).find((o) => o.name === 'start')?.id).to.equal('r6-start-interval-0s-2');
    const all = findAll(out.document, (e) => e.attrs['id'] !== undefined && e.name !== 'resource_ref' && e.name !== 'node_state' && e.name !== 'node').map((e) => e.attrs['id']);
    expect(new Set(all).size).to.equal(all.length);
  });

  it('works on a document without any layout (no whitespace added)', () => {
    const compact = '<cib epoch="1" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.9"><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>';
    const out = addRemoteNode(parseCib(compact), { name: 'r1', defaultOps: false }).toXml();
    expect(out).to.equal(
      '<cib epoch="2" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.9"><configuration><crm_config/><nodes/><resources><primitive id="r1" class="ocf" type="remote" provider="pacemaker"><instance_attributes id="r1-instance_attributes"><nvpair id="r1-instance_attributes-server" name="server" value="r1"/></instance_attributes><operations><op name="monitor" interval="60s" timeout="30s" id="r1-monitor-interval-60s"/></operations></primitive></resources><constraints/></configuration><status/></cib>',
    );
  });

  it('fills an empty self-closed <resources/> with indented content', () => {
    const xml = BASE_XML.replace(/<resources>[\s\S]*<\/resources>/, '<resources/>').replace(/<constraints>[\s\S]*<\/constraints>/, '<constraints/>');
    const out = addRemoteNode(parseCib(xml), { name: 'r1', defaultOps: false }).toXml();
    expect(out).to.include('    <resources>\n      <primitive id="r1" class="ocf" type="remote" provider="pacemaker">\n        <instance_attributes id="r1-instance_attributes">\n          <nvpair');
    expect(out).to.include('        </operations>\n      </primitive>\n    </resources>\n    <constraints/>');
  });

  describe('refuses like pcs', () => {
    const cases: Array<[string, Parameters<typeof addRemoteNode>[1], CibModelErrorCode, RegExp]> = [
      ['an empty name', { name: '' }, CibModelErrorCodes.INVALID_ARGUMENT, /name/],
      ['a name that is not a valid id', { name: '1bad' }, CibModelErrorCodes.INVALID_ARGUMENT, /1bad/],
      ['a name used as an id', { name: 'vm1' }, CibModelErrorCodes.CONFLICT, /vm1/],
      ['the name of a remote node', { name: 'rold', server: '192.0.2.99' }, CibModelErrorCodes.CONFLICT, /rold/],
      ['the name of a guest node', { name: 'gold', server: '192.0.2.99' }, CibModelErrorCodes.CONFLICT, /gold/],
      ['the name of a cluster node (pcs checks corosync.conf for this)', { name: 'node1', server: '192.0.2.99' }, CibModelErrorCodes.CONFLICT, /node1/],
      ['the address of a remote node', { name: 'r9', server: '192.0.2.10' }, CibModelErrorCodes.CONFLICT, /192\.0\.2\.10.*rold/],
      ['the address of a guest node', { name: 'r9', server: '192.0.2.30' }, CibModelErrorCodes.CONFLICT, /gold/],
      ['port 0', { name: 'r9', port: 0 }, CibModelErrorCodes.INVALID_ARGUMENT, /port/],
      ['port 65536', { name: 'r9', port: 65536 }, CibModelErrorCodes.INVALID_ARGUMENT, /port/],
      ['a fractional port', { name: 'r9', port: 3121.5 }, CibModelErrorCodes.INVALID_ARGUMENT, /port/],
      ['a bad reconnect interval', { name: 'r9', reconnectInterval: 'soon' }, CibModelErrorCodes.INVALID_ARGUMENT, /reconnectInterval/],
      ['a negative reconnect interval', { name: 'r9', reconnectInterval: -5 }, CibModelErrorCodes.INVALID_ARGUMENT, /reconnectInterval/],
      ['an unknown op', { name: 'r9', ops: [{ name: 'bogus' as 'start' }] }, CibModelErrorCodes.INVALID_ARGUMENT, /bogus/],
      ['a bad op timeout', { name: 'r9', ops: [{ name: 'start', timeout: 'x' }] }, CibModelErrorCodes.INVALID_ARGUMENT, /timeout/],
      ['two monitors with one interval', { name: 'r9', ops: [{ name: 'monitor', interval: '10s' }, { name: 'monitor', interval: '10000ms' }] }, CibModelErrorCodes.INVALID_ARGUMENT, /monitor/],
      ['an op attribute that has a field', { name: 'r9', ops: [{ name: 'start', attributes: { id: 'x' } }] }, CibModelErrorCodes.INVALID_ARGUMENT, /id/],
      ['a server with whitespace', { name: 'r9', server: 'a b' }, CibModelErrorCodes.INVALID_ARGUMENT, /server/],
    ];
    for (const [what, opts, code, msg] of cases) {
      it(what, () => expectError(() => addRemoteNode(base(), opts), code, msg));
    }
    it('a CIB without <resources>', () =>
      expectError(() => addRemoteNode(parseCib('<cib epoch="1"><configuration/><status/></cib>'), { name: 'r1' }), CibModelErrorCodes.NOT_A_CIB));
  });
});

describe('cib-model builders: addGuestNode', () => {
  it('creates the first meta_attributes set of a primitive without one, remote-addr always written', () => {
    const out = addGuestNode(base(), { name: 'g1', resource: 'vm1' });
    const prim = byId(out, 'vm1') as XmlElement;
    expect(elements(prim).map((e) => e.name)).to.deep.equal(['meta_attributes', 'instance_attributes', 'operations']);
    expect(pairsOf(prim, 'meta_attributes')).to.deep.equal([
      ['remote-addr', 'g1', 'vm1-meta_attributes-remote-addr'],
      ['remote-node', 'g1', 'vm1-meta_attributes-remote-node'],
    ]);
    const xml = out.toXml();
    expect(xml).to.include('<primitive id="vm1" class="ocf" type="Dummy" provider="pacemaker">\n        <meta_attributes id="vm1-meta_attributes">\n          <nvpair id="vm1-meta_attributes-remote-addr"');
    expect(withoutBlock(xml, '\n        <meta_attributes id="vm1-meta_attributes">', '</meta_attributes>', BASE_XML)).to.equal(BASE_XML);
  });

  it('appends to the existing first meta_attributes set, sorted by name', () => {
    const out = addGuestNode(base(), { name: 'g2', resource: 'vm2', remoteAddr: '192.0.2.40', remotePort: 3130, connectTimeout: '45s' });
    expect(pairsOf(byId(out, 'vm2') as XmlElement, 'meta_attributes')).to.deep.equal([
      ['target-role', 'Started', 'vm2-meta_attributes-target-role'],
      ['remote-addr', '192.0.2.40', 'vm2-meta_attributes-remote-addr'],
      ['remote-connect-timeout', '45s', 'vm2-meta_attributes-remote-connect-timeout'],
      ['remote-node', 'g2', 'vm2-meta_attributes-remote-node'],
      ['remote-port', '3130', 'vm2-meta_attributes-remote-port'],
    ]);
    expect(out.toXml()).to.include('value="Started"/>\n          <nvpair id="vm2-meta_attributes-remote-addr" name="remote-addr" value="192.0.2.40"/>\n');
  });

  it('accepts the timeout in ms', () => {
    const out = addGuestNode(base(), { name: 'g3', resource: 'app', connectTimeout: 30_000 });
    expect(pairsOf(byId(out, 'app') as XmlElement, 'meta_attributes')).to.deep.include(['remote-connect-timeout', '30s', 'app-meta_attributes-remote-connect-timeout']);
  });

  describe('refuses', () => {
    const cases: Array<[string, Parameters<typeof addGuestNode>[1], CibModelErrorCode, RegExp]> = [
      ['an empty name', { name: ' ', resource: 'vm1' }, CibModelErrorCodes.INVALID_ARGUMENT, /name/],
      ['a missing resource', { name: 'g1', resource: 'nope' }, CibModelErrorCodes.NOT_FOUND, /nope/],
      ['a resource that is not a primitive', { name: 'g1', resource: 'dummy-clone' }, CibModelErrorCodes.CONFLICT, /not a primitive/],
      ['a resource already a guest node', { name: 'g1', resource: 'vm3' }, CibModelErrorCodes.CONFLICT, /already a guest/],
      ['a remote connection resource', { name: 'g1', resource: 'rold' }, CibModelErrorCodes.CONFLICT, /remote/],
      ['a cloned resource', { name: 'g1', resource: 'dummy' }, CibModelErrorCodes.CONFLICT, /clone/],
      ['a name used as an id', { name: 'app', resource: 'vm1' }, CibModelErrorCodes.CONFLICT, /app/],
      ['the name of a guest node', { name: 'gold', resource: 'vm1' }, CibModelErrorCodes.CONFLICT, /gold/],
      ['the name of a cluster node', { name: 'node2', resource: 'vm1' }, CibModelErrorCodes.CONFLICT, /node2/],
      ['the address of another node', { name: 'g1', resource: 'vm1', remoteAddr: '192.0.2.10' }, CibModelErrorCodes.CONFLICT, /rold/],
      ['a bad port', { name: 'g1', resource: 'vm1', remotePort: 99999 }, CibModelErrorCodes.INVALID_ARGUMENT, /remotePort/],
      ['a bad timeout', { name: 'g1', resource: 'vm1', connectTimeout: '1 fortnight' }, CibModelErrorCodes.INVALID_ARGUMENT, /connectTimeout/],
    ];
    for (const [what, opts, code, msg] of cases) {
      it(what, () => expectError(() => addGuestNode(base(), opts), code, msg));
    }
  });
});

describe('cib-model builders: removeRemoteNode', () => {
  it('deletes the connection, the constraints on it, its set membership, locations on the node, and the node entries', () => {
    const cib = base();
    const out = removeRemoteNode(cib, 'rold');
    expect(byId(out, 'rold')).to.equal(undefined);
    for (const gone of ['loc-rold-node1', 'loc-app-on-rold', 'order-rold-app']) expect(byId(out, gone), gone).to.equal(undefined);
    const set = byId(out, 'set-colo-set') as XmlElement;
    expect(elements(set, 'resource_ref').map((r) => r.attrs['id'])).to.deep.equal(['app']);
    expect(byId(out, 'loc-app-on-gold')).to.not.equal(undefined);
    const xml = out.toXml();
    expect(xml).to.not.include('uname="rold"');
    expect(xml).to.include('<node_state id="1" uname="node1"');
    expect(xml).to.include('<!-- the remote node that the removal tests delete -->');
    expect(cib.toXml()).to.equal(BASE_XML);
  });

  it('purgeNode: false leaves the <node> and <node_state> entries (what pcs -f writes)', () => {
    const xml = removeRemoteNode(base(), 'rold', { purgeNode: false }).toXml();
    expect(xml).to.include('<node id="rold" uname="rold" type="remote">');
    expect(xml).to.include('<node_state id="rold" uname="rold" remote_node="true"');
  });

  it('finds the node by its server address too', () => {
    expect(byId(removeRemoteNode(base(), '192.0.2.10'), 'rold')).to.equal(undefined);
  });

  it('removes a constraint whose only set is emptied, and a group left empty', () => {
    const xml = BASE_XML.replace(
      /<primitive id="rold"[\s\S]*?<\/primitive>/,
      (m) => `<group id="grp">${m}</group>`,
    ).replace('<rsc_location id="loc-app-on-gold"', '<rsc_order id="set-order"><resource_set id="set-order-set"><resource_ref id="rold"/></resource_set></rsc_order>\n      <rsc_location id="loc-grp" rsc="grp" node="node2" score="10"/>\n      <rsc_location id="loc-app-on-gold"');
    const out = removeRemoteNode(parseCib(xml), 'rold');
    for (const gone of ['grp', 'set-order', 'loc-grp', 'rold']) expect(byId(out, gone), gone).to.equal(undefined);
  });

  it('refuses an unknown node, a guest node, and a connection referenced by a tag', () => {
    expectError(() => removeRemoteNode(base(), 'nope'), CibModelErrorCodes.NOT_FOUND, /nope/);
    expectError(() => removeRemoteNode(base(), 'gold'), CibModelErrorCodes.NOT_FOUND, /gold/);
    const tagged = BASE_XML.replace('</constraints>', '</constraints>\n    <tags>\n      <tag id="t1">\n        <obj_ref id="rold"/>\n      </tag>\n    </tags>');
    expectError(() => removeRemoteNode(parseCib(tagged), 'rold'), CibModelErrorCodes.CONFLICT, /t1/);
  });

  it('refuses several matches unless allowMultiple', () => {
    const two = addRemoteNode(base(), { name: 'r2', server: 'shared' });
    const xml = two.toXml().replace('name="server" value="192.0.2.10"', 'name="server" value="r2"');
    expectError(() => removeRemoteNode(parseCib(xml), 'r2'), CibModelErrorCodes.CONFLICT, /rold.*r2|r2.*rold/);
    const out = removeRemoteNode(parseCib(xml), 'r2', { allowMultiple: true });
    expect(byId(out, 'rold')).to.equal(undefined);
    expect(byId(out, 'r2')).to.equal(undefined);
  });
});

describe('cib-model builders: removeGuestNode', () => {
  it('removes the guest meta attributes and keeps the resource, the set, the other meta and the constraints', () => {
    const out = removeGuestNode(base(), 'gold');
    const prim = byId(out, 'vm3') as XmlElement;
    expect(pairsOf(prim, 'meta_attributes')).to.deep.equal([['is-managed', 'true', 'vm3-meta_attributes-is-managed']]);
    expect(byId(out, 'loc-app-on-gold')).to.not.equal(undefined);
  });

  it('finds the node by name, address or resource id', () => {
    for (const key of ['gold', '192.0.2.30', 'vm3']) {
      expect(pairsOf(byId(removeGuestNode(base(), key), 'vm3') as XmlElement, 'meta_attributes'), key).to.have.length(1);
    }
  });

  it('keeps an emptied meta_attributes set (pcs, rhbz#1642514)', () => {
    const out = removeGuestNode(addGuestNode(base(), { name: 'g1', resource: 'vm1' }), 'g1');
    expect(out.toXml()).to.include('<meta_attributes id="vm1-meta_attributes"/>');
  });

  it('refuses an unknown node and a remote node', () => {
    expectError(() => removeGuestNode(base(), 'nope'), CibModelErrorCodes.NOT_FOUND);
    expectError(() => removeGuestNode(base(), 'rold'), CibModelErrorCodes.NOT_FOUND);
  });
});

describe('cib-model builders: round trip through parseCib', () => {
  const outputs: Array<[string, () => Cib]> = [
    ['addRemoteNode', () => addRemoteNode(base(), { name: 'r1', server: '192.0.2.50', port: 3122, reconnectInterval: '1m' })],
    ['addGuestNode', () => addGuestNode(base(), { name: 'g1', resource: 'vm1', remoteAddr: '192.0.2.60', remotePort: 3123, connectTimeout: '45s' })],
    ['removeRemoteNode', () => removeRemoteNode(base(), 'rold')],
    ['removeGuestNode', () => removeGuestNode(base(), 'gold')],
  ];
  for (const [what, make] of outputs) {
    it(`${what}: parseCib(out.toXml()) is structurally equal to out`, () => {
      const out = make();
      expect(parseCib(out.toXml()).document).to.deep.equal(out.document);
      expect(parseCib(out.toXml()).toXml()).to.equal(out.toXml());
    });
  }
});

describe('cib-model builders: the model sees the new nodes (needs Cib.remoteNodes)', () => {
  it('a remote node added with server/port/reconnect interval', () => {
    const out = parseCib(addRemoteNode(base(), { name: 'r1', server: '192.0.2.50', port: 3122, reconnectInterval: '1m' }).toXml());
    const node = out.remoteNodes().find((n) => n.name === 'r1');
    expect(node).to.include({ kind: 'remote', host: '192.0.2.50', port: 3122, reconnectIntervalMs: 60_000, connectionResource: 'r1', connectTimeoutMs: 60_000 });
  });

  it('a guest node added with address/port/connect timeout', () => {
    const out = parseCib(addGuestNode(base(), { name: 'g1', resource: 'vm1', remoteAddr: '192.0.2.60', remotePort: 3123, connectTimeout: '45s' }).toXml());
    const node = out.remoteNodes().find((n) => n.name === 'g1');
    expect(node).to.include({ kind: 'guest', host: '192.0.2.60', port: 3123, connectTimeoutMs: 45_000, containerResource: 'vm1' });
  });

  it('removed nodes are gone', () => {
    expect(base().remoteNodes().map((n) => n.name)).to.include.members(['rold', 'gold']);
    const out = removeGuestNode(removeRemoteNode(base(), 'rold'), 'gold');
    expect(out.remoteNodes().map((n) => n.name)).to.not.include.members(['rold']);
    expect(out.remoteNodes().map((n) => n.name)).to.not.include('gold');
  });
});
