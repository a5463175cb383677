/**
 * packages/remote-conn/examples/session.ts (the remote-conn README's runnable example), run as documented
 * (`npm run example:session`) against the simulated daemon it starts itself.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { closedPort, runCommand, waitExit } from './support.js';

describe('packages/remote-conn/examples/session.ts', function () {
  this.timeout(30_000);

  it('connects, pokes, runs a Dummy through start/monitor/stop and closes', async () => {
    const run = runCommand('npm', ['run', '-s', 'example:session']);
    const code = await waitExit(run, 25_000);
    const out = run.stdout();
    expect(code, `${out}\n${run.stderr()}`).to.equal(0);
    const patterns = [
      /^started a simulated pacemaker-remoted 2\.1\.5 on 127\.0\.0\.1:\d+$/,
      /^connected to 127\.0\.0\.1:\d+: protocol 1\.1, TLSv1\.[23] \S+, [\d.]+ ms \(tcp [\d.]+, tls [\d.]+, register [\d.]+\)$/,
      /^poke: [\d.]+ ms$/,
      /^registered (pcmk-remote-example-\d+) \(ocf:heartbeat:Dummy\): \{"id":"\1","standard":"ocf","type":"Dummy","provider":"heartbeat"\}$/,
      /^start: rc 0, status 0, \d+ ms$/,
      /^monitor: rc 0 \(0 = running\)$/,
      /^stop: rc 0$/,
      /^monitor: rc 7 \(7 = not running\)$/,
      /^unregistered pcmk-remote-example-\d+$/,
      /^closed$/,
    ];
    const lines = out.trim().split('\n');
    expect(lines).to.have.length(patterns.length);
    patterns.forEach((re, i) => expect(lines[i]).to.match(re));
    expect(run.stderr()).to.equal('');
  });

  it('with --host, reports a daemon that is not there (error code) and exits 1', async () => {
    const dir = mkdtempSync('/tmp/pcmk-remote-example-');
    try {
      writeFileSync(`${dir}/authkey`, Buffer.alloc(64, 1), { mode: 0o600 });
      const port = await closedPort();
      const run = runCommand('node', ['--conditions=source', '--import', 'tsx', 'packages/remote-conn/examples/session.ts', '--host', '127.0.0.1', '--port', String(port), '--key', `${dir}/authkey`]);
      expect(await waitExit(run, 25_000)).to.equal(1);
      expect(run.stderr()).to.match(/^session example: .*\[PCMK_REMOTE_CONNECT_REFUSED\]\n$/);
      expect(run.stdout()).to.equal('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
