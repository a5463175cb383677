/**
 * The check every live-cluster suite ends with: `stop()` leaves nothing behind — no process in any node's
 * namespaces, no holder, none of the recorded daemons, no bridge, no working directory, no mount of it (or
 * of `extraMountPaths`, e.g. a chroot stack's root) in the caller's mount table.
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import type { ClusterHandle } from './cluster.js';
import { alive, nsOf, pidsInNetns } from './namespaces.js';

/** Stops `cluster` and asserts that nothing of it is left. */
export async function stopAndExpectNothingLeft(cluster: ClusterHandle, extraMountPaths: readonly string[] = []): Promise<void> {
  const state = cluster.state();
  const nets = state.nodes.map((n) => nsOf(n.holder, 'net')).filter((x): x is string => x !== undefined);
  expect(nets.length, 'every node namespace held before stop()').to.equal(state.nodes.length);
  await cluster.stop();
  for (const net of nets) expect(pidsInNetns(net), `processes left in ${net}`).to.deep.equal([]);
  for (const n of state.nodes) expect(alive(n.holder), `holder ${n.holder} of ${n.name}`).to.equal(false);
  for (const pid of state.nodes.flatMap((n) => Object.values(n.pids))) expect(alive(pid), `pid ${pid} still running`).to.equal(false);
  expect(existsSync(`/sys/class/net/${state.bridge}`), `bridge ${state.bridge}`).to.equal(false);
  expect(existsSync(state.dir), state.dir).to.equal(false);
  const mounts = readFileSync('/proc/self/mounts', 'utf8');
  for (const p of [state.dir, ...extraMountPaths]) expect(mounts.includes(p), `a mount of ${p} in ours`).to.equal(false);
}
