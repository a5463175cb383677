/**
 * The real-cluster fixture's own options, on a live cluster: seeded cluster properties reach the running
 * CIB, and the `stonith:fence_dummy` device (`fencing: 'fence_dummy'`) really fences a remote node whose
 * daemon was killed (the farm reuses both).
 */
import { expect } from 'chai';
import { startCluster, type ClusterHandle } from '../support/cluster/index.js';

describe('real-cluster fixture: seeded properties and the fence_dummy device', function () {
  this.timeout(60_000);
  let cluster: ClusterHandle | undefined;

  after(async function () {
    this.timeout(60_000);
    await cluster?.stop();
  });

  it('seeds node-action-limit, runs fence_dummy, and a killed remote daemon gets its node fenced', async function () {
    this.timeout(120_000);
    cluster = await startCluster({ nodes: 1, remotes: 1, fencing: 'fence_dummy', properties: { 'node-action-limit': '40' } });
    const prop = await cluster.exec('node1', ['crm_attribute', '--type', 'crm_config', '--name', 'node-action-limit', '--query', '--quiet']);
    expect(prop.stdout.trim()).to.equal('40');
    await cluster.waitFor((v) => v.resources.get('fence-dummy')?.role === 'Started', { what: 'fence-dummy Started' });
    // Let the start-up transition finish (the device's monitor recorded) before the kill.
    await cluster.exec('node1', ['crm_resource', '--wait', '--timeout', '30s'], { timeoutMs: 40_000 });
    await cluster.killRemote('remote1');
    const end = Date.now() + 30_000;
    let history = '';
    while (Date.now() < end) {
      history = (await cluster.exec('node1', ['stonith_admin', '--history', 'remote1', '--verbose'])).stdout;
      if (/reboot of remote1 successful/.test(history)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(history, 'stonith_admin --history remote1').to.match(/reboot of remote1 successful: delegate=node1/);
  });
});
