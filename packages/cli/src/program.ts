/**
 * The `pcmk-remote` command line as a function: {@link runCli} parses argv, runs one command on the given
 * streams and resolves with the exit code. `main.ts` calls it for the real process; tests call it in-process.
 *
 * Exit codes: 0 success; 1 the target answered but a check failed (`probe`); 2 usage error, unreadable
 * input, local configuration problem (key), or an unreachable target.
 */
import { createRequire } from 'node:module';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ErrorCodes, RemoteConnError, isRemoteConnError } from '@pcmk-remote/remote-conn';
import { generateAuthKey } from './keygen.js';
import { runWatch } from './watch.js';
import { runDemo } from './demo.js';
import { runProbe } from './probe.js';
import { runNodes } from './nodes.js';
import { runSimulate } from './simulate.js';
import { runNodesLive, runWatchLive } from './live.js';
import { ExitCode, processIo, type CliIo } from './io.js';

/** The version of the `pcmk-remote` package (its package.json sits next to `src/` and `dist/`). */
export const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('not an integer');
  return n;
};

/** Builds a fresh program whose actions write to `io` and report their exit code through `setCode`. */
export function buildProgram(io: CliIo, setCode: (code: number) => void): Command {
  const program = new Command();
  program
    .name('pcmk-remote')
    .description('Connect to Pacemaker Remote nodes from the cluster side: probe, watch, inspect CIBs, make keys, run the demo.')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  program
    .command('probe')
    .description(
      'check one pacemaker-remoted step by step. By default it stops before the TLS handshake completes (TCP, then ' +
        'whether the daemon answers a TLS 1.2 PSK hello with a suite we support), which is safe even for nodes a ' +
        'live cluster owns. --full also checks the key, registration, poke and the executor, and makes an owning ' +
        'cluster drop the node (it may be fenced). Exit 0: all steps ok; 1: the node answered but a check failed; ' +
        '2: usage error, local key problem, or nothing answered.',
    )
    .argument('<host[:port]>', 'the node (port: $PCMK_remote_port, else 3121)')
    .option('--key <file>', 'authkey for --full (default: $PCMK_authkey_location, else /etc/pacemaker/authkey)')
    .option('--timeout <duration>', 'budget of the connection and of each request (e.g. 500ms, 10s, 1m)', '10s')
    .option('--json', 'print one JSON object: { host, port, mode, ok, exitCode, handshakeCompleted, steps: [{ step, ok, ms, detail, error: { code, message }, hint }], note }')
    .option('--full', 'complete the handshake, register, poke (only on nodes no live cluster owns)')
    .action(async (target: string, o: { key?: string; timeout?: string; json?: boolean; full?: boolean }) => {
      setCode(await runProbe(target, o, io));
    });

  program
    .command('nodes')
    .description('list the remote and guest nodes of a CIB with their connection parameters and states (never connects)')
    .option('--cib <file>', 'the CIB (cibadmin --query output); - reads standard input')
    .option('--json', 'print { nodes, diagnostics } as JSON')
    .option('--live', "read the CIB of the cluster this machine belongs to (as cibadmin --query does) instead of --cib")
    .action(async (o: { cib?: string; json?: boolean; live?: boolean }) => {
      if (o.live && o.cib !== undefined) {
        io.stderr.write('pcmk-remote nodes: use either --cib or --live\n');
        setCode(2);
        return;
      }
      setCode(o.live ? await runNodesLive(o, io) : await runNodes(o, io));
    });

  program
    .command('keygen')
    .description(
      'write a new random authkey (mode 0640, group haclient where it exists); with --x509, a CA, a server and a ' +
        'client certificate for Pacemaker 3.0+ X.509 mode instead, and the PCMK_* lines and client options to use them',
    )
    .option('--bytes <n>', 'key length in bytes', int, 256)
    .option('--out <file>', 'where to write it', '/etc/pacemaker/authkey')
    .option('--x509', 'make certificates instead of a pre-shared key (needs --out-dir)')
    .option('--out-dir <dir>', 'with --x509: directory for ca.pem, ca-key.pem, server.pem, server-key.pem, client.pem, client-key.pem')
    .option('--days <n>', 'with --x509: validity of the certificates in days', int, 1095)
    .option('--force', 'replace an existing key file (or certificates)')
    .action(async (o: { bytes: number; out: string; force?: boolean; x509?: boolean; outDir?: string; days: number }) => {
      if (o.x509 || o.outDir !== undefined) {
        if (!o.x509 || o.outDir === undefined) throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, '--x509 and --out-dir go together');
        // Loaded on demand: the X.509 library (and its Reflect polyfill) only for this command.
        const { generateX509, x509Instructions } = await import('./x509-keygen.js');
        const r = await generateX509({ outDir: o.outDir, days: o.days, force: !!o.force });
        io.stdout.write(x509Instructions(r));
        return;
      }
      const r = generateAuthKey({ bytes: o.bytes, out: o.out, force: !!o.force });
      io.stdout.write(`wrote ${r.bytes}-byte key to ${r.path}${r.group ? ` (group ${r.group})` : ''}; copy it to every cluster and remote node\n`);
    });

  program
    .command('watch')
    .description('keep connections to nodes and show their states (a live table on a TTY, JSON lines otherwise); only for nodes no live cluster owns')
    .option('--cib <file>', "watch the CIB's remote and guest nodes (- reads standard input)")
    .option('--only-running-on <node>', 'with --cib: only nodes whose connection resource runs on this cluster node')
    .option('--node <name=host[:port]>', 'a node to watch (repeatable; replaces a CIB node of the same name)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--key <file>', 'authkey (default: $PCMK_authkey_location or /etc/pacemaker/authkey)')
    .option('--json', 'one JSON line per event even on a TTY')
    .option('--reconnect-interval <duration>', 'reconnect_interval for every node (e.g. 30s); default: the CIB value, else 0')
    .option('--monitor-interval <duration>', 'poke interval (default 30s)')
    .option('--monitor-timeout <duration>', 'poke timeout (default 30s)')
    .option('--connect-timeout <duration>', 'start budget when the CIB gives none (default 60s)')
    .option('--duration <duration>', 'stop after this long')
    .option('--live', "follow the live CIB of the cluster this machine belongs to and print one line per change of a node's state or connection placement; never connects to nodes (with --only-running-on, --json, --duration)")
    .action(async (o) => {
      if (o.live) {
        if (o.cib !== undefined || o.node.length > 0) {
          io.stderr.write('pcmk-remote watch --live: --cib and --node do not apply (the live CIB is followed, nothing is connected to)\n');
          setCode(2);
          return;
        }
        setCode(await runWatchLive(o, io));
        return;
      }
      setCode(await runWatch(o, io));
    });

  program
    .command('simulate')
    .description(
      'run N simulated remote nodes (pacemaker-remoted 2.1.5 as the real controller sees it) in the foreground until ' +
        'SIGINT/SIGTERM: one line per node with its address, a progress line, a summary table at the end. --cib-out ' +
        'writes the <configuration> fragment that hands them to a cluster (cibadmin --modify --xml-file FILE).',
    )
    .requiredOption('--nodes <n>', 'how many nodes')
    .option('--base-port <port>', 'port of the first node; node i listens on base + i - 1', '3121')
    .option('--host <address>', 'address every node listens on', '127.0.0.1')
    .option('--key <file>', 'authkey (default: $PCMK_authkey_location, else /etc/pacemaker/authkey)')
    .option('--prefix <name>', 'node names are <prefix>1..<prefix>N', 'sim')
    .option('--cib-out <file>', 'write the CIB fragment (remote connections, or guests with --guests, and their constraints)')
    .option('--place-on <node>', 'with --cib-out: locate each connection (or container) on this cluster node')
    .option('--guests', 'with --cib-out: guest nodes (an ocf:pacemaker:Dummy container each) instead of remote nodes')
    .option('--dummies', 'with --cib-out: an ocf:pacemaker:Dummy per node, located there with resource-discovery=exclusive')
    .option('--reconnect-interval <duration>', 'with --cib-out: reconnect_interval of the connections', '15s')
    .option('--duration <duration>', 'stop after this long')
    .option('--progress-interval <duration>', 'how often the progress line is refreshed', '2s')
    .action(async (o) => {
      setCode(await runSimulate(o, io));
    });

  program
    .command('demo')
    .description('run simulated remote and guest nodes with the manager and fencing hooks, inject faults, print a timeline')
    .action(async () => runDemo(io.stdout));

  return program;
}

/** Runs the CLI with `argv` (user arguments only, without `node` and the script); resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let code: number = ExitCode.OK;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help / --version exit 0; every parse error is a usage error.
      return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE_OR_UNREACHABLE;
    }
    const c = isRemoteConnError(err) ? ` [${err.code}]` : typeof (err as { code?: unknown })?.code === 'string' ? ` [${(err as { code: string }).code}]` : '';
    io.stderr.write(`pcmk-remote: ${(err as Error)?.message ?? String(err)}${c}\n`);
    return ExitCode.USAGE_OR_UNREACHABLE;
  }
}
