import { expect } from 'chai';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, RemoteConnError } from '../../src/errors.js';
import {
  attributesElement,
  checkRequest,
  classifyInbound,
  execRequest,
  parseRecurringOps,
  parseXml,
  pokeRequest,
  registerRequest,
  serializeXml,
  unescapeLegacyNewlines,
  type XmlElement,
} from '../../src/messages/index.js';

const samplesDir = join(import.meta.dirname, '../../../../../shared/reference/samples');
const sample = (name: string): XmlElement => parseXml(readFileSync(join(samplesDir, name), 'utf8'));
const withTransport = (e: XmlElement, id: number): XmlElement => ({
  ...e,
  attrs: { ...e.attrs, lrmd_remote_msg_id: String(id), lrmd_remote_msg_type: 'request' },
});

describe('messages: requests', () => {
  it('builds register byte for byte as Pacemaker 2.1.5 C client does (sample c-client-01)', () => {
    const ours = serializeXml(withTransport(registerRequest({ clientName: 'cclient', protocolVersion: '1.1' }), 1));
    const raw = readFileSync(join(samplesDir, 'c-client-01-register.request.xml'), 'utf8');
    const wire = raw.replace(/<!--[\s\S]*?-->\s*/, '').trim();
    expect(ours).to.equal(wire);
  });

  it('builds poke with the C client data element (sample c-client-03), newest style', () => {
    const theirs = sample('c-client-03-lrmd-rsc-poke.request.xml');
    const ours = withTransport(pokeRequest(), 2);
    expect(ours.children).to.deep.equal(theirs.children);
    // 2.1.5 adds __name__ and lrmd_async_id, which the daemon never reads (protocol.md §3.1).
    const { __name__: _n, lrmd_async_id: _a, ...theirAttrs } = theirs.attrs;
    expect(ours.attrs).to.deep.equal(theirAttrs);
  });

  it('builds exec with the attributes the daemon reads (sample session-07)', () => {
    const theirs = sample('session-07-exec-d1-start-interval-0.request.xml');
    const theirRsc = theirs.children[0]?.children[0] as XmlElement;
    const ours = execRequest({ resource: 'd1', action: 'start', timeoutMs: 20_000 });
    const ourRsc = ours.children[0]?.children[0] as XmlElement;
    for (const k of ['lrmd_rsc_id', 'lrmd_rsc_action', 'lrmd_rsc_interval', 'lrmd_timeout', 'lrmd_rsc_start_delay']) {
      expect(ourRsc.attrs[k], k).to.equal(theirRsc.attrs[k]);
    }
    expect(ourRsc.children[0]?.attrs.CRM_meta_timeout).to.equal('20000');
  });

  it('escapes values so that newlines, tabs and specials survive a round trip', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), (value) => {
        const clean = value.replace(/[\0\uFFFE\uFFFF]/g, '');
        const e = execRequest({ resource: 'r', action: 'start', timeoutMs: 1, params: { p: clean } });
        const back = parseXml(serializeXml(e));
        expect(back.children[0]?.children[0]?.children[0]?.attrs.p).to.equal(clean);
      }),
      { numRuns: 300 },
    );
    const s = serializeXml(attributesElement({ a: 'x\ny\tz\r"<&>' }));
    expect(s).to.equal('<attributes a="x&#10;y&#9;z&#13;&quot;&lt;&amp;&gt;"/>');
  });

  it('writes parameters whose names start with a digit as <param> children', () => {
    const a = attributesElement({ '1abc': 'v', ok: 'w' });
    expect(a.attrs).to.deep.equal({ ok: 'w' });
    expect(a.children).to.deep.equal([{ name: 'param', attrs: { name: '1abc', value: 'v' }, children: [] }]);
  });

  it('validates arguments with coded errors', () => {
    const bad: Array<() => unknown> = [
      () => execRequest({ resource: 'r', action: 'start', timeoutMs: 0 }),
      () => execRequest({ resource: '', action: 'start', timeoutMs: 1 }),
      () => execRequest({ resource: 'r', action: 'start', timeoutMs: 1, intervalMs: -1 }),
      () => registerRequest({ clientName: 'x', protocolVersion: 'one' }),
      () => attributesElement({ 'bad name': 'v' }),
    ];
    for (const fn of bad) expect(fn).to.throw(RemoteConnError).with.property('code', ErrorCodes.INVALID_ARGUMENT);
  });

  it('never sends lrmd_watchdog in lrmd_check (it can kill a daemon without SBD)', () => {
    expect(serializeXml(checkRequest())).not.to.include('watchdog');
  });
});

