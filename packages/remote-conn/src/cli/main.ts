#!/usr/bin/env node
/**
 * The `pcmk-remote` command line.
 */
import { Command, InvalidArgumentError } from 'commander';
import { isRemoteConnError } from '../errors.js';
import { generateAuthKey } from './keygen.js';
import { runWatch } from './watch.js';
import { runDemo } from './demo.js';

const program = new Command();
program
  .name('pcmk-remote')
  .description('Connect to Pacemaker Remote nodes from the cluster side: probe, watch, inspect CIBs, make keys, run the demo.')
  .showHelpAfterError();

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('not an integer');
  return n;
};

program
  .command('keygen')
  .description('write a new random authkey (mode 0640, group haclient where it exists)')
  .option('--bytes <n>', 'key length in bytes', int, 256)
  .option('--out <file>', 'where to write it', '/etc/pacemaker/authkey')
  .option('--force', 'replace an existing key file')
  .action((o: { bytes: number; out: string; force?: boolean }) => {
    const r = generateAuthKey({ bytes: o.bytes, out: o.out, force: !!o.force });
    process.stdout.write(`wrote ${r.bytes}-byte key to ${r.path}${r.group ? ` (group ${r.group})` : ''}; copy it to every cluster and remote node\n`);
  });

program
  .command('watch')
  .description('keep connections to nodes and show their states (a live table on a TTY, JSON lines otherwise)')
  .option('--node <name=host[:port]>', 'a node to watch (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
  .option('--key <file>', 'authkey (default: $PCMK_authkey_location or /etc/pacemaker/authkey)')
  .option('--json', 'one JSON line per event even on a TTY')
  .option('--reconnect-interval <duration>', 'reconnect_interval for every node (e.g. 30s)')
  .option('--monitor-interval <duration>', 'poke interval (default 30s)')
  .option('--monitor-timeout <duration>', 'poke timeout (default 30s)')
  .option('--duration <duration>', 'stop after this long')
  .action(async (o) => runWatch(o));

program
  .command('demo')
  .description('run simulated remote and guest nodes with the manager and fencing hooks, inject faults, print a timeline')
  .action(async () => runDemo());

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const code = isRemoteConnError(err) ? ` [${err.code}]` : '';
    process.stderr.write(`pcmk-remote: ${(err as Error).message}${code}\n`);
    process.exitCode = 2;
  }
}

await main();
