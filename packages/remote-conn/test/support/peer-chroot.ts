/**
 * Test support: the NEWER real Pacemaker daemons, which live in the chroots `scripts/peers.sh` builds
 * (trixie = 3.0.0, sid = 3.0.3), and how one of them is started in its own network + mount namespace.
 *
 * The daemon runs in namespaces made by `unshare --net --mount` and kept by a holder process: in the mount
 * namespace `proc` is mounted and the chroot's `/dev/shm` and `/run` get a tmpfs (all of it disappears with
 * the namespace, so nothing is left mounted); in the network namespace it listens on one end of a veth pair
 * whose other end (a link-local /30 with a random number) sits in the test's own namespace. Its fixed-name
 * IPC servers therefore never meet another daemon's. The daemon and the holder are stopped by PID.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** The real Pacemaker versions the suites run against. */
export type DaemonVersion = '2.1.5' | '3.0.0' | '3.0.3';
/** Every version, oldest first: the version matrix of the real-daemon suites. */
export const DAEMON_VERSIONS: readonly DaemonVersion[] = ['2.1.5', '3.0.0', '3.0.3'];

/** Where each newer version comes from (a Debian suite built by scripts/peers.sh). */
export const PEER_SUITES: Record<Exclude<DaemonVersion, '2.1.5'>, string> = { '3.0.0': 'trixie', '3.0.3': 'sid' };

/** The cache directory of scripts/peers.sh. */
export const PEERS_DIR = process.env.PCMK_REMOTE_PEERS_DIR ?? '/opt/pcmk-remote-peers';

/** The chroot of `version` (FAILS with the command to run when it is missing or holds another version). */
export function peerRoot(version: Exclude<DaemonVersion, '2.1.5'>): string {
  const suite = PEER_SUITES[version];
  const root = join(PEERS_DIR, suite);
  const how = `Build it with 'bash scripts/peers.sh ${suite}' as root ('npm test' does).`;
  if (!existsSync(join(root, '.complete')) || !existsSync(join(root, 'usr/sbin/pacemaker-remoted'))) {
    throw new Error(`The Pacemaker ${version} chroot (${root}) is missing. ${how}`);
  }
  const got = readFileSync(join(root, '.pacemaker-version'), 'utf8').trim();
  if (!got.startsWith(`${version}-`) && got !== version) {
    throw new Error(`The ${suite} chroot (${root}) holds Pacemaker ${got}, not ${version}: the suites name the versions they test.`);
  }
  if (process.getuid?.() !== 0) throw new Error(`Real Pacemaker ${version} daemons run in namespaces and need root.`);
  return root;
}

