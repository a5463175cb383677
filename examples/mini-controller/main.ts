/**
 * `npm run example:mini-controller -- --cib FILE (--node NAME | --all) [options]`: the mini controller
 * (see controller.ts) with a timeline of events and a final table.
 *
 *   --cib FILE|-            the CIB (`-`: stdin); SIGHUP re-reads FILE and applies changes
 *   --node NAME             this cluster node: manage the remote nodes whose connection runs here
 *   --all                   manage every remote and guest node of the CIB
 *   --simulate              start a simulated daemon per selected node and connect to those (no cluster needed)
 *   --sim-version V         Pacemaker version the simulated daemons behave like (default 2.1.5)
 *   --i-own-these-nodes     required without --simulate: you confirm no Pacemaker cluster manages these nodes
 *   --key FILE              authkey (default $PCMK_authkey_location or /etc/pacemaker/authkey)
 *   --agent CLASS:PROVIDER:TYPE   resource to run on each node (default ocf:heartbeat:Dummy)
 *   --fencer log|stonith-admin    default: simulated power cycle with --simulate, else log only
 *   --fence-agent NAME [--fence-param K=V]...   fence with a fence_* agent (FenceAgentFencer)
 *   --reconnect-interval D  override every node's reconnect_interval
 *   --monitor-interval D, --monitor-timeout D (connection pokes, default 2s), --resource-monitor D (default 10s)
 *   --fault KIND:NODE@DELAY with --simulate: reset | freeze | shutdown | restart a node DELAY after start (repeatable)
 *   --duration D            stop after this long (default: until SIGINT/SIGTERM)
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { FenceAgentFencer, StonithAdminFencer, type Fencer } from '@pcmk-remote/fencing-hooks';
import { renderTable } from '../shared/table.js';
import { durationMs, usageError } from '../shared/args.js';
import { runAsProgram, untilStopped } from '../shared/lifecycle.js';
import { timeline } from '../shared/timeline.js';
import { readStream } from '../monitoring-agent/cib-source.js';
import { MiniController, parseAgent } from './controller.js';

/** A fault to inject into a simulated node. */
export interface Fault {
  kind: 'reset' | 'freeze' | 'shutdown' | 'restart';
  node: string;
  delayMs: number;
}

/** Parses `KIND:NODE@DELAY`, e.g. `reset:remote1@3s`. */
export function parseFault(text: string): Fault {
  const m = /^(reset|freeze|shutdown|restart):([^@]+)@(.+)$/.exec(text);
  if (!m) throw usageError(`--fault expects KIND:NODE@DELAY with KIND reset|freeze|shutdown|restart, got ${JSON.stringify(text)}`);
  return { kind: m[1] as Fault['kind'], node: m[2] as string, delayMs: durationMs(m[3], 0, '--fault delay') };
}

