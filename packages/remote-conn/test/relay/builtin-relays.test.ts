/**
 * The built-in relays, driven through a RelayDispatcher with requests shaped as the 2.1.5 tools send
 * them (lib/common/ipc_attrd.c, ipc_controld.c, lib/cib/cib_native.c).
 */
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { ErrorCodes } from '../../src/errors.js';
import { IpcFlags, el, ipcNewNotify, ipcPayload, ipcRequestNotify, parseXml, serializeXml, type XmlElement } from '../../src/messages/index.js';
import {
  CibCallOptions,
  ControllerInfoRelay,
  FencingHistoryRelay,
  NodeAttributeStore,
  ReadOnlyCibRelay,
  RelayDispatcher,
  composeRelays,
  parseDurationMs,
  schemasAfter,
  type AttributeChangeEvent,
  type IpcRelay,
} from '../../src/relay/index.js';

const NODE = 'remote1';
const RESPONSE = IpcFlags.PROXIED | IpcFlags.CLIENT_RESPONSE;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A node's tools talking to `relay`: `call(channel, message)` resolves with what came back. */
function node(relay: IpcRelay, name = NODE) {
  const sent: XmlElement[] = [];
  const d = new RelayDispatcher({ relay, node: name, send: async (m) => void sent.push(m) });
  let n = 0;
  return {
    sent,
    dispatcher: d,
    async call(channel: string, message: XmlElement, flags = RESPONSE): Promise<{ response?: XmlElement; events: XmlElement[]; destroyed: boolean }> {
      const session = `${channel}-${++n}`;
      const from = sent.length;
      d.handle(ipcNewNotify(session, channel));
      d.handle(ipcRequestNotify({ session, client: `proxy-${channel}-1-x`, user: 'root', msgId: 7, flags, message }));
      await sleep(5);
      // Handlers that read files answer later: wait for the response a tool would wait for.
      for (let waited = 0; flags & IpcFlags.CLIENT_RESPONSE && waited < 2000; waited += 5) {
        if (sent.slice(from).some((m) => m.attrs.lrmd_ipc_session === session && (m.attrs.lrmd_ipc_op === 'response' || m.attrs.lrmd_ipc_op === 'destroy'))) break;
        await sleep(5);
      }
      const mine = sent.slice(from).filter((m) => m.attrs.lrmd_ipc_session === session);
      const response = mine.find((m) => m.attrs.lrmd_ipc_op === 'response');
      const out: { response?: XmlElement; events: XmlElement[]; destroyed: boolean } = {
        events: mine.filter((m) => m.attrs.lrmd_ipc_op === 'event').map((m) => ipcPayload(m) as XmlElement),
        destroyed: mine.some((m) => m.attrs.lrmd_ipc_op === 'destroy'),
      };
      if (response) {
        expect(response.attrs.lrmd_ipc_msg_id).to.equal('7');
        out.response = ipcPayload(response) as XmlElement;
      }
      d.handle({ name: 'lrmd_ipc_proxy', attrs: { lrmd_ipc_op: 'destroy', lrmd_ipc_session: session }, children: [] });
      return out;
    },
  };
}

/** An attrd request as `pcmk__attrd_api_update` / `_query` build it. */
const attrd = (attrs: Record<string, string>) => el('create_attrd_op', { t: 'attrd', src: 'attrd_updater', ...attrs });

