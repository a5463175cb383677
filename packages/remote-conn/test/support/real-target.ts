/** The real pacemaker-remoted as a conformance {@link DaemonTarget}. */
import type { DaemonTarget, TargetFactory } from '../conformance/targets.js';
import { startRealDaemon } from './real-daemon.js';

export const realTarget: TargetFactory = async (options = {}) => {
  const d = await startRealDaemon({ keyBytes: options.keyBytes ?? 256 });
  const t: DaemonTarget = {
    kind: 'real',
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