/** Runs the CLI. Resolves with the exit status. */
export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      cib: { type: 'string' },
      node: { type: 'string' },
      all: { type: 'boolean' },
      simulate: { type: 'boolean' },
      'sim-version': { type: 'string' },
      'i-own-these-nodes': { type: 'boolean' },
      key: { type: 'string' },
      agent: { type: 'string' },
      fencer: { type: 'string' },
      'fence-agent': { type: 'string' },
      'fence-param': { type: 'string', multiple: true },
      'reconnect-interval': { type: 'string' },
      'monitor-interval': { type: 'string' },
      'monitor-timeout': { type: 'string' },
      'resource-monitor': { type: 'string' },
      fault: { type: 'string', multiple: true },
      duration: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    out.write('usage: npm run example:mini-controller -- --cib FILE (--node NAME | --all) (--simulate | --i-own-these-nodes) [--fault reset:NODE@3s]... [--duration 20s]\n');
    return 0;
  }
  if (!values.cib) throw usageError('--cib FILE is required');
  if (!values.node && !values.all) throw usageError('give --node NAME (this cluster node) or --all');
  if (!values.simulate && !values['i-own-these-nodes']) {
    throw usageError(
      'refusing to connect to real nodes without --i-own-these-nodes: if a Pacemaker cluster manages them, our TLS handshake makes its controller drop the node ("unexpected client takeover") and it may be fenced. Use --simulate for a demo.',
    );
  }
  const faults = (values.fault ?? []).map(parseFault);
  if (faults.length && !values.simulate) throw usageError('--fault needs --simulate');

  let fencer: Fencer | undefined;
  if (values['fence-agent']) {
    const params: Record<string, string> = {};
    for (const p of values['fence-param'] ?? []) {
      const i = p.indexOf('=');
      if (i <= 0) throw usageError(`--fence-param expects K=V, got ${JSON.stringify(p)}`);
      params[p.slice(0, i)] = p.slice(i + 1);
    }
    fencer = new FenceAgentFencer({ agent: values['fence-agent'], params });
  } else if (values.fencer === 'stonith-admin') {
    fencer = new StonithAdminFencer();
  } else if (values.fencer !== undefined && values.fencer !== 'log') {
    throw usageError(`--fencer expects log or stonith-admin, got ${JSON.stringify(values.fencer)}`);
  }

  const cibPath = values.cib;
  const cibXml = cibPath === '-' ? await readStream(process.stdin) : await readFile(cibPath, 'utf8');
  const say = timeline(out);
  const reconnect = values['reconnect-interval'];
  const limit = durationMs(values.duration, 0, '--duration');
  const controller = await MiniController.start({
    cibXml,
    ...(values.node ? { node: values.node } : {}),
    all: !!values.all,
    simulate: !!values.simulate,
    ...(values['sim-version'] ? { simVersion: values['sim-version'] } : {}),
    ...(values.key ? { keyFile: values.key } : {}),
    ...(values.agent ? { agent: parseAgent(values.agent) } : {}),
    ...(fencer ? { fencer } : {}),
    ...(reconnect !== undefined ? { reconnectIntervalMs: durationMs(reconnect, 0, '--reconnect-interval') } : {}),
    resourceMonitorMs: durationMs(values['resource-monitor'], 10_000, '--resource-monitor'),
    connection: {
      monitorIntervalMs: durationMs(values['monitor-interval'], 2000, '--monitor-interval'),
      monitorTimeoutMs: durationMs(values['monitor-timeout'], 2000, '--monitor-timeout'),
    },
    log: say,
  });
  say(`mini-controller: ${values.all ? 'all remote/guest nodes' : `nodes placed on ${values.node}`}: ${controller.specs.map((s) => s.name).join(', ') || '(none)'}${values.simulate ? ' (simulated daemons on 127.0.0.1)' : ''}`);

  const timers: NodeJS.Timeout[] = [];
  for (const f of faults) {
    timers.push(
      setTimeout(() => {
        const sim = controller.simulated?.get(f.node);
        if (!sim) {
          say(`FAULT          ${f.node}: no such simulated node`);
          return;
        }
        say(`FAULT          ${f.node}: ${f.kind}`);
        if (f.kind === 'reset') sim.resetConnections();
        else if (f.kind === 'freeze') sim.pause();
        else if (f.kind === 'shutdown') void sim.requestShutdown();
        else void sim.restart({ downMs: 500 });
      }, f.delayMs),
    );
  }

  const onHup = () => {
    if (cibPath === '-') return;
    say('SIGHUP         re-reading the CIB');
    readFile(cibPath, 'utf8')
      .then((xml) => controller.reload(xml))
      .catch((err: unknown) => say(`reload failed: ${(err as Error).message}`));
  };
  process.on('SIGHUP', onHup);
  const removeSignalHandlers = await untilStopped(limit, say);
  process.off('SIGHUP', onHup);
  for (const t of timers) clearTimeout(t);

  const resources = new Map(controller.resources().map((r) => [r.node, r]));
  const fenced = (n: string) => controller.fencing.history(n).filter((h) => h.result === 'success').length;
  const rows = controller.manager.nodes().map((n) => ({
    node: n.name,
    kind: n.kind,
    state: n.state,
    attempts: n.attempts,
    losses: n.losses,
    fenced: fenced(n.name),
    resource: resources.get(n.name)?.resource,
    'resource state': resources.get(n.name)?.state,
    starts: resources.get(n.name)?.starts,
  }));
  out.write(`\n${renderTable(rows, ['node', 'kind', 'state', 'attempts', 'losses', 'fenced', 'resource', 'resource state', 'starts'])}\n\n`);
  await controller.close();
  say('done: connections, fencing and simulated daemons stopped');
  removeSignalHandlers();
  return 0;
}

runAsProgram(import.meta.url, 'mini-controller', main);
