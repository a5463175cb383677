/**
 * `Cib.remoteNodes()`: remote, guest, bundle and orphaned nodes as Pacemaker 2.1.5 derives them. Inline
 * CIBs test one rule each; the cts-scheduler files carry values checked against `crm_simulate -G`
 * (the parameters of the connection actions in Pacemaker's own transition graph) and `crm_mon --output-as=xml`
 * (test/real/remote-nodes-oracle.test.ts runs that comparison on all 108 files).
 */
import { expect } from 'chai';
import { deriveRemoteNodes, DiagnosticCodes, parseCib, parseXml, type RemoteNodeSpec, type XmlElement } from '../src/index.js';
import { nextBundleIp } from '../src/internal.js';
import { activeOn, cibXml, ctsFile, metaPrimitive, remotePrimitive } from './helpers/cib-xml.js';

const nodes = (xml: string): RemoteNodeSpec[] => parseCib(xml).remoteNodes();
const byName = (xml: string, name: string): RemoteNodeSpec | undefined => nodes(xml).find((n) => n.name === name);
const codes = (xml: string): string[] => parseCib(xml).validate().map((d) => d.code);

describe('cib-model remoteNodes(): remote nodes (ocf:pacemaker:remote)', () => {
  it('defaults: host = resource id, port 3121, reconnect 0, connect timeout 20 s (no start op: CRM_DEFAULT_OP_TIMEOUT_S)', () => {
    expect(nodes(cibXml({ resources: remotePrimitive('r1') }))).to.deep.equal([
      { name: 'r1', kind: 'remote', host: 'r1', port: 3121, reconnectIntervalMs: 0, connectTimeoutMs: 20_000, connectionResource: 'r1' },
    ]);
  });

  it('server, port, reconnect_interval (bare number = seconds, ISO 8601) and the start op timeout', () => {
    const ops = '<operations><op id="r1-mon" name="monitor" interval="10s" timeout="5s"/><op id="r1-start" name="start" interval="0s" timeout="2m"/></operations>';
    const n = byName(cibXml({ resources: remotePrimitive('r1', { server: '192.0.2.1', port: '3199', reconnect_interval: '90' }, ops) }), 'r1');
    expect(n).to.include({ host: '192.0.2.1', port: 3199, reconnectIntervalMs: 90_000, connectTimeoutMs: 120_000 });
    expect(byName(cibXml({ resources: remotePrimitive('r1', { reconnect_interval: 'PT1M30S' }) }), 'r1')?.reconnectIntervalMs).to.equal(90_000);
  });

  it('a start op with a non-zero interval is not the start action; op_defaults timeout applies instead', () => {
    const ops = '<operations><op id="r1-start" name="start" interval="10s" timeout="99s"/></operations>';
    const xml = cibXml({
      resources: remotePrimitive('r1', {}, ops),
      opDefaults: '<meta_attributes id="opd"><nvpair id="opd-t" name="timeout" value="45s"/></meta_attributes>',
    });
    expect(byName(xml, 'r1')?.connectTimeoutMs).to.equal(45_000);
  });

  it('op_defaults with an op_expression / rsc_expression rule is evaluated', () => {
    const opDefaults = `
      <meta_attributes id="opd-start" score="10"><rule id="opd-start-r" boolean-op="and">
        <op_expression id="opd-start-e" name="start"/><rsc_expression id="opd-start-rsc" class="ocf" provider="pacemaker" type="remote"/>
      </rule><nvpair id="opd-start-t" name="timeout" value="75s"/></meta_attributes>
      <meta_attributes id="opd-mon" score="20"><rule id="opd-mon-r"><op_expression id="opd-mon-e" name="monitor"/></rule>
        <nvpair id="opd-mon-t" name="timeout" value="5s"/></meta_attributes>`;
    expect(byName(cibXml({ resources: remotePrimitive('r1'), opDefaults }), 'r1')?.connectTimeoutMs).to.equal(75_000);
  });

  it('a rule on a node attribute is not evaluated: its block is not used and a diagnostic says so', () => {
    const inner = `<instance_attributes id="r1-ia2" score="100"><rule id="r1-rule"><expression id="r1-e" attribute="#uname" operation="eq" value="node1"/></rule>
      <nvpair id="r1-ia2-server" name="server" value="10.9.9.9"/></instance_attributes>`;
    const xml = cibXml({ resources: remotePrimitive('r1', { server: '10.0.0.1' }, inner) });
    expect(byName(xml, 'r1')?.host).to.equal('10.0.0.1');
    const d = parseCib(xml).validate().find((x) => x.code === DiagnosticCodes.RULE_NOT_EVALUATED);
    expect(d).to.include({ severity: 'warning' });
    expect(d?.ids).to.include('r1-ia2');
  });

  it('instance attribute sets: id-ref on the set and on an nvpair, higher score first, first value wins', () => {
    const resources = `
      <primitive id="other" class="ocf" provider="pacemaker" type="Dummy">
        <instance_attributes id="shared-ia"><nvpair id="shared-port" name="port" value="4000"/></instance_attributes>
      </primitive>
      <primitive id="r1" class="ocf" provider="pacemaker" type="remote">
        <instance_attributes id="low" score="1"><nvpair id="low-server" name="server" value="low.example"/></instance_attributes>
        <instance_attributes id="high" score="5"><nvpair id="high-server" name="server" value="high.example"/>
          <nvpair id="ref-port" id-ref="shared-port"/></instance_attributes>
      </primitive>
      <primitive id="r2" class="ocf" provider="pacemaker" type="remote"><instance_attributes id-ref="shared-ia"/></primitive>`;
    const xml = cibXml({ resources });
    expect(byName(xml, 'r1')).to.include({ host: 'high.example', port: 4000 });
    expect(byName(xml, 'r2')).to.include({ host: 'r2', port: 4000 });
  });

  it('equal scores: the set later in the document wins (Pacemaker prepends, then sorts stably)', () => {
    const inner = `<instance_attributes id="b"><nvpair id="b-s" name="server" value="second.example"/></instance_attributes>`;
    const xml = cibXml({ resources: remotePrimitive('r1', { server: 'first.example' }, inner) });
    expect(byName(xml, 'r1')?.host).to.equal('second.example');
  });

  it('bad values become diagnostics and defaults, never NaN', () => {
    const ops = '<operations><op id="r1-start" name="start" interval="0" timeout="soon"/></operations>';
    const xml = cibXml({ resources: remotePrimitive('r1', { port: 'http', reconnect_interval: 'often' }, ops) });
    expect(byName(xml, 'r1')).to.include({ port: 3121, reconnectIntervalMs: 0, connectTimeoutMs: 20_000 });
    expect(codes(xml)).to.include.members([DiagnosticCodes.INVALID_PORT, DiagnosticCodes.INVALID_DURATION]);
    const all = parseCib(xml).validate().filter((d) => d.code === DiagnosticCodes.INVALID_DURATION);
    expect(all).to.have.length(2);
  });

  it('a port with trailing text is read as the controller reads it (atoi), with a warning; 0 and 70000 are errors', () => {
    const lenient = cibXml({ resources: remotePrimitive('r1', { port: '3122/tcp' }) });
    expect(byName(lenient, 'r1')?.port).to.equal(3122);
    expect(parseCib(lenient).validate().find((d) => d.code === DiagnosticCodes.INVALID_PORT)?.severity).to.equal('warning');
    for (const bad of ['0', '70000', '-5']) {
      const xml = cibXml({ resources: remotePrimitive('r1', { port: bad }) });
      expect(byName(xml, 'r1')?.port, bad).to.equal(3121);
      expect(parseCib(xml).validate().find((d) => d.code === DiagnosticCodes.INVALID_PORT)?.severity, bad).to.equal('error');
    }
  });

  it('a remote primitive inside a group or clone is not a node (unpack_remote_nodes reads the top level only)', () => {
    const xml = cibXml({ resources: `<group id="g">${remotePrimitive('r1')}</group><clone id="c">${remotePrimitive('r2')}</clone>` });
    expect(nodes(xml)).to.deep.equal([]);
  });

  it('runningOn: the node where the connection is active per the lrm history', () => {
    const xml = cibXml({ resources: remotePrimitive('r1'), status: activeOn('node2', '2', 'r1') });
    expect(byName(xml, 'r1')?.runningOn).to.equal('node2');
    expect(byName(cibXml({ resources: remotePrimitive('r1') }), 'r1')).to.not.have.property('runningOn');
  });

  it('a remote primitive with a container meta attribute naming a resource is a guest node', () => {
    const xml = cibXml({ resources: `${metaPrimitive('vm')}${remotePrimitive('r1', { reconnect_interval: '30s' }, '<meta_attributes id="r1-m"><nvpair id="r1-m-c" name="container" value="vm"/></meta_attributes>')}` });
    expect(byName(xml, 'r1')).to.include({ kind: 'guest', containerResource: 'vm', reconnectIntervalMs: 0 });
  });

  it('derives 10,000 remote nodes (speed is measured by npm run bench:cib, not here)', () => {
    const doc = parseXml(cibXml({ resources: Array.from({ length: 10_000 }, (_, i) => remotePrimitive(`r${i}`, { server: `10.0.${i >> 8}.${i & 255}` })).join('') }));
    const list = deriveRemoteNodes(doc, undefined, new Map()).nodes;
    expect(list).to.have.length(10_000);
    expect(list[0]).to.include({ name: 'r0', host: '10.0.0.0' });
    expect(list[9999]).to.include({ name: 'r9999', host: '10.0.39.15' });
  });
});

