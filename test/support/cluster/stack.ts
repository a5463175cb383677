/**
 * Which Pacemaker the fixture's cluster runs: the seam between "how a node's namespaces get the stack's
 * programs" and everything else (networking, configuration, process control), so the same cluster can run
 * on another Pacemaker release.
 *
 * - `{ kind: 'host' }`: Debian 12's Pacemaker 2.1.5. The host has `pacemaker-remote`, the CLI tools, the
 *   shared libraries and corosync installed; the `pacemaker` package (which Conflicts with
 *   `pacemaker-remote`) is extracted by `scripts/ensure-real-cluster.sh` and overlaid on `/usr/lib` and
 *   `/usr/sbin` inside each cluster node's private mount namespace only.
 * - `{ kind: 'chroot', root }`: a root file system holding another Pacemaker (e.g. 3.0.3, the `sid-cluster`
 *   chroot `scripts/peers.sh` builds). On CLUSTER nodes every stack program runs as `chroot ROOT ...`, the
 *   private directories are mounted under ROOT, and ROOT gets `/proc`, `/sys`, `/dev` (and its own tmpfs
 *   `/dev/shm`) inside the node's mount namespace only. Host programs run in a cluster node (our CLI through
 *   `runInNode`) find the stack's tools first on PATH: wrappers `exec chroot ROOT /usr/sbin/TOOL "$@"`.
 *   REMOTE nodes keep the host's Pacemaker 2.1.5 `pacemaker-remoted`: a mixed-version cluster, as a
 *   rolling upgrade has.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NODE_BINDS } from './config.js';
import { ClusterFixtureError } from './errors.js';

/** Where the fixture's cluster gets Pacemaker from. */
export type ClusterStack =
  | {
      kind: 'host';
      /** The extracted `pacemaker` .deb (default: what `scripts/ensure-real-cluster.sh` prints). */
      pkg?: string;
    }
  | {
      kind: 'chroot';
      /** Root file system with corosync, Pacemaker and its CLI tools installed. */
      root: string;
    };

/** What the rest of the fixture needs from a stack. */
export interface StackDriver {
  /** For messages and reports, e.g. `host (Pacemaker 2.1.5)`. */
  readonly description: string;
  /** Prefix of every path the node setup mounts over (`''` on the host, the chroot's root otherwise). */
  root(role: NodeRole): string;
  /** Shell lines run inside a fresh node's mount namespace before its private `/run`, `/dev/shm` and directories are mounted. */
  mountLines(role: NodeRole): string[];
  /** The argv that runs `argv` of the stack inside a node's namespaces (after `nsenter ... --`). */
  command(argv: readonly string[], role: NodeRole): string[];
  /**
   * The argv prefix (after `nsenter ... --`) under which a HOST program run in a node finds the stack's
   * tools (`cibadmin`, `crm_mon`, ...) on PATH; `[]` when the host's are the stack's. `dir`: the cluster's
   * working directory (wrappers may be written there).
   */
  hostPrefix(role: NodeRole, dir: string): string[];
}

export type NodeRole = 'cluster' | 'remote';

const repoRoot = resolve(import.meta.dirname, '../../..');