describe('messages: inbound, against every captured daemon message', () => {
  const files = readdirSync(samplesDir).filter((f) => /\.(reply|notify)\d?\.xml$/.test(f) && !f.startsWith('c-client-0') || /c-client-\d+-.*\.(reply|notify)\.xml$/.test(f));

  it('has the samples', () => {
    expect(files.length).to.be.greaterThan(30);
  });

  for (const f of files) {
    it(`classifies ${f}`, () => {
      const e = sample(f);
      const m = classifyInbound(e);
      if (f.includes('shutdown_req') || f.includes('new_client')) {
        expect(m.type).to.equal(f.includes('shutdown_req') ? 'proxy' : 'new-client');
        return;
      }
      if (f.includes('.reply')) {
        expect(m.type).to.equal('reply');
        if (m.type === 'reply') expect(m.msgId).to.equal(Number(e.attrs.lrmd_remote_msg_id));
      } else if (e.attrs.lrmd_op === 'lrmd_rsc_exec') {
        expect(m.type).to.equal('exec-result');
        if (m.type === 'exec-result') {
          expect(m.result.callId).to.equal(Number(e.attrs.lrmd_callid));
          expect(m.result.rc).to.equal(Number(e.attrs.lrmd_exec_rc));
          expect(m.result.opStatus).to.equal(Number(e.attrs.lrmd_exec_op_status));
          expect(m.result.resource).to.equal(e.attrs.lrmd_rsc_id);
        }
      } else {
        expect(m.type).to.equal('notify');
      }
    });
  }

  it('reads an exit reason, params and times from an exec result (session-15)', () => {
    const m = classifyInbound(sample('session-15-exec-bad1-monitor-interval-0.notify.xml'));
    expect(m.type).to.equal('exec-result');
    if (m.type !== 'exec-result') return;
    expect(m.result).to.deep.include({ resource: 'bad1', action: 'monitor', rc: 5, opStatus: 7, exitReason: 'DoesNotExist: No such file or directory', userData: 'probe-userdata-monitor' });
    expect(m.result.params).to.deep.equal({ CRM_meta_timeout: '20000' });
    expect(m.result.runAt).to.equal(1795567951000);
  });

  it('reads recurring ops (session-10)', () => {
    expect(parseRecurringOps(sample('session-10-get-recurring.reply.xml'))).to.deep.equal([
      { resource: 'd1', action: 'monitor', intervalMs: 1000, timeoutMs: 20000 },
    ]);
  });

  it('rejects malformed XML with XML_INVALID, including 2.1.5 output broken by non-ASCII text', () => {
    for (const bad of ['<a', '<a b="1"></b>', 'text', '<a/><b/>', '<lrmd_notify lrmd_rsc_output="é" ok"/>']) {
      expect(() => parseXml(bad), bad).to.throw(RemoteConnError).with.property('code', ErrorCodes.XML_INVALID);
    }
  });

  it('never throws anything but a coded error on arbitrary text (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          classifyInbound(parseXml(text));
        } catch (err) {
          expect(err).to.be.instanceOf(RemoteConnError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('undoes 2.1.5 newline escaping', () => {
    expect(unescapeLegacyNewlines('a\\nb\\rc')).to.equal('a\nb\rc');
  });
});