describe('cib-model remoteNodes(): guest nodes (remote-node meta)', () => {
  it('defaults: host = node name, port 3121, connect timeout 60 s; the connection resource is named after the node', () => {
    expect(nodes(cibXml({ resources: metaPrimitive('vm1', { 'remote-node': 'g1' }) }))).to.deep.equal([
      { name: 'g1', kind: 'guest', host: 'g1', port: 3121, reconnectIntervalMs: 0, connectTimeoutMs: 60_000, connectionResource: 'g1', containerResource: 'vm1' },
    ]);
  });

  it('remote-addr, remote-port, remote-connect-timeout (bare number = seconds)', () => {
    const xml = cibXml({ resources: metaPrimitive('vm1', { 'remote-node': 'g1', 'remote-addr': '192.0.2.7', 'remote-port': '3200', 'remote-connect-timeout': '45' }) });
    expect(byName(xml, 'g1')).to.include({ host: '192.0.2.7', port: 3200, connectTimeoutMs: 45_000 });
  });

  it('an unparsable remote-connect-timeout is a diagnostic and Pacemaker\'s 20 s fallback', () => {
    const xml = cibXml({ resources: metaPrimitive('vm1', { 'remote-node': 'g1', 'remote-connect-timeout': 'P1M' }) });
    expect(byName(xml, 'g1')?.connectTimeoutMs).to.equal(20_000);
    expect(codes(xml)).to.include(DiagnosticCodes.INVALID_DURATION);
  });

  it('guests directly in a top-level group count; in a clone they do not', () => {
    const xml = cibXml({ resources: `<group id="grp">${metaPrimitive('vm1', { 'remote-node': 'g1' })}</group><clone id="cl">${metaPrimitive('vm2', { 'remote-node': 'g2' })}</clone>` });
    expect(nodes(xml).map((n) => n.name)).to.deep.equal(['g1']);
    expect(codes(xml)).to.include(DiagnosticCodes.GUEST_CONTAINER_INVALID);
  });

  it('guest meta is read raw, as Pacemaker does: names case-insensitive, last block wins, rules ignored (with a warning)', () => {
    const inner = `<meta_attributes id="m1"><nvpair id="m1-n" name="Remote-Node" value="first"/></meta_attributes>
      <meta_attributes id="m2" score="-100"><rule id="m2-r"><expression id="m2-e" attribute="#uname" operation="eq" value="nowhere"/></rule>
        <nvpair id="m2-n" name="remote-node" value="second"/></meta_attributes>`;
    const xml = cibXml({ resources: `<primitive id="vm1" class="ocf" provider="heartbeat" type="VirtualDomain">${inner}</primitive>` });
    expect(nodes(xml).map((n) => n.name)).to.deep.equal(['second']);
    expect(codes(xml)).to.include(DiagnosticCodes.GUEST_META_NOT_EXPANDED);
  });

  it('guest meta behind id-ref is not seen by Pacemaker, and not by us; a warning says why', () => {
    const resources = `${metaPrimitive('tmpl', { 'remote-node': 'g0' })}
      <primitive id="vm1" class="ocf" provider="heartbeat" type="VirtualDomain"><meta_attributes id-ref="tmpl-meta"/></primitive>`;
    const xml = cibXml({ resources });
    expect(nodes(xml).map((n) => n.name)).to.deep.equal(['g0']);
    expect(parseCib(xml).validate().find((d) => d.code === DiagnosticCodes.GUEST_META_NOT_EXPANDED)?.ids).to.include('vm1');
  });

  it('runningOn of a guest: where its implicit connection (named after the node) is active', () => {
    const xml = cibXml({ resources: metaPrimitive('vm1', { 'remote-node': 'g1' }), status: activeOn('node1', '1', 'g1') });
    expect(byName(xml, 'g1')?.runningOn).to.equal('node1');
  });
});