describe('NodeAttributeStore', () => {
  let store: NodeAttributeStore;
  let changes: AttributeChangeEvent[];
  beforeEach(() => {
    store = new NodeAttributeStore();
    changes = [];
    store.on('change', (e) => changes.push(e));
  });
  afterEach(() => store.flush());

  it('update without host sets the value on the calling node and acks as attrd does', async () => {
    const n = node(store);
    const r = await n.call('attrd', attrd({ task: 'update', attr_name: 'foo', attr_value: 'bar', attr_is_remote: '0', attr_is_private: '0' }));
    expect(r.response).to.deep.equal(el('ack', { function: 'attrd_client_update', line: 0, status: 112, 'ipc-protocol-version': '4' }));
    expect(store.get(NODE, 'foo')).to.equal('bar');
    expect(changes).to.deep.equal([{ node: NODE, name: 'foo', value: 'bar', previous: undefined }]);
  });

  it('update with a host sets that node; queries answer one node or all, with attrd reply shape', async () => {
    const n = node(store);
    await n.call('attrd', attrd({ task: 'update', attr_name: 'foo', attr_value: '1' }));
    await n.call('attrd', attrd({ task: 'update', attr_name: 'foo', attr_value: '2', attr_host: 'remote2' }));
    const one = await n.call('attrd', attrd({ task: 'query', attr_name: 'foo', attr_host: 'remote2' }));
    expect(one.response).to.deep.equal(el('build_query_reply', { t: 'attrd', subt: 'query', attr_version: '4', attr_name: 'foo' }, [el('node', { attr_host: 'remote2', attr_value: '2' })]));
    const all = await n.call('attrd', attrd({ task: 'query', attr_name: 'foo' }));
    expect(all.response?.children.map((c) => c.attrs)).to.deep.equal([
      { attr_host: NODE, attr_value: '1' },
      { attr_host: 'remote2', attr_value: '2' },
    ]);
    const none = await n.call('attrd', attrd({ task: 'query', attr_name: 'nope' }));
    expect(none.response?.attrs.attr_name).to.equal(undefined);
    expect(store.nodes()).to.deep.equal([NODE, 'remote2']);
  });

  it('delete (an update without value) removes the value; the name stays known to queries', async () => {
    const n = node(store);
    await n.call('attrd', attrd({ task: 'update', attr_name: 'foo', attr_value: '1' }));
    await n.call('attrd', attrd({ task: 'update', attr_name: 'foo' }));
    expect(store.get(NODE, 'foo')).to.equal(undefined);
    expect(store.entries(NODE)).to.deep.equal([]);
    const q = await n.call('attrd', attrd({ task: 'query', attr_name: 'foo', attr_host: NODE }));
    expect(q.response?.attrs.attr_name).to.equal('foo');
    expect(q.response?.children[0]?.attrs).to.deep.equal({ attr_host: NODE });
    expect(changes.map((c) => c.value)).to.deep.equal(['1', undefined]);
  });

  it('value++ and value+=N expand against the old value, capped at INFINITY', async () => {
    const n = node(store);
    await n.call('attrd', attrd({ task: 'update', attr_name: 'n', attr_value: 'value++' }));
    await n.call('attrd', attrd({ task: 'update', attr_name: 'n', attr_value: 'value+=10' }));
    expect(store.get(NODE, 'n')).to.equal('11');
    await n.call('attrd', attrd({ task: 'update', attr_name: 'n', attr_value: 'value+=INFINITY' }));
    expect(store.get(NODE, 'n')).to.equal('1000000');
  });

  it('dampening: the value is current at once, and written (change) once it was quiet for the delay', async () => {
    const n = node(store);
    await n.call('attrd', attrd({ task: 'update-both', attr_name: 'd', attr_value: '1', attr_dampening: '60ms' }));
    expect(store.get(NODE, 'd')).to.equal('1');
    expect(changes).to.deep.equal([]);
    await sleep(30);
    await n.call('attrd', attrd({ task: 'update', attr_name: 'd', attr_value: '2' }));
    await sleep(40);
    expect(changes, 'the second update restarted the quiet period').to.deep.equal([]);
    await sleep(50);
    expect(changes).to.deep.equal([{ node: NODE, name: 'd', value: '2', previous: undefined }]);
    // update-delay changes only the delay.
    await n.call('attrd', attrd({ task: 'update-delay', attr_name: 'd', attr_dampening: '0' }));
    await n.call('attrd', attrd({ task: 'update', attr_name: 'd', attr_value: '3' }));
    expect(changes.at(-1)?.value).to.equal('3');
  });

  it('private attributes are served to queries but not written to the CIB view', async () => {
    const n = node(store);
    await n.call('attrd', attrd({ task: 'update', attr_name: 'p', attr_value: 'x', attr_is_private: '1' }));
    expect(store.get(NODE, 'p')).to.equal('x');
    expect(store.writtenEntries(NODE)).to.deep.equal([]);
  });

  it('clear-failure removes fail-count/last-failure attributes of a resource (op and interval when given)', async () => {
    store.set(NODE, 'fail-count-d1#monitor_10000', '2');
    store.set(NODE, 'last-failure-d1#monitor_10000', '123');
    store.set(NODE, 'fail-count-d1#start_0', '1');
    store.set(NODE, 'fail-count-d2#start_0', '1');
    const n = node(store);
    await n.call('attrd', attrd({ task: 'clear-failure', attr_resource: 'd1', attr_clear_operation: 'monitor', attr_clear_interval: '10s', attr_host: NODE }));
    expect(store.entries(NODE).map(([k]) => k)).to.deep.equal(['fail-count-d1#start_0', 'fail-count-d2#start_0']);
    await n.call('attrd', attrd({ task: 'clear-failure', attr_resource: 'd1' }));
    expect(store.entries(NODE).map(([k]) => k)).to.deep.equal(['fail-count-d2#start_0']);
  });

  it('an update by regex applies to every known matching attribute', async () => {
    store.set(NODE, 'a1', 'x');
    store.set(NODE, 'a2', 'x');
    store.set(NODE, 'b', 'x');
    const n = node(store);
    await n.call('attrd', attrd({ task: 'update', attr_regex: '^a', attr_value: 'y' }));
    expect(store.entries(NODE)).to.deep.equal([
      ['a1', 'y'],
      ['a2', 'y'],
      ['b', 'x'],
    ]);
  });

  it('clears a node when its connection goes down (nodeDown), with a change per attribute', () => {
    store.set(NODE, 'a', '1');
    store.set('other', 'a', '2');
    store.nodeDown(NODE);
    expect(store.entries(NODE)).to.deep.equal([]);
    expect(store.get('other', 'a')).to.equal('2');
    expect(changes.slice(-1)).to.deep.equal([{ node: NODE, name: 'a', value: undefined, previous: '1' }]);
  });

  it('serves the attrd channel only, and validates owner-side input', async () => {
    const n = node(store);
    expect((await n.call('cib_ro', el('cib_command', { cib_op: 'register' }))).destroyed).to.equal(true);
    expect(() => store.set('', 'a', '1')).to.throw(/node and an attribute name/);
    expect(() => store.set(NODE, 'a', '1', { dampeningMs: -1 })).to.throw().with.property('code', ErrorCodes.INVALID_ARGUMENT);
  });

  it('reads durations as crm_get_msec does (seconds without a unit)', () => {
    expect([parseDurationMs('5'), parseDurationMs('5s'), parseDurationMs('250ms'), parseDurationMs('2m'), parseDurationMs('x')]).to.deep.equal([5000, 5000, 250, 120000, undefined]);
  });
});

