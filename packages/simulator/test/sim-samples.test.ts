import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { serializeXml } from '@pcmk-remote/remote-conn/protocol';
import { SimulatedRemoteDaemon } from '../src/index.js';
import { connectRaw, type RawClient } from './raw-client.js';
import { normalize, readSample, replaySession, sessionSteps, show } from './samples.js';

describe('SimulatedRemoteDaemon: fidelity to the captured 2.1.5 samples', function () {
  this.timeout(15_000);
  const key = randomBytes(256);
  let sim: SimulatedRemoteDaemon;
  let c: RawClient | undefined;
  afterEach(async () => {
    c?.close();
    await sim.stop();
  });

  it('replays samples/session-*: same elements, attribute order, values (call ids included), notify order', async () => {
    sim = await SimulatedRemoteDaemon.start({ key, version: '2.1.5', noDelay: true });
    c = await connectRaw({ port: sim.port, key });
    const steps = sessionSteps();
    expect(steps.length).to.be.greaterThan(15);
    const results = await replaySession(c, steps);
    let compared = 0;
    for (const [i, step] of steps.entries()) {
      const got = results[i];
      expect(got?.name).to.equal(step.name);
      if (step.reply) {
        expect(show(normalize(got?.reply as never)), `${step.name} reply`).to.equal(show(normalize(step.reply)));
        compared++;
      }
      step.notifies.forEach((n, j) => {
        expect(show(normalize(got?.notifies[j] as never)), `${step.name} notify ${j + 1}`).to.equal(show(normalize(n)));
        compared++;
      });
      if (step.replyFirst !== undefined) expect(got?.replyFirst, `${step.name}: reply/notify order`).to.equal(step.replyFirst);
    }
    expect(compared).to.be.greaterThan(25);
  });

  it('sends new_client and shutdown_req exactly like the event samples', async () => {
    sim = await SimulatedRemoteDaemon.start({ key, version: '2.1.5', noDelay: true });
    c = await connectRaw({ port: sim.port, key });
    const reg = readSample('session-01-register.request.xml');
    await c.send(reg);
    await c.reply(1);
    const second = await connectRaw({ port: sim.port, key });
    const nc = await c.waitFor((m) => m.attrs.lrmd_op === 'lrmd_rsc_new_client');
    expect(show(nc)).to.equal(show(readSample('event-second-client-new_client.notify.xml')));
    second.close();
    await sim.requestShutdown();
    const req = await c.waitFor((m) => m.name === 'lrmd_ipc_proxy');
    expect(show(req)).to.equal(show(readSample('event-sigterm-shutdown_req.notify.xml')));
  });

  it('writes each message as a header record and a payload record', async () => {
    sim = await SimulatedRemoteDaemon.start({ key, noDelay: true });
    c = await connectRaw({ port: sim.port, key });
    const chunks: number[] = [];
    c.socket.on('data', (d: Buffer) => chunks.push(d.length));
    await c.send(readSample('session-01-register.request.xml'));
    const reply = await c.reply(1);
    expect(chunks[0]).to.equal(40);
    expect(chunks[1]).to.equal(Buffer.byteLength(serializeXml(reply)) + 1); // payload + NUL, in its own record
  });
});
