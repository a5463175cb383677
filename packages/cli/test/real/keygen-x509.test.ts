/**
 * The certificates of `pcmk-remote keygen --x509` against the real Pacemaker 3.0.0 and 3.0.3 daemons (the
 * strictest judge of their roles and usages): the daemon started with the server files, our client with the
 * client files, registers, pokes and runs a Dummy.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemoteSession } from '@pcmk-remote/remote-conn';
import { startRealDaemon } from '../../../remote-conn/test/support/real-daemon.js';
import { cli } from '../cli-io.js';

describe('pcmk-remote keygen --x509 against real 3.0 daemons', function () {
  this.timeout(30_000);
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keygen-x509-real-'));
    const r = await cli(['keygen', '--x509', '--out-dir', dir]);
    expect(r.code, r.stderr).to.equal(0);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const version of ['3.0.0', '3.0.3'] as const) {
    it(`${version}: the daemon serves with server.pem, our client registers with client.pem and runs a Dummy`, async () => {
      const d = await startRealDaemon({ version, x509: { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server-key.pem') } });
      try {
        const s = await RemoteSession.connect({ host: d.host, port: d.port, x509: { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'client.pem'), keyFile: join(dir, 'client-key.pem') }, connectTimeoutMs: 5000 });
        try {
          expect(s.transportInfo.auth).to.equal('x509');
          await s.poke();
          await s.registerResource({ id: 'kg', standard: 'ocf', provider: 'pacemaker', type: 'Dummy' });
          expect((await s.exec({ resource: 'kg', action: 'start', timeoutMs: 20_000 })).rc).to.equal(0);
          expect((await s.exec({ resource: 'kg', action: 'stop', timeoutMs: 20_000 })).rc).to.equal(0);
        } finally {
          await s.close();
        }
        expect(d.log()).to.not.match(/Certificate verification failed|Peer certificate invalid/);
      } finally {
        await d.dispose();
      }
    });
  }
});