describe('ControllerInfoRelay', () => {
  const nodeInfo = (extra: Record<string, string> = {}) =>
    el('create_request_adv', { origin: 'x', t: 'crmd', version: '3.16.1', subt: 'request', reference: 'node-info-crm_node-1-0', crm_task: 'node-info', crm_sys_to: 'crmd', crm_sys_from: '123_crm_node', ...extra });

  it('acks a node-info request, then sends the reply naming the node as an event', async () => {
    const n = node(new ControllerInfoRelay());
    const r = await n.call('crmd', nodeInfo());
    expect(r.response?.name).to.equal('ack');
    expect(r.events).to.have.length(1);
    const reply = r.events[0] as XmlElement;
    expect(reply.attrs).to.include({ t: 'crmd', subt: 'response', crm_task: 'node-info', reference: 'node-info-crm_node-1-0', crm_sys_to: '123_crm_node', crm_sys_from: 'crmd' });
    expect(reply.children[0]?.children[0]?.attrs).to.deep.equal({ crm_subsystem: 'crmd', 'have-quorum': 'true', id: NODE, uname: NODE, crmd: 'member', remote_node: 'true' });
  });

  it('reports no quorum when told, and nothing about other nodes', async () => {
    const n = node(new ControllerInfoRelay({ quorum: () => false }));
    const r = await n.call('crmd', nodeInfo({ uname: 'elsewhere' }));
    expect(r.events[0]?.children[0]?.children[0]?.attrs).to.deep.equal({ crm_subsystem: 'crmd', 'have-quorum': 'false' });
  });

  it('ignores the hello, and destroys the session of a request it cannot serve', async () => {
    const n = node(new ControllerInfoRelay());
    const hello = await n.call('crmd', el('create_request_adv', { crm_task: 'hello' }), IpcFlags.PROXIED);
    expect(hello).to.deep.equal({ events: [], destroyed: false });
    const reprobe = await n.call('crmd', el('create_request_adv', { crm_task: 'reprobe' }));
    expect(reprobe.destroyed).to.equal(true);
    expect(reprobe.response).to.equal(undefined);
  });
});