describe('cib-model remoteNodes(): bundle nodes', () => {
  const bundle = (network: string, agentAttrs = 'image="img" replicas="3"', id = 'web', agent = 'podman') => `
    <bundle id="${id}"><${agent} ${agentAttrs}/>${network}
      <primitive id="${id}-httpd" class="ocf" provider="heartbeat" type="apache"/></bundle>`;

  it('one guest per replica: <bundle>-<i>, IPs counted from ip-range-start, control-port, container <bundle>-<agent>-<i>', () => {
    const list = nodes(cibXml({ resources: bundle('<network ip-range-start="192.168.122.253" control-port="3200"/>') }));
    expect(list.map((n) => [n.name, n.host, n.port, n.containerResource, n.bundle, n.kind, n.connectionResource])).to.deep.equal([
      ['web-0', '192.168.122.253', 3200, 'web-podman-0', 'web', 'guest', 'web-0'],
      ['web-1', '192.168.122.254', 3200, 'web-podman-1', 'web', 'guest', 'web-1'],
      ['web-2', '192.168.123.1', 3200, 'web-podman-2', 'web', 'guest', 'web-2'],
    ]);
  });

  it('nextBundleIp follows bundle.c next_ip', () => {
    expect(nextBundleIp('10.0.0.1')).to.equal('10.0.0.2');
    expect(nextBundleIp('10.0.0.254')).to.equal('10.0.1.1');
    expect(nextBundleIp('10.0.254.7')).to.equal(undefined);
    expect(nextBundleIp('fd00::1')).to.equal(undefined);
  });

  it('replicas default to promoted-max, else 1; docker is preferred over podman; port 3121 without control-port', () => {
    expect(nodes(cibXml({ resources: bundle('<network ip-range-start="10.0.0.5"/>', 'image="i" promoted-max="2"') })).map((n) => n.name)).to.deep.equal(['web-0', 'web-1']);
    const one = nodes(cibXml({ resources: bundle('<network ip-range-start="10.0.0.5"/>', 'image="i"', 'b', 'docker') }));
    expect(one.map((n) => [n.name, n.port, n.containerResource])).to.deep.equal([['b-0', 3121, 'b-docker-0']]);
  });

  it('without an IP range the host is the node running the container (Pacemaker\'s #uname), #uname while unknown', () => {
    const xml = cibXml({
      resources: bundle('<network control-port="3121"/>', 'image="i" replicas="2"'),
      status: activeOn('node2', '2', 'web-podman-0', 'class="ocf" provider="heartbeat" type="podman"'),
    });
    expect(nodes(xml).map((n) => n.host)).to.deep.equal(['node2', '#uname']);
  });

  it('a bundle with a primitive but neither ip-range-start nor control-port has no nodes and an error', () => {
    const xml = cibXml({ resources: bundle('') });
    expect(nodes(xml)).to.deep.equal([]);
    expect(codes(xml)).to.include(DiagnosticCodes.BUNDLE_INVALID);
  });

  it('a bundle without a primitive has no nodes; a replica name taken by an earlier resource gets Pacemaker\'s fallback id', () => {
    expect(nodes(cibXml({ resources: '<bundle id="b"><docker image="i" replicas="2"/><network control-port="3121"/></bundle>' }))).to.deep.equal([]);
    const xml = cibXml({ resources: `${metaPrimitive('web-0')}${bundle('<network ip-range-start="10.0.0.1"/>', 'image="i" replicas="2"')}` });
    expect(nodes(xml).map((n) => n.name)).to.deep.equal(['pcmk-internal-web-httpd:0-remote-0', 'web-1']);
  });

  it('the connect timeout of a bundle connection is op_defaults timeout, else 20 s', () => {
    expect(nodes(cibXml({ resources: bundle('<network control-port="3121"/>', 'image="i"') }))[0]?.connectTimeoutMs).to.equal(20_000);
    const xml = cibXml({ resources: bundle('<network control-port="3121"/>', 'image="i"'), opDefaults: '<meta_attributes id="o"><nvpair id="o-t" name="timeout" value="90s"/></meta_attributes>' });
    expect(nodes(xml)[0]?.connectTimeoutMs).to.equal(90_000);
  });
});

