/**
 * The IPC relay suite against Debian's real pacemaker-remoted 2.1.5, with the real tools run "on the
 * node": in the daemon's network namespace, where its IPC servers live (the suites run inside
 * `unshare -n`, and the daemon binds its abstract IPC sockets there).
 */
import { existsSync } from 'node:fs';
import { CRM_NODE, defineRelaySuite, runProgram, type RelayTarget } from '../conformance/relay-suite.js';
import { startRealDaemon } from '../support/real-daemon.js';

async function realRelayTarget(): Promise<RelayTarget> {
  if (!existsSync(CRM_NODE)) throw new Error(`${CRM_NODE} is missing: run bash scripts/ensure-real-daemon.sh as root`);
  const d = await startRealDaemon();
  return {
    kind: 'real',
    host: d.host,
    port: d.port,
    key: d.key,
    runTool: (argv, env = {}, options = {}) => {
      const [tool, ...args] = argv as [string, ...string[]];
      return runProgram(tool === 'crm_node' ? CRM_NODE : tool, args, env, options.killAfterMs);
    },
    dispose: () => d.dispose(),
  };
}

defineRelaySuite('real pacemaker-remoted 2.1.5', 'real', realRelayTarget);