/** Runs one of the chroot's programs (crm_simulate, crm_mon, ...) with the given arguments. */
export function peerTool(version: Exclude<DaemonVersion, '2.1.5'>, program: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): string {
  const root = peerRoot(version);
  return execFileSync('chroot', [root, program, ...args], { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...options.env }, input: options.input, maxBuffer: 64 << 20, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** The addresses of one daemon's veth pair: `host` is the test's end, `daemon` the one it listens on. */
export interface PeerLink {
  readonly hostAddress: string;
  readonly daemonAddress: string;
}

/** A random link-local /30 (169.254.R.4k+1 / +2); it exists only on the pair this fixture creates. */
export function randomLink(): PeerLink {
  const a = randomInt(1, 255);
  const b = randomInt(0, 64) * 4;
  return { hostAddress: `169.254.${a}.${b + 1}`, daemonAddress: `169.254.${a}.${b + 2}` };
}

// Runs in the new namespaces: wires them, then waits (as `sleep`, same PID) so they outlive any daemon.
const HOLD = `set -e
root=$1; addr=$2
ip link set lo up
i=0; until ip link show pcmk0 >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 500 ] || { echo "no veth" >&2; exit 97; }; sleep 0.01; done
ip addr add "$addr/30" dev pcmk0
ip link set pcmk0 up
mount -t proc proc "$root/proc"
mount -t tmpfs -o mode=1777 tmpfs "$root/dev/shm"
mount -t tmpfs -o mode=755 tmpfs "$root/run"
echo ready
exec sleep infinity`;

/**
 * The network + mount namespaces one chroot daemon lives in, kept by a holder process (so a killed daemon
 * leaves a host that refuses connections, as a real node does, and `/run` survives restarts). Killing the
 * holder by its PID (after the daemon) removes the namespaces, their mounts and the veth pair.
 */
export interface PeerNamespaces {
  readonly pid: number;
  /** Spawns `pacemaker-remoted` from the chroot inside the namespaces (`env`: PCMK_* with chroot paths). */
  spawnDaemon(env: NodeJS.ProcessEnv): ChildProcess;
  /**
   * SIGKILLs, by PID, every process left in the namespaces except the holder: what an exited daemon forked
   * (3.0's schema-fetch child outlives it and keeps its IPC sockets, so no new daemon could start).
   */
  killLeftovers(): Promise<void>;
  /** Kills the holder and whatever else is left, and waits until the namespaces are gone. */
  close(): Promise<void>;
}

const killAtExit = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of killAtExit) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

/** SIGKILLs `child` if this process exits while it runs (a test run that dies leaves no daemon behind). */
export function killAtProcessExit(child: ChildProcess): void {
  killAtExit.add(child);
  child.once('exit', () => killAtExit.delete(child));
}

/** Creates the namespaces of a daemon listening on `link.daemonAddress` in `root`. */
export async function openNamespaces(root: string, link: PeerLink): Promise<PeerNamespaces> {
  const holder = spawn('unshare', ['--net', '--mount', '--propagation', 'private', '--', 'bash', '-c', HOLD, 'hold', root, link.daemonAddress], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
  });
  const pid = holder.pid ?? -1;
  killAtProcessExit(holder);
  const gone = new Promise<void>((r) => holder.once('exit', () => r()));
  const hostIf = `pcmkr${pid}`;
  let out = '';
  let err = '';
  holder.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  holder.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  try {
    // The peer end moves into the holder's namespace once it has one (unshare without --fork keeps the PID;
    // until unshare(2) has run, the PID is still in our namespace).
    const ours = readlinkSync('/proc/self/ns/net');
    const nsDeadline = Date.now() + 5000;
    for (;;) {
      let theirs = ours;
      try {
        theirs = readlinkSync(`/proc/${pid}/ns/net`);
      } catch {
        /* not there yet */
      }
      if (theirs !== ours) break;
      if (holder.exitCode !== null || Date.now() > nsDeadline) throw new Error(`unshare did not create the namespaces: ${err}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    execFileSync('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'pcmk0', 'netns', String(pid)], { stdio: 'pipe' });
    execFileSync('ip', ['addr', 'add', `${link.hostAddress}/30`, 'dev', hostIf], { stdio: 'pipe' });
    execFileSync('ip', ['link', 'set', hostIf, 'up'], { stdio: 'pipe' });
    const deadline = Date.now() + 5000;
    while (!out.includes('ready')) {
      if (holder.exitCode !== null || Date.now() > deadline) throw new Error(`namespace set-up failed: ${err}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } catch (e) {
    holder.kill('SIGKILL');
    await gone;
    throw new Error(`could not set up the daemon's namespaces: ${String((e as { stderr?: Buffer }).stderr ?? e)}`);
  }
  holder.stdout?.destroy();
  holder.stderr?.destroy();
  const netns = readlinkSync(`/proc/${pid}/ns/net`);
  const members = () =>
    readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d) && Number(d) !== pid)
      .filter((d) => {
        try {
          return readlinkSync(`/proc/${d}/ns/net`) === netns;
        } catch {
          return false;
        }
      })
      .map(Number);
  const killLeftovers = async () => {
    const deadline = Date.now() + 3000;
    for (let left = members(); left.length > 0 && Date.now() < deadline; left = members()) {
      for (const p of left) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return {
    pid,
    spawnDaemon: (env) =>
      // nsenter without --fork execs the chroot, which execs the daemon: the PID is the daemon's.
      spawn('nsenter', ['-t', String(pid), '-n', '-m', '--', 'chroot', root, '/usr/sbin/pacemaker-remoted'], {
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...env },
      }),
    killLeftovers,
    close: async () => {
      await killLeftovers();
      if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
      await gone;
      await waitLinkGone(hostIf);
    },
  };
}

/** True when the process `pid` listens on TCP `port` in its own network namespace. */
export function listensInNamespace(pid: number, port: number): boolean {
  try {
    return execFileSync('nsenter', ['-t', String(pid), '-n', 'ss', '-ltnpH', `sport = :${port}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes(`pid=${pid},`);
  } catch {
    return false;
  }
}

/** Waits until the host end of a veth pair is gone (deletes it after `timeoutMs`). */
async function waitLinkGone(name: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      execFileSync('ip', ['link', 'show', name], { stdio: 'ignore' });
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  try {
    execFileSync('ip', ['link', 'del', name], { stdio: 'ignore' });
  } catch {
    /* gone meanwhile */
  }
}
