import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pokeRequest } from '@pcmk-remote/remote-conn/protocol';
import { SimulatedRemoteDaemon } from '../src/index.js';
import { connectAndRegister, connectRaw, isNotify, registerXml } from './raw-client.js';

describe('SimulatedRemoteDaemon: many instances', function () {
  this.timeout(30_000);

  it('starts 200 daemons in one process, serves a client on each, and stops them cleanly', async () => {
    const net = (list: string[]) => list.filter((r) => /TCP|TLS|Pipe/.test(r) && r !== 'PipeWrap');
    const timers = (list: string[]) => list.filter((r) => r === 'Timeout');
    const before = process.getActiveResourcesInfo();
    const key = randomBytes(256);
    const sims: SimulatedRemoteDaemon[] = [];
    for (let i = 0; i < 200; i++) sims.push(await SimulatedRemoteDaemon.start({ key, nodeName: `n${i}`, noDelay: true }));
    expect(new Set(sims.map((s) => s.port)).size).to.equal(200);
    const clients = await Promise.all(sims.map((s) => connectAndRegister({ port: s.port, key, name: s.nodeName }).then((r) => r.c)));
    await Promise.all(
      clients.map(async (c) => {
        const r = await c.call(pokeRequest(), 5000);
        await c.waitFor(isNotify('lrmd_rsc_poke', r.attrs.lrmd_callid), 5000);
      }),
    );
    expect(sims.every((s) => s.clientCount === 1)).to.equal(true);
    for (const c of clients) c.close();
    await Promise.all(sims.map((s) => s.stop()));
    await new Promise((r) => setTimeout(r, 50));
    const after = process.getActiveResourcesInfo();
    expect(net(after), 'sockets and servers left').to.deep.equal(net(before));
    // mocha's own timers come and go; 200 leaked daemon timers would not
    expect(timers(after).length, after.join(', ')).to.be.at.most(timers(before).length + 2);
  });
});

describe('SimulatedRemoteDaemon: X.509 mode (Pacemaker 3.0+)', function () {
  this.timeout(20_000);
  let dir: string;
  const pem: Record<string, string> = {};

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sim-x509-'));
    const ossl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=sim-test-ca');
    for (const name of ['server', 'client', 'rogue']) {
      ossl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    }
    writeFileSync(join(dir, 'ext.cnf'), 'basicConstraints=CA:FALSE\n');
    ossl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf');
    ossl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '2', '-extfile', 'ext.cnf');
    // a certificate signed by nobody the daemon trusts
    ossl('x509', '-req', '-in', 'rogue.csr', '-signkey', 'rogue.key', '-out', 'rogue.crt', '-days', '2');
    for (const f of ['ca.crt', 'server.crt', 'server.key', 'client.crt', 'client.key', 'rogue.crt', 'rogue.key']) pem[f] = readFileSync(join(dir, f), 'utf8');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves a client with a certificate from the CA, refuses others and PSK clients', async () => {
    const sim = await SimulatedRemoteDaemon.start({
      version: '3.0.2',
      x509: { ca: pem['ca.crt'] as string, cert: pem['server.crt'] as string, key: pem['server.key'] as string },
    });
    try {
      const good = await connectRaw({ port: sim.port, x509: { ca: pem['ca.crt'] as string, cert: pem['client.crt'] as string, key: pem['client.key'] as string } });
      const reply = await good.call(registerXml());
      expect(reply.attrs).to.include({ lrmd_rc: '0', lrmd_protocol_version: '1.2', lrmd_origin: 'execd_process_signon' });
      good.close();
      const failures: unknown[] = [];
      await connectRaw({ port: sim.port, x509: { ca: pem['ca.crt'] as string, cert: pem['rogue.crt'] as string, key: pem['rogue.key'] as string } })
        .then(async (c) => {
          // TLS 1.3: the server's rejection of the client certificate arrives after the client's handshake
          await c.closed;
          failures.push(c.socketError ?? new Error('closed'));
        })
        .catch((e: unknown) => failures.push(e));
      await connectRaw({ port: sim.port, key: randomBytes(32) }).catch((e: unknown) => failures.push(e));
      expect(failures).to.have.length(2);
    } finally {
      await sim.stop();
    }
  });
});
