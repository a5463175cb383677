/**
 * The inbound reader of a session: a large message or a burst is parsed in slices, between which the event
 * loop runs; order is kept; reading pauses while too much waits; close waits for what was received.
 */
import { expect } from 'chai';
import { FrameDecoder, encodeFrame } from '../../src/codec/index.js';
import { ErrorCodes, RemoteConnError } from '../../src/errors.js';
import { genericNotify, serializeXml, withTransport, type InboundMessage } from '../../src/messages/index.js';
import { INBOUND_HIGH_WATER_BYTES, InboundReader } from '../../src/session/inbound.js';

const frame = (xml: string, id = 1): Buffer => {
  const f = encodeFrame(xml, id);
  return Buffer.concat([f.header, f.payload]);
};
const notify = (callId: number) => serializeXml(withTransport(genericNotify('lrmd_rsc_poke', 0, callId), 0, 'notify'));
/** An exec result of another client with an output of about `bytes` (escaped meta-data). */
const bigResult = (bytes: number) =>
  `<lrmd_notify lrmd_origin="send_cmd_complete_notify" lrmd_op="lrmd_rsc_exec" lrmd_callid="77" lrmd_rsc_id="x" lrmd_rsc_action="meta-data" lrmd_exec_rc="0" lrmd_exec_op_status="0" lrmd_rsc_output="${'&lt;p a=&quot;1&quot;/&gt;&#10;'.repeat(Math.ceil(bytes / 32))}" lrmd_remote_msg_type="notify"/>`;

function reader() {
  const delivered: InboundMessage[] = [];
  const events: string[] = [];
  let failed: RemoteConnError | undefined;
  const r = new InboundReader(new FrameDecoder(), {
    message: (m) => {
      delivered.push(m);
      events.push(m.type === 'notify' ? `notify ${m.callId}` : m.type);
    },
    fail: (e) => {
      failed = e;
    },
    isClosed: () => false,
    pause: () => events.push('pause'),
    resume: () => events.push('resume'),
  });
  return { r, delivered, events, failed: () => failed };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
async function until(cond: () => boolean): Promise<number> {
  let turns = 0;
  while (!cond()) {
    await turn();
    if (++turns > 100_000) throw new Error('never happened');
  }
  return turns;
}

describe('session: inbound reader', () => {
  it('delivers small messages at once, within the data event', () => {
    const { r, events } = reader();
    r.push(Buffer.concat([frame(notify(1)), frame(notify(2))]));
    expect(events).to.deep.equal(['notify 1', 'notify 2']);
  });

  it('parses a message of several MiB in slices: the event loop runs before it is delivered, order is kept', async () => {
    const { r, events } = reader();
    const big = frame(bigResult(6 * 2 ** 20));
    // Received in TLS-record-sized chunks, followed by a small message.
    for (let i = 0; i < big.length; i += 16_384) r.push(big.subarray(i, i + 16_384));
    r.push(frame(notify(9)));
    expect(events, 'nothing of it is delivered within the data events').to.deep.equal([]);
    const turns = await until(() => events.length === 2);
    expect(turns).to.be.greaterThan(1);
    expect(events).to.deep.equal(['exec-result', 'notify 9']);
  });

  it('pauses reading while more than the high-water mark waits, and resumes once it is worked off', async () => {
    const { r, events } = reader();
    const burst: Buffer[] = [];
    for (let i = 0; i < 20_000; i++) burst.push(frame(notify(i), i + 1));
    const all = Buffer.concat(burst);
    expect(all.length).to.be.greaterThan(2 * INBOUND_HIGH_WATER_BYTES);
    r.push(all);
    expect(events).to.include('pause');
    await until(() => events.filter((e) => e.startsWith('notify')).length === 20_000);
    expect(events.indexOf('resume')).to.be.greaterThan(events.indexOf('pause'));
    const order = events.filter((e) => e.startsWith('notify')).map((e) => Number(e.slice(7)));
    expect(order).to.deep.equal(order.slice().sort((a, b) => a - b));
  });

  it('drain() waits for what was received; stop() drops it', async () => {
    const a = reader();
    a.r.push(frame(bigResult(2 * 2 ** 20)));
    let drained = false;
    a.r.drain(() => {
      drained = true;
    });
    expect(drained).to.equal(false);
    await until(() => drained);
    expect(a.events).to.deep.equal(['exec-result']);

    const b = reader();
    b.r.push(frame(bigResult(2 * 2 ** 20)));
    b.r.stop();
    await turn();
    await turn();
    expect(b.events).to.deep.equal([]);
  });

  it('a malformed message after a large one fails the stream only once the large one is delivered', async () => {
    const { r, events, failed } = reader();
    r.push(Buffer.concat([frame(bigResult(2 * 2 ** 20)), frame('<lrmd_notify a="1"')]));
    await until(() => failed() !== undefined);
    expect(events).to.deep.equal(['exec-result']);
    expect(failed()?.code).to.equal(ErrorCodes.XML_INVALID);
  });
});
