/**
 * The relay controller (examples/relay-controller) on simulated nodes: the Stateful instances' promotion
 * scores arrive through the IPC relay, the best instance is promoted, and after the promoted node is lost
 * the other one is; the documented command runs.
 */
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { RelayController } from '../relay-controller/controller.js';
import { main } from '../relay-controller/main.js';
import { SimulatedNodes } from '../shared/simulated-nodes.js';
import { waitUntil } from './support.js';

describe('examples/relay-controller', function () {
  this.timeout(30_000);

  it('promotes the instance with the highest score published through the relay, and fails over when its node is lost', async () => {
    const sims = await SimulatedNodes.start(['remote1', 'remote2']);
    const controller = new RelayController(sims.specs(), { key: sims.key, reconnectIntervalMs: 0 });
    try {
      await waitUntil(() => controller.promoted !== undefined && Object.values(controller.roles()).filter((r) => r === 'promoted' || r === 'unpromoted').length === 2, 10_000, 'both instances up, one promoted');
      const first = controller.promoted as string;
      const other = first === 'remote1' ? 'remote2' : 'remote1';
      // The scores are what the agents set on the nodes (5 unpromoted, 10 promoted), seen through the relay.
      await waitUntil(() => controller.attributes.get(first, 'master-stateful') === '10', 5000, 'score 10 of the promoted instance');
      expect(controller.attributes.get(other, 'master-stateful')).to.equal('5');
      await sims.get(first)?.kill();
      await waitUntil(() => controller.promoted === other && controller.roles()[other] === 'promoted', 10_000, 'the other instance promoted');
      expect(controller.roles()[first]).to.equal('gone');
      expect(controller.attributes.entries(first)).to.deep.equal([]);
      await waitUntil(() => controller.attributes.get(other, 'master-stateful') === '10', 5000, 'score 10 of the new promoted instance');
    } finally {
      await controller.close();
      await sims.stop();
    }
  });

  it('the documented command shows the promotion and the failover', async () => {
    let text = '';
    const out = new Writable({
      write: (c, _e, cb) => {
        text += String(c);
        cb();
      },
    });
    const code = await main(['--kill-promoted-after', '1500ms', '--duration', '4s'], out as unknown as NodeJS.WritableStream);
    expect(code).to.equal(0);
    expect(text).to.match(/remote1: master-stateful = 5/).and.match(/remote2: master-stateful = 5/);
    expect(text.match(/: promoted\n/g)?.length, text).to.equal(2);
    expect(text).to.match(/killing remote\d's daemon/);
  });
});