const CIB = '<cib epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config/><nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes><resources/><constraints/></configuration><status/></cib>';

describe('ReadOnlyCibRelay', () => {
  const cmd = (op: string, attrs: Record<string, string | number> = {}) => el('cib_command', { t: 'cib', cib_op: op, cib_callid: 3, cib_callopt: CibCallOptions.SYNC_CALL, ...attrs });

  it('signs a tool on with a client id, acks notification requests', async () => {
    const n = node(new ReadOnlyCibRelay({ cib: CIB }));
    const reg = await n.call('cib_ro', el('cib_command', { t: 'cib', cib_op: 'register', cib_clientname: 'crm_mon', cib_callopt: CibCallOptions.SYNC_CALL }));
    expect(reg.response?.attrs.cib_op).to.equal('register');
    expect(reg.response?.attrs.cib_clientid).to.match(/^[0-9a-f-]{36}$/);
    const notify = await n.call('cib_rw', el('cib_command', { cib_op: 'cib_notify', cib_notify_type: 'cib_diff_notify', cib_notify_activate: 1 }));
    expect(notify.response?.name).to.equal('ack');
  });

  it('answers queries by section and by XPath (one match bare, several wrapped), ENXIO when nothing matches', () => {
    const cib = new ReadOnlyCibRelay({ cib: CIB });
    expect(cib.query('nodes').output?.children.map((c) => c.attrs.uname)).to.deep.equal(['n1', 'n2']);
    expect(cib.query(undefined).output?.name).to.equal('cib');
    expect(cib.query('nodes', CibCallOptions.NO_CHILDREN).output).to.deep.equal(el('nodes'));
    expect(cib.query("//node[@uname='n2']", CibCallOptions.XPATH).output).to.deep.equal(el('node', { id: '2', uname: 'n2' }));
    expect(cib.query('//node', CibCallOptions.XPATH).output?.name).to.equal('xpath-query');
    expect(cib.query('//primitive', CibCallOptions.XPATH)).to.deep.equal({ rc: -6 });
    expect(cib.query('bogus-section')).to.deep.equal({ rc: -6 });
    expect(cib.query('//[', CibCallOptions.XPATH)).to.deep.equal({ rc: -6 });
  });

  it('sync calls get the reply as the response, async ones as an event; writes get -EACCES', async () => {
    const n = node(new ReadOnlyCibRelay({ cib: CIB }));
    const sync = await n.call('cib_ro', cmd('cib_query', { cib_section: 'nodes' }));
    expect(sync.response?.attrs).to.include({ t: 'cib', cib_op: 'cib_query', cib_callid: '3', cib_rc: '0' });
    expect(sync.response?.children[0]?.name).to.equal('cib_calldata');
    const async_ = await n.call('cib_ro', cmd('cib_query', { cib_callopt: 0 }), IpcFlags.PROXIED);
    expect(async_.events[0]?.attrs.cib_rc).to.equal('0');
    for (const op of ['cib_modify', 'cib_replace', 'cib_erase', 'cib_delete', 'cib_create', 'cib_apply_diff', 'cib_upgrade', 'cib_bump']) {
      const w = await n.call('cib_rw', cmd(op));
      expect(w.response?.attrs.cib_rc, op).to.equal('-13');
    }
  });

  it('shows written node attributes in the status section', () => {
    const store = new NodeAttributeStore();
    const cib = new ReadOnlyCibRelay({ cib: CIB, attributes: store });
    store.set('n1', 'color', 'blue');
    store.set('n1', 'secret', 'x', { private: true });
    const ta = cib.query("//node_state[@uname='n1']/transient_attributes", CibCallOptions.XPATH).output;
    expect(ta).to.deep.equal(
      el('transient_attributes', { id: 'n1' }, [el('instance_attributes', { id: 'status-n1' }, [el('nvpair', { id: 'status-n1-color', name: 'color', value: 'blue' })])]),
    );
    store.delete('n1', 'color');
    expect(cib.query("//nvpair[@name='color']", CibCallOptions.XPATH).rc).to.equal(-6);
  });

  it('refuses a CIB that is not XML with a <cib> root', () => {
    expect(() => new ReadOnlyCibRelay({ cib: '<cib' })).to.throw().with.property('code', ErrorCodes.INVALID_ARGUMENT);
    expect(() => new ReadOnlyCibRelay({ cib: '<nodes/>' })).to.throw(/root element must be <cib>/);
    const cib = new ReadOnlyCibRelay({ cib: CIB });
    expect(() => cib.setCib('nope')).to.throw().with.property('code', ErrorCodes.INVALID_ARGUMENT);
  });
});

