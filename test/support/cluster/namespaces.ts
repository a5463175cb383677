/**
 * Namespace holders and process control for the real-cluster fixture: a holder is a `sleep infinity` in
 * fresh network + mount + UTS namespaces (`unshare -n -m -u --propagation private`); commands and daemons
 * enter them with `nsenter`. Processes are found and stopped by PID, never by name.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { ClusterFixtureError } from './errors.js';

/** Result of a command run inside a node's namespaces. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Every child the fixture spawned, and every holder's namespaces: killed if the process exits without `stop()`. */
const spawned = new Set<ChildProcess>();
const holders = new Set<NamespaceHolder>();
process.on('exit', () => {
  // Synchronous: every process in a held network namespace (pacemakerd's children too), then our children.
  for (const h of holders) {
    for (const p of pidsInNetns(h.netLink)) signal(p, 'SIGKILL');
  }
  for (const c of spawned) {
    if (c.pid && c.exitCode === null && c.signalCode === null) signal(c.pid, 'SIGKILL');
  }
});

/** The namespace inode link (`net:[4026...]`) of a process, or undefined when it is gone. */
export function nsOf(pid: number | 'self', ns: 'net' | 'mnt' | 'uts'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/${ns}`);
  } catch {
    return undefined;
  }
}

/** True while `pid` exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Waits until `pid` is gone (or a zombie); false after `timeoutMs`. */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > end) return false;
    await sleep(50);
  }
  return true;
}

/** PIDs of every process whose network namespace is `netLink` (see {@link nsOf}). */
export function pidsInNetns(netLink: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid !== process.pid && nsOf(pid, 'net') === netLink && alive(pid)) out.push(pid);
  }
  return out;
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** Spawns a detached long-running process, output appended to `logFile` (or discarded). */
export function spawnDaemon(argv: readonly string[], opts: { logFile?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  const fd = opts.logFile ? openSync(opts.logFile, 'a') : 'ignore';
  const child = spawn(argv[0]!, argv.slice(1), {
    detached: true,
    cwd: '/',
    stdio: ['ignore', fd, fd],
    env: opts.env ?? process.env,
  });
  if (typeof fd === 'number') closeSync(fd);
  spawned.add(child);
  child.on('exit', () => spawned.delete(child));
  child.on('error', () => spawned.delete(child));
  return child;
}

/** Lets a `cluster.sh up` process exit while its daemons keep running. */
export function detachAll(): void {
  for (const c of spawned) c.unref();
  spawned.clear();
  holders.clear();
}

/** Runs a command to completion; never throws for a non-zero exit (see `code`). */
export function run(argv: readonly string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      argv[0]!,
      argv.slice(1),
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 60_000, killSignal: 'SIGKILL', cwd: '/', env: opts.env ?? process.env },
      (err, stdout, stderr) => {
        if (err && typeof (err as { code?: unknown }).code !== 'number') {
          if ((err as { killed?: boolean }).killed) {
            reject(new ClusterFixtureError('ERR_CLUSTER_TIMEOUT', `${argv.join(' ')} did not finish within ${opts.timeoutMs ?? 60_000} ms`));
          } else reject(new ClusterFixtureError('ERR_CLUSTER_EXEC', `${argv.join(' ')}: ${err.message}`));
          return;
        }
        resolve({ code: err ? Number((err as { code?: unknown }).code) : 0, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Runs a command and throws with its output when it exits non-zero. */
export async function runOk(argv: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0) {
    throw new ClusterFixtureError('ERR_CLUSTER_EXEC', `${argv.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
  }
  return r.stdout;
}

/** A set of namespaces held by a `sleep infinity` (its PID is the handle). */
export class NamespaceHolder {
  private constructor(
    readonly pid: number,
    readonly netLink: string,
    private readonly child: ChildProcess | undefined,
  ) {}

  /** Starts a holder and waits until it really is in new namespaces (so nothing is ever set up in ours). */
  static async start(kinds: { mount: boolean }): Promise<NamespaceHolder> {
    const flags = kinds.mount ? ['-n', '-m', '-u', '--propagation', 'private'] : ['-n'];
    const child = spawnDaemon(['unshare', ...flags, 'sleep', 'infinity']);
    const pid = child.pid;
    if (!pid) throw new ClusterFixtureError('ERR_CLUSTER_SETUP', 'unshare did not start (is util-linux installed and are we root?)');
    const ours = { net: nsOf('self', 'net'), mnt: nsOf('self', 'mnt') };
    const end = Date.now() + 5000;
    for (;;) {
      const net = nsOf(pid, 'net');
      const moved = net !== undefined && net !== ours.net && (!kinds.mount || nsOf(pid, 'mnt') !== ours.mnt);
      if (moved && readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep')) {
        const h = new NamespaceHolder(pid, net, child);
        holders.add(h);
        return h;
      }
      if (!alive(pid) || Date.now() > end) {
        signal(pid, 'SIGKILL');
        throw new ClusterFixtureError('ERR_CLUSTER_SETUP', `unshare ${flags.join(' ')} failed (root is needed for the real-cluster fixture)`);
      }
      await sleep(10);
    }
  }

  /** Re-attaches to a holder started by another process (`scripts/cluster.sh`). */
  static attach(pid: number): NamespaceHolder {
    const net = nsOf(pid, 'net');
    if (!net || !alive(pid)) throw new ClusterFixtureError('ERR_CLUSTER_STOPPED', `namespace holder ${pid} is not running`);
    return new NamespaceHolder(pid, net, undefined);
  }

  /** `nsenter` prefix that runs a program in these namespaces. */
  enter(mount = true, cwd?: string): string[] {
    const wd = cwd ? [`--wd=${cwd}`] : [];
    return mount ? ['nsenter', '-t', String(this.pid), '-n', '-m', '-u', ...wd, '--'] : ['nsenter', '-t', String(this.pid), '-n', ...wd, '--'];
  }

  /** Every live process in these namespaces except the holder itself. */
  members(): number[] {
    return pidsInNetns(this.netLink).filter((p) => p !== this.pid);
  }

  /** SIGKILLs every member (not the holder) and waits until they are gone. */
  async killMembers(timeoutMs = 5000): Promise<void> {
    for (let round = 0; round < 5; round++) {
      const pids = this.members();
      if (pids.length === 0) return;
      for (const p of pids) signal(p, 'SIGKILL');
      await Promise.all(pids.map((p) => waitGone(p, timeoutMs)));
    }
  }

  /** Kills the members, then the holder; the namespaces (and every mount in them) go with it. */
  async dispose(): Promise<void> {
    await this.killMembers();
    signal(this.pid, 'SIGKILL');
    if (!(await waitGone(this.pid, 5000))) throw new ClusterFixtureError('ERR_CLUSTER_SETUP', `namespace holder ${this.pid} did not exit`);
    holders.delete(this);
    this.child?.unref();
  }
}
