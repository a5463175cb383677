/**
 * Cross-package: the demo (simulator + ConnectionManager + fencing-hooks) runs to the end and shows the
 * outcomes Pacemaker's rules require.
 */
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { runDemo } from '../packages/cli/src/demo.js';

describe('demo (simulator + manager + fencing-hooks)', function () {
  this.timeout(60_000);
  it('fences lost nodes before reconnecting, never fences a graceful shutdown, recovers the guest through its container', async () => {
    let text = '';
    const out = new Writable({ write: (c, _e, cb) => { text += String(c); cb(); } });
    await runDemo(out as unknown as NodeJS.WritableStream, { scale: 0.6 });
    const lines = text.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(at(/node-down\s+remote1: connection-lost/), text).to.be.greaterThan(-1);
    // Fence before reconnect: remote1 comes back up only after it was fenced.
    const fencedAt = at(/fenced\s+remote1/);
    expect(fencedAt).to.be.greaterThan(at(/node-down\s+remote1/));
    expect(lines.findLastIndex((l) => /node-up\s+remote1/.test(l))).to.be.greaterThan(fencedAt);
    expect(at(/node-down\s+remote2: monitor-timeout/)).to.be.greaterThan(-1);
    expect(at(/fence-skipped\s+remote3: graceful-shutdown/)).to.be.greaterThan(-1);
    expect(at(/fence\s+remote3/)).to.equal(-1);
    expect(at(/fence\s+guest1: reboot via container-restart/)).to.be.greaterThan(-1);
    const table = lines.filter((l) => /^(remote|guest)\d\s/.test(l));
    expect(table).to.have.length(4);
    for (const row of table) expect(row).to.match(/\sup\s/);
    expect(text).to.include('done: every connection, timer and simulated daemon stopped');
  });
});