/** Runs the install script (idempotent; installs as root, fails with the command to run otherwise). */
export function ensureHostStack(): string {
  try {
    return execFileSync('bash', [resolve(repoRoot, 'scripts/ensure-real-cluster.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
      .trim()
      .split('\n')
      .pop()!;
  } catch (e) {
    const err = e as { stderr?: string };
    throw new ClusterFixtureError('ERR_CLUSTER_STACK_MISSING', `the real-cluster stack is not installed: ${err.stderr?.trim() || String(e)}`);
  }
}

/** Resolves a {@link ClusterStack} to its driver; installs the host stack when needed. */
export function stackDriver(stack: ClusterStack): StackDriver {
  if (stack.kind === 'chroot') return chrootDriver(stack.root);
  const pkg = stack.pkg ?? ensureHostStack();
  if (!existsSync(`${pkg}/usr/sbin/pacemakerd`)) {
    throw new ClusterFixtureError('ERR_CLUSTER_STACK_MISSING', `${pkg}/usr/sbin/pacemakerd is missing: run bash scripts/ensure-real-cluster.sh as root`);
  }
  return {
    description: `host (${pkg.split('/').pop()})`,
    root: () => '',
    mountLines: (role) =>
      role === 'cluster'
        ? [
            `mount -t overlay overlay -o lowerdir=${pkg}/usr/lib:/usr/lib /usr/lib`,
            `mount -t overlay overlay -o lowerdir=${pkg}/usr/sbin:/usr/sbin /usr/sbin`,
          ]
        : [],
    command: (argv) => [...argv],
    hostPrefix: () => [],
  };
}

/**
 * The cluster chroot `scripts/peers.sh NAME` builds (default `sid-cluster`: Pacemaker 3.0.3). A complete
 * cached chroot is used as it is (`npm test` runs peers.sh first, which rebuilds it when the registry
 * serves a newer version); otherwise peers.sh is run here (as root; it fails with the command otherwise).
 */
export function ensureChrootStack(name = 'sid-cluster'): string {
  try {
    const dir = join(execFileSync('bash', [resolve(repoRoot, 'scripts/peers.sh'), '--print-dir'], { encoding: 'utf8' }).trim(), name);
    if (!existsSync(`${dir}/.complete`)) execFileSync('bash', [resolve(repoRoot, 'scripts/peers.sh'), name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return dir;
  } catch (e) {
    const err = e as { stderr?: string };
    throw new ClusterFixtureError('ERR_CLUSTER_STACK_MISSING', `the ${name} cluster chroot is not built: ${err.stderr?.trim() || String(e)}`);
  }
}

/** The Pacemaker tools a host program may call, wrapped to run inside the chroot. */
const TOOL_PATTERN = /^(cibadmin|crm_[a-z_]+|stonith_admin|attrd_updater|corosync-[a-z]+)$/;

function chrootDriver(root: string): StackDriver {
  if (!existsSync(`${root}/usr/sbin/pacemakerd`) || !existsSync(`${root}/usr/sbin/corosync`)) {
    throw new ClusterFixtureError('ERR_CLUSTER_STACK_MISSING', `${root} holds no pacemakerd/corosync: build it with bash scripts/peers.sh sid-cluster (as root)`);
  }
  let version = '?';
  try {
    version = readFileSync(`${root}/.pacemaker-version`, 'utf8').trim();
  } catch {
    /* built by hand: no version file */
  }
  return {
    description: `chroot ${root} (Pacemaker ${version})`,
    root: (role) => (role === 'cluster' ? root : ''),
    mountLines: (role) =>
      role === 'cluster'
        ? [
            // The chroot may lack a mount point (no /var/lib/corosync until corosync first runs).
            `mkdir -p ${NODE_BINDS.map(([, dst]) => `${root}${dst}`).join(' ')}`,
            `mount -t proc proc ${root}/proc`,
            `mount --rbind /sys ${root}/sys`,
            `mount --rbind /dev ${root}/dev`, // before the node's private /run and /dev/shm go on top
          ]
        : [],
    command: (argv, role) => (role === 'cluster' ? ['chroot', root, ...argv] : [...argv]),
    hostPrefix: (role, dir) => {
      if (role !== 'cluster') return [];
      const bin = join(dir, 'stack-bin');
      if (!existsSync(bin)) {
        mkdirSync(bin, { recursive: true });
        for (const tool of readdirSync(`${root}/usr/sbin`).filter((t) => TOOL_PATTERN.test(t))) {
          const file = join(bin, tool);
          writeFileSync(file, `#!/bin/sh\nexec chroot ${root} /usr/sbin/${tool} "$@"\n`);
          chmodSync(file, 0o755);
        }
      }
      return ['env', `PATH=${bin}:${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`];
    },
  };
}
