/**
 * `scripts/cluster.sh` backend: `up` starts the fixture's cluster and leaves it running (state saved as
 * JSON), `holder NODE` prints a node's namespace holder PID (for `nsenter`), `down` stops everything.
 * Run inside the switch network namespace that cluster.sh made.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { detachAll } from './namespaces.js';
import { startCluster, stopAll, type ClusterState } from './cluster.js';

const [cmd, ...rest] = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? rest[i + 1]! : def;
};
const stateFile = opt('state', '/run/pcmk-remote-cluster.json');

if (cmd === 'up') {
  const c = await startCluster({ nodes: Number(opt('nodes', '1')), remotes: Number(opt('remotes', '1')), keepDir: true });
  const state: ClusterState & { switchHolder: number } = { ...c.state(), switchHolder: Number(opt('switch-holder', '0')) };
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
  detachAll();
  process.stdout.write(
    `cluster up in ${(c.upMs / 1000).toFixed(1)} s (${c.stack}): ${[...c.nodes, ...c.remotes].map((n) => `${n}=${c.address(n)}`).join(' ')}\n` +
      `switch ${c.switchAddress}, authkey ${c.keyPath}, logs under ${c.dir}\nstate: ${stateFile}\n`,
  );
} else if (cmd === 'holder') {
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as ClusterState;
  const n = state.nodes.find((x) => x.name === rest[0]);
  if (!n) {
    process.stderr.write(`no node ${rest[0]}; nodes: ${state.nodes.map((x) => x.name).join(' ')}\n`);
    process.exit(2);
  }
  process.stdout.write(`${n.holder}\n`);
} else if (cmd === 'down') {
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as ClusterState;
  await stopAll(state.nodes, state.bridge);
  rmSync(state.dir, { recursive: true, force: true });
  rmSync(stateFile, { force: true });
  process.stdout.write('cluster stopped\n');
} else {
  process.stderr.write('usage: cli.ts up [--nodes N] [--remotes M] [--state FILE] | holder NODE | down\n');
  process.exit(2);
}
