/**
 * The lead's RemoteSession and RemoteNodeConnection conformance suites, run against the simulator (the
 * same suites run against the real daemon in test/real/): a client that passes against the simulator
 * should pass against pacemaker-remoted 2.1.5.
 */
import { randomBytes } from 'node:crypto';
import { SimulatedRemoteDaemon } from '../src/index.js';
import { defineLifecycleSuite } from '../../remote-conn/test/conformance/lifecycle-suite.js';
import { defineSessionSuite } from '../../remote-conn/test/conformance/session-suite.js';
import type { DaemonTarget, TargetFactory } from '../../remote-conn/test/conformance/targets.js';

/** The simulator as a conformance target (version 2.1.5, real-like defaults). */
export const simTarget: TargetFactory = async (options = {}) => {
  const sim = await SimulatedRemoteDaemon.start({ key: randomBytes(options.keyBytes ?? 256), version: '2.1.5' });
  const t: DaemonTarget = {
    kind: 'sim',
    host: sim.host,
    port: sim.port,
    key: sim.key as Buffer,
    requestShutdown: () => sim.requestShutdown(),
    waitStopped: (timeoutMs = 10_000) => sim.waitExit(timeoutMs),
    kill: () => sim.kill(),
    pause: () => sim.pause(),
    resume: () => sim.resume(),
    start: () => sim.relaunch(),
    dispose: () => sim.stop(),
  };
  return t;
};

defineSessionSuite('simulator 2.1.5', simTarget);
defineLifecycleSuite('simulator 2.1.5', simTarget);
