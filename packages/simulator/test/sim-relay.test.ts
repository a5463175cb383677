/**
 * The IPC relay suite against the simulator: its simulated tools (`sim.runTool`) reach our relays through
 * the simulated daemon's IPC proxy as the real tools do through the real daemon (test/real/relay.test.ts
 * of remote-conn runs the same suite against pacemaker-remoted 2.1.5).
 */
import { randomBytes } from 'node:crypto';
import { SimulatedRemoteDaemon } from '../src/index.js';
import { NODE, defineRelaySuite, type RelayTarget } from '../../remote-conn/test/conformance/relay-suite.js';

async function simRelayTarget(): Promise<RelayTarget> {
  const sim = await SimulatedRemoteDaemon.start({ key: randomBytes(256), version: '2.1.5', nodeName: NODE });
  return {
    kind: 'sim',
    host: sim.host,
    port: sim.port,
    key: sim.key as Buffer,
    runTool: async (argv, env = {}, options = {}) => {
      const started = performance.now();
      const run = sim.runTool(argv, env, options.ipcTimeoutMs !== undefined ? { ipcTimeoutMs: options.ipcTimeoutMs } : {});
      if (options.killAfterMs === undefined) return { ...(await run), ms: performance.now() - started };
      // An abandoned tool: it disconnects while its request is pending.
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        timer = setTimeout(() => {
          sim.killTools();
          resolve({ code: -1, stdout: '', stderr: 'killed' });
        }, options.killAfterMs);
      });
      const r = await Promise.race([run, killed]);
      clearTimeout(timer);
      await run.catch(() => undefined);
      return { ...r, ms: performance.now() - started };
    },
    dispose: () => sim.stop(),
  };
}

defineRelaySuite('simulated pacemaker-remoted', 'sim', simRelayTarget);