describe('cib-model remoteNodes(): orphaned connections (status only)', () => {
  it('an ocf:pacemaker:remote history entry for an unconfigured resource is a node being shut down', () => {
    const xml = cibXml({ status: activeOn('node1', '1', 'gone') });
    expect(nodes(xml)).to.deep.equal([
      { name: 'gone', kind: 'remote', host: 'gone', port: 3121, reconnectIntervalMs: 0, connectTimeoutMs: 20_000, connectionResource: 'gone', orphaned: true, runningOn: 'node1' },
    ]);
  });
});

describe('cib-model remoteNodes() on real CIBs (values checked against crm_simulate -G and crm_mon)', () => {
  it('bundle-connection-with-container.xml: a remote node (start timeout "120" = 120 s) and a podman bundle with an IP range', () => {
    const list = nodes(ctsFile('bundle-connection-with-container.xml'));
    expect(list.find((n) => n.name === 'remote-rhel8-2')).to.include({ kind: 'remote', host: 'rhel8-2', port: 3121, connectTimeoutMs: 120_000, runningOn: 'rhel8-1' });
    expect(list.filter((n) => n.bundle === 'httpd-bundle').map((n) => [n.name, n.host, n.port, n.connectTimeoutMs, n.containerResource])).to.deep.equal([
      ['httpd-bundle-0', '192.168.122.131', 9999, 90_000, 'httpd-bundle-podman-0'],
      ['httpd-bundle-1', '192.168.122.132', 9999, 90_000, 'httpd-bundle-podman-1'],
      ['httpd-bundle-2', '192.168.122.133', 9999, 90_000, 'httpd-bundle-podman-2'],
    ]);
  });

  it('bundle-order-stop-on-remote.xml: reconnect_interval "60" = 60 s; a bundle on remote nodes connects to its container\'s node', () => {
    const list = nodes(ctsFile('bundle-order-stop-on-remote.xml'));
    expect(list.find((n) => n.name === 'database-0')).to.include({ kind: 'remote', reconnectIntervalMs: 60_000, connectTimeoutMs: 60_000 });
    expect(list.find((n) => n.name === 'galera-bundle-0')).to.include({ kind: 'guest', host: 'database-0', port: 3123, connectTimeoutMs: 20_000, containerResource: 'galera-bundle-docker-0' });
    expect(list.find((n) => n.name === 'redis-bundle-1')).to.include({ host: '#uname', port: 3124 });
    expect(list).to.have.length(15);
  });

  it('on_fail_demote4.xml: remote, guests and bundle replicas together', () => {
    const list = nodes(ctsFile('on_fail_demote4.xml'));
    expect(list.map((n) => `${n.name}/${n.kind}/${n.containerResource ?? '-'}`)).to.deep.equal([
      'remote-rhel7-2/remote/-', 'lxc1/guest/container1', 'lxc2/guest/container2',
      'stateful-bundle-0/guest/stateful-bundle-docker-0', 'stateful-bundle-1/guest/stateful-bundle-docker-1', 'stateful-bundle-2/guest/stateful-bundle-docker-2',
    ]);
    expect(list.find((n) => n.name === 'remote-rhel7-2')).to.include({ host: 'rhel7-2', connectTimeoutMs: 120_000 });
    expect(list.find((n) => n.name === 'lxc1')).to.include({ connectTimeoutMs: 60_000, runningOn: 'rhel7-3' });
  });

  it('whitebox-orphaned.xml: an orphaned guest whose container is an orphan too', () => {
    expect(byName(ctsFile('whitebox-orphaned.xml'), 'lxc1')).to.include({ kind: 'guest', orphaned: true, containerResource: 'container1', runningOn: '18node2' });
  });

  it('whitebox-nested-group.xml and bug-cl-5247.xml: guests inside groups', () => {
    expect(byName(ctsFile('whitebox-nested-group.xml'), 'c7auto4')).to.include({ kind: 'guest', containerResource: 'container', connectTimeoutMs: 60_000 });
    expect(nodes(ctsFile('bug-cl-5247.xml')).map((n) => [n.name, n.containerResource])).to.deep.equal([['pgsr01', 'prmDB1'], ['pgsr02', 'prmDB2']]);
  });

  it('the result is cached and callers get copies', () => {
    const cib = parseCib(ctsFile('on_fail_demote4.xml'));
    const a = cib.remoteNodes();
    (a[0] as RemoteNodeSpec).host = 'changed';
    expect(cib.remoteNodes()[0]?.host).to.equal('rhel7-2');
  });
});
