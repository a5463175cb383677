/**
 * `nodes --live` / `watch --live` without a cluster, their argument checks, and the `--only-running-on`
 * filter. Against a real cluster: test/real/live-cluster.test.ts and test/real/sharding.test.ts.
 */
import { expect } from 'chai';
import { changesFor } from '../src/live.js';
import { cli } from './cli-io.js';

describe('pcmk-remote nodes/watch --live', () => {
  it('refuses --live with --cib or --node (exit 2, a clear message)', async () => {
    const a = await cli(['nodes', '--live', '--cib', 'x.xml']);
    expect([a.code, a.stderr]).to.deep.equal([2, 'pcmk-remote nodes: use either --cib or --live\n']);
    const b = await cli(['watch', '--live', '--node', 'a=127.0.0.1']);
    expect(b.code).to.equal(2);
    expect(b.stderr).to.include('--cib and --node do not apply');
  });

  it('exits 2 with PCMK_CIB_LIVE_SOURCE when this machine is not a cluster node (no CIB manager to ask)', async function () {
    this.timeout(30_000);
    const r = await cli(['nodes', '--live']);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/^pcmk-remote nodes --live: cibadmin --query failed: .+ \[PCMK_CIB_LIVE_SOURCE\]\n$/s);
    const w = await cli(['watch', '--live', '--duration', '1s']);
    expect(w.code).to.equal(2);
    expect(w.stderr).to.include('[PCMK_CIB_LIVE_SOURCE]');
  });

  it('--only-running-on keeps the node itself and remote nodes placed on it before or after a change', () => {
    const v = (name: string, kind: 'cluster' | 'remote', runningOn?: string) => ({ name, kind, state: 'online', ...(runningOn ? { runningOn } : {}) });
    const changes = [
      { node: 'r1', kind: 'remote' as const, change: 'placement' as const, before: v('r1', 'remote', 'n1'), after: v('r1', 'remote', 'n2') },
      { node: 'r2', kind: 'remote' as const, change: 'state' as const, before: v('r2', 'remote', 'n3'), after: v('r2', 'remote', 'n3') },
      { node: 'n1', kind: 'cluster' as const, change: 'state' as const, before: v('n1', 'cluster'), after: v('n1', 'cluster') },
      { node: 'n2', kind: 'cluster' as const, change: 'state' as const, before: v('n2', 'cluster'), after: v('n2', 'cluster') },
    ];
    expect(changesFor(changes, 'n1').map((c) => c.node)).to.deep.equal(['r1', 'n1']);
    expect(changesFor(changes, 'n2').map((c) => c.node)).to.deep.equal(['r1', 'n2']);
    expect(changesFor(changes, 'n3').map((c) => c.node)).to.deep.equal(['r2']);
    expect(changesFor(changes, undefined)).to.have.length(4);
  });
});