describe('protocol 1.2 schema transfer (cib_schemas)', () => {
  // Pacemaker's own schema directory (pacemaker-common, installed with the CLI tools).
  const DIR = '/usr/share/pacemaker';
  const fetch = (version?: string) =>
    el('cib_command', { t: 'cib', cib_op: 'cib_schemas', cib_callid: 2, cib_callopt: CibCallOptions.SYNC_CALL }, [el('cib_calldata', {}, version ? [el('schema', { version })] : [])]);

  it('answers with each newer schema, its main file and (once) every file it includes, as CDATA', async () => {
    const answer = await schemasAfter(DIR, 'pacemaker-3.7');
    const versions = answer.children.map((c) => c.attrs.version);
    expect(versions).to.include.members(['pacemaker-3.8', 'pacemaker-3.9']);
    expect(versions.every((v) => /^pacemaker-(3\.(8|9|[1-9]\d)|[4-9]\.\d+)$/.test(v ?? ''))).to.equal(true);
    const files = answer.children.flatMap((s) => s.children.map((f) => f.attrs.path as string));
    expect(new Set(files).size, 'no file twice').to.equal(files.length);
    const first = answer.children[0]?.children[0] as XmlElement;
    expect(first.attrs.path).to.equal(`${answer.children[0]?.attrs.version}.rng`);
    expect(first.cdata).to.equal(readFileSync(`${DIR}/${first.attrs.path}`, 'utf8'));
    // Every file a main file includes is there.
    const main = readFileSync(`${DIR}/pacemaker-3.9.rng`, 'utf8');
    for (const m of main.matchAll(/<(?:externalRef|include)\b[^>]*\bhref="([^"]+)"/g)) expect(files).to.include(m[1]);
    // The answer survives the wire (CDATA with ]]> inside included).
    expect(parseXml(serializeXml(answer))).to.deep.equal(answer);
    expect((await schemasAfter(DIR, 'pacemaker-9.9')).children).to.deep.equal([]);
  });

  it('through the CIB relay: served with a schema directory, refused harmlessly without one', async () => {
    const withDir = node(new ReadOnlyCibRelay({ cib: CIB, schemaDirectory: DIR }));
    const r = await withDir.call('cib_ro', fetch('pacemaker-3.8'));
    expect(r.response?.attrs.cib_rc).to.equal('0');
    expect(r.response?.children[0]?.children[0]?.children.map((c) => c.attrs.version)).to.include('pacemaker-3.9');
    expect((await withDir.call('cib_ro', fetch())).response?.attrs.cib_rc).to.equal('-71');
    const without = node(new ReadOnlyCibRelay({ cib: CIB }));
    expect((await without.call('cib_ro', fetch('pacemaker-3.8'))).response?.attrs.cib_rc).to.equal('-95');
  });
});

