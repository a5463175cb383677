/**
 * `npm run example:monitoring-agent -- [options]`: the Prometheus monitoring agent (see agent.ts).
 *
 *   --simulate N             start N simulated pacemaker-remoted daemons and own connections to them
 *   --node NAME=HOST[:PORT]  a daemon YOU own (no cluster manages it) to connect to (repeatable)
 *   --key FILE               authkey for --node (default $PCMK_authkey_location or /etc/pacemaker/authkey)
 *   --cib FILE|-             a CIB (file, read at every scrape; `-`: stdin, read once) for the node states
 *                            of a Pacemaker cluster; its nodes are never connected to
 *   --cibadmin               run `cibadmin --query` at every scrape instead of --cib
 *   --live                   follow the CIB of the cluster this machine belongs to (re-read only when the
 *                            cluster reports a change; see @pcmk-remote/cib-model/live) instead of --cib
 *   --only-running-on NODE   with a CIB: export only NODE and the remote/guest nodes whose connection runs
 *                            on it (one agent per cluster node covers every remote node once)
 *   --fencing                wire fencing-hooks (simulated nodes: power cycle; others: log only)
 *   --chaos DURATION         simulated nodes: reset a random node's connections this often
 *   --monitor-interval D, --monitor-timeout D, --reconnect-interval D   connection timing (default 5s each)
 *   --port N                 HTTP port (default 9664; 0: a free one)     --bind ADDR (default 127.0.0.1)
 *   --duration D             stop after this long (default: until SIGINT/SIGTERM)
 */
import { parseArgs } from 'node:util';
import { runAsProgram, untilStopped } from '../shared/lifecycle.js';
import { durationMs, integer, nodeArgument, usageError } from '../shared/args.js';
import { startMonitoringAgent } from './agent.js';
import { readStream, type CibSource } from './cib-source.js';

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      simulate: { type: 'string' },
      node: { type: 'string', multiple: true },
      key: { type: 'string' },
      cib: { type: 'string' },
      cibadmin: { type: 'boolean' },
      live: { type: 'boolean' },
      'only-running-on': { type: 'string' },
      fencing: { type: 'boolean' },
      chaos: { type: 'string' },
      'monitor-interval': { type: 'string' },
      'monitor-timeout': { type: 'string' },
      'reconnect-interval': { type: 'string' },
      port: { type: 'string' },
      bind: { type: 'string' },
      duration: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write('usage: npm run example:monitoring-agent -- [--simulate N] [--node NAME=HOST[:PORT]]... [--key FILE] [--cib FILE|- | --cibadmin | --live [--only-running-on NODE]] [--fencing] [--chaos 10s] [--port 9664] [--duration 60s]\n');
    return 0;
  }
  if ([values.cib !== undefined, !!values.cibadmin, !!values.live].filter(Boolean).length > 1) throw usageError('use one of --cib, --cibadmin, --live');
  let cib: CibSource | undefined;
  if (values.cib === '-') cib = { xml: await readStream(process.stdin) };
  else if (values.cib !== undefined) cib = { file: values.cib };
  else if (values.cibadmin) cib = { command: ['cibadmin', '--query'] };
  else if (values.live) cib = { live: {} };
  if (values['only-running-on'] !== undefined && !cib) throw usageError('--only-running-on needs --cib, --cibadmin or --live');
  const simulate = integer(values.simulate, 0, '--simulate', 1000);
  const nodes = (values.node ?? []).map((n) => nodeArgument(n));
  if (!cib && simulate === 0 && nodes.length === 0) throw usageError('nothing to monitor: give --simulate N, --node NAME=HOST[:PORT] or --cib FILE (see --help)');
  const say = (line: string) => process.stdout.write(`${new Date().toISOString()}  ${line}\n`);

  const durationLimit = durationMs(values.duration, 0, '--duration');
  const agent = await startMonitoringAgent({
    port: integer(values.port, 9664, '--port', 65535),
    bind: values.bind ?? '127.0.0.1',
    simulate,
    nodes,
    ...(values.key ? { keyFile: values.key } : {}),
    ...(cib ? { cib } : {}),
    ...(values['only-running-on'] !== undefined ? { onlyRunningOn: values['only-running-on'] } : {}),
    fencing: !!values.fencing,
    chaosIntervalMs: durationMs(values.chaos, 0, '--chaos'),
    connection: {
      monitorIntervalMs: durationMs(values['monitor-interval'], 5000, '--monitor-interval'),
      monitorTimeoutMs: durationMs(values['monitor-timeout'], 5000, '--monitor-timeout'),
      reconnectIntervalMs: durationMs(values['reconnect-interval'], 5000, '--reconnect-interval'),
    },
    log: say,
  });
  const removeSignalHandlers = await untilStopped(durationLimit, say);
  await agent.close();
  say('stopped: HTTP server, connections and simulated daemons closed');
  removeSignalHandlers();
  return 0;
}

runAsProgram(import.meta.url, 'monitoring-agent', main);
