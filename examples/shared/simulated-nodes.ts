/**
 * A set of simulated `pacemaker-remoted` daemons (`@pcmk-remote/simulator`) that the examples start
 * when run with `--simulate`: one per node name, on 127.0.0.1 with free ports and one shared key.
 */
import { randomBytes } from 'node:crypto';
import type { NodeSpec } from '@pcmk-remote/remote-conn';
import { SimulatedRemoteDaemon, type SimulatedDaemonOptions } from '@pcmk-remote/simulator';

/** Simulated daemons by node name. */
export class SimulatedNodes {
  /** The authkey every daemon uses. */
  readonly key: Buffer;
  readonly #sims = new Map<string, SimulatedRemoteDaemon>();
  /** Resource ids seen per node (a restart empties the daemon's list, not its agents' state). */
  readonly #known = new Map<string, Set<string>>();

  private constructor(key: Buffer) {
    this.key = key;
  }

  /**
   * Starts one daemon per name (127.0.0.1, a free port each). If one fails to start, the others are stopped
   * and the error is rethrown.
   */
  static async start(names: string[], options: { key?: Buffer; daemon?: Partial<SimulatedDaemonOptions> } = {}): Promise<SimulatedNodes> {
    const nodes = new SimulatedNodes(options.key ?? randomBytes(256));
    try {
      for (const name of names) {
        nodes.#sims.set(name, await SimulatedRemoteDaemon.start({ noDelay: true, ...options.daemon, key: nodes.key, nodeName: name, host: '127.0.0.1' }));
      }
    } catch (err) {
      await nodes.stop();
      throw err;
    }
    return nodes;
  }

  /** Node names, in start order. */
  get names(): string[] {
    return [...this.#sims.keys()];
  }

  /** The daemon of a node (undefined for a name it does not simulate). */
  get(name: string): SimulatedRemoteDaemon | undefined {
    return this.#sims.get(name);
  }

  /** Connection specs pointing at the daemons (`{ name, host, port }`). */
  specs(): NodeSpec[] {
    return [...this.#sims.values()].map((s) => ({ name: s.nodeName, host: s.host, port: s.port }));
  }

  /**
   * Rewrites specs (e.g. from a CIB) to point at the simulated daemons of the same name; specs without a
   * daemon are dropped, so nothing outside 127.0.0.1 is ever contacted.
   */
  redirect<T extends { name: string; host?: string; port?: number }>(specs: T[]): T[] {
    const out: T[] = [];
    for (const spec of specs) {
      const sim = this.#sims.get(spec.name);
      if (sim) out.push({ ...spec, host: sim.host, port: sim.port });
    }
    return out;
  }

  /**
   * A simulated power cycle: the daemon dies (connections drop) and starts again, fresh, after `downMs`.
   * Like a reboot it also forgets which resources ran (the Dummy agent keeps its state file on tmpfs).
   */
  async powerCycle(name: string, downMs = 300): Promise<void> {
    const sim = this.#sims.get(name);
    if (!sim) return;
    if (sim.paused) sim.resume();
    const ids = new Set([...sim.resources().map((r) => r.id), ...(this.#known.get(name) ?? [])]);
    this.#known.set(name, ids);
    await sim.restart({ downMs });
    for (const id of ids) sim.setRunning(id, false);
  }

  /** Stops every daemon. Idempotent. */
  async stop(): Promise<void> {
    const sims = [...this.#sims.values()];
    await Promise.all(sims.map((s) => s.stop()));
  }
}
