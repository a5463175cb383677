/**
 * Protocol 1.2 opt-in (`protocolVersion: '1.2'`) against each real daemon. A 2.1.8+ daemon answers a
 * provider that registers with 1.2 by fetching the cluster's extra CIB schema files through the IPC proxy
 * (protocol.md §3.6). Until a relay answers it, our session refuses that proxied CIB connection (it answers
 * `destroy`): the fetch fails harmlessly, the session works as before, and the daemon still stops at once.
 * With the default 1.1 no fetch starts at all, which is why 1.1 stays the default.
 */
import { expect } from 'chai';
import { RemoteSession } from '../../src/index.js';
import { DAEMON_VERSIONS, startRealDaemon, type RealDaemon } from '../support/real-daemon.js';

const FETCH = 'Fetching extra schema files from cluster';

for (const version of DAEMON_VERSIONS) {
  describe(`protocol 1.2 (real pacemaker-remoted ${version})`, function () {
    this.timeout(30_000);
    let d: RealDaemon;
    beforeEach(async () => {
      d = await startRealDaemon({ version });
    });
    afterEach(async () => {
      await d?.dispose();
    });

    it(`${version}: the default 1.1 starts no schema fetch`, async () => {
      const s = await RemoteSession.connect({ host: d.host, port: d.port, key: d.key });
      await s.poke();
      await new Promise((r) => setTimeout(r, 300));
      await s.close();
      expect(d.log()).to.not.include(FETCH);
    });

    it(`${version}: '1.2' registers${version === '2.1.5' ? ' (the daemon speaks 1.1 and fetches nothing)' : '; the schema fetch through us fails harmlessly'}`, async () => {
      const s = await RemoteSession.connect({ host: d.host, port: d.port, key: d.key, protocolVersion: '1.2' });
      let closedEarly = false;
      void s.whenClosed.then(() => (closedEarly = true));
      try {
        expect(s.protocolVersion).to.equal(version === '2.1.5' ? '1.1' : '1.2');
        await new Promise((r) => setTimeout(r, 500));
        if (version === '2.1.5') expect(d.log()).to.not.include(FETCH);
        else expect(d.log()).to.include(FETCH);
        // Nothing else changed: the session answers and runs agents.
        await s.poke();
        await s.registerResource({ id: 'p12', standard: 'ocf', provider: 'pacemaker', type: 'Dummy' });
        expect((await s.exec({ resource: 'p12', action: 'start', timeoutMs: 20_000 })).rc).to.equal(0);
        expect((await s.exec({ resource: 'p12', action: 'stop', timeoutMs: 20_000 })).rc).to.equal(0);
        expect(closedEarly).to.equal(false);
      } finally {
        await s.close();
      }
      // And the daemon still stops at once when asked.
      const t0 = Date.now();
      d.signal('SIGTERM');
      await d.waitExit(3000);
      expect(Date.now() - t0).to.be.lessThan(3000);
    });
  });
}