describe('FencingHistoryRelay', () => {
  const st = (op: string, children: XmlElement[] = []) => el('stonith_command', { __name__: 'stonith_command', t: 'stonith-ng', st_op: op, st_callid: 4, st_callopt: 4096, st_clientname: 'crm_mon' }, children);

  it('signs on, acks notifications, answers the history (filtered by target) with a full result', async () => {
    const n = node(new FencingHistoryRelay({ history: () => [{ target: 'a', action: 'reboot', state: 'done', completedAt: 1_700_000_000_123 }, { target: 'b', action: 'off', state: 'failed' }] }));
    const reg = await n.call('stonith-ng', st('register'));
    expect(reg.response?.attrs.st_op).to.equal('register');
    expect(reg.response?.attrs.st_clientid).to.match(/^[0-9a-f-]{36}$/);
    expect((await n.call('stonith-ng', st('st_notify'))).response?.name).to.equal('ack');
    const all = await n.call('stonith-ng', st('st_fence_history'));
    expect(all.response?.attrs).to.include({ t: 'stonith-ng', st_op: 'st_fence_history', st_callid: '4', 'rc-code': '0', 'op-status': '0' });
    const entries = all.response?.children[0]?.children[0]?.children ?? [];
    expect(entries.map((e) => e.attrs)).to.deep.equal([
      { st_target: 'a', st_device_action: 'reboot', st_date: '1700000000', st_date_nsec: '123000000', st_state: '2' },
      { st_target: 'b', st_device_action: 'off', st_state: '4' },
    ]);
    const one = await n.call('stonith-ng', st('st_fence_history', [el('st_calldata', {}, [el('stonith_api_history', { st_target: 'b' })])]));
    expect(one.response?.children[0]?.children[0]?.children.map((e) => e.attrs.st_target)).to.deep.equal(['b']);
  });

  it('refuses fencing with a permission error', async () => {
    const n = node(new FencingHistoryRelay());
    const r = await n.call('stonith-ng', st('st_fence'));
    expect(r.response?.attrs).to.include({ 'rc-code': '4', 'op-status': '4', st_rc: '-13' });
  });
});

describe('composeRelays', () => {
  it('routes by channel (map) or to the first relay that serves it (list); nodeDown reaches each relay once', async () => {
    const store = new NodeAttributeStore();
    const downs: string[] = [];
    const spy: IpcRelay = { open: () => undefined, nodeDown: (n) => downs.push(n) };
    const byMap = node(composeRelays({ attrd: store, crmd: new ControllerInfoRelay(), 'stonith-ng': spy }));
    expect((await byMap.call('attrd', attrd({ task: 'update', attr_name: 'a', attr_value: '1' }))).response?.name).to.equal('ack');
    expect((await byMap.call('cib_ro', el('cib_command', { cib_op: 'register' }))).destroyed).to.equal(true);
    const list = composeRelays([spy, store, spy]);
    const byList = node(list);
    expect((await byList.call('attrd', attrd({ task: 'query', attr_name: 'a' }))).response?.attrs.attr_name).to.equal('a');
    list.nodeDown?.(NODE);
    expect(downs).to.deep.equal([NODE]);
    expect(store.get(NODE, 'a')).to.equal(undefined);
  });
});
