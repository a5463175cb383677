/** The real pacemaker-remoted as a conformance {@link DaemonTarget}. */
import type { DaemonTarget, TargetFactory } from '../conformance/targets.js';
import { startRealDaemon, type DaemonVersion } from './real-daemon.js';

/** The real pacemaker-remoted of `version` as a conformance target. */
export const realTargetFor = (version: DaemonVersion): TargetFactory => async (options = {}) => {
  const d = await startRealDaemon({ keyBytes: options.keyBytes ?? 256, version });
  const t: DaemonTarget = {
    kind: 'real',
    version,
    host: d.host,
    port: d.port,
    key: d.key,
    requestShutdown: async () => d.signal('SIGTERM'),
    waitStopped: async (timeoutMs = 10_000) => {
      await d.waitExit(timeoutMs);
    },
    kill: async () => {
      d.signal('SIGKILL');
      await d.waitExit(5000);
    },
    pause: () => d.signal('SIGSTOP'),
    resume: () => d.signal('SIGCONT'),
    start: () => d.start(),
    dispose: () => d.dispose(),
  };
  return t;
};

/** Debian 12's pacemaker-remoted 2.1.5. */
export const realTarget: TargetFactory = realTargetFor('2.1.5');
