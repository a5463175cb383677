/**
 * `npm run example:relay-controller -- [--nodes N] [--kill-promoted-after D] [--duration D]`: the relay
 * controller (see controller.ts) on N simulated remote nodes (default 2) running a promotable Stateful
 * clone. The agents' promotion scores reach the controller through the IPC relay; the best instance is
 * promoted; with `--kill-promoted-after` the promoted node's daemon is killed and the other is promoted.
 */
import { parseArgs } from 'node:util';
import { durationMs, integer } from '../shared/args.js';
import { runAsProgram, untilStopped } from '../shared/lifecycle.js';
import { SimulatedNodes } from '../shared/simulated-nodes.js';
import { timeline } from '../shared/timeline.js';
import { RelayController } from './controller.js';

/** Runs the CLI. Resolves with the exit status. */
export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { nodes: { type: 'string' }, 'kill-promoted-after': { type: 'string' }, duration: { type: 'string' } },
  });
  const count = integer(values.nodes, 2, '--nodes', 50);
  const killAfter = values['kill-promoted-after'] === undefined ? undefined : durationMs(values['kill-promoted-after'], 0, '--kill-promoted-after');
  const duration = durationMs(values.duration, 0, '--duration');
  const say = timeline(out);
  const names = Array.from({ length: count }, (_, i) => `remote${i + 1}`);
  const sims = await SimulatedNodes.start(names);
  const controller = new RelayController(sims.specs(), { key: sims.key });
  controller.on('log', say);
  controller.on('role', (node, role) => say(`${node}: ${role}`));
  let timer: NodeJS.Timeout | undefined;
  if (killAfter !== undefined) {
    timer = setTimeout(() => {
      const victim = controller.promoted;
      if (!victim) return say('nothing promoted yet: nothing to kill');
      say(`killing ${victim}'s daemon`);
      void sims.get(victim)?.kill();
    }, killAfter);
  }
  const done = await untilStopped(duration, say);
  clearTimeout(timer);
  say(`roles: ${JSON.stringify(controller.roles())}`);
  await controller.close();
  await sims.stop();
  done();
  return 0;
}

runAsProgram(import.meta.url, 'relay-controller', main);
