/**
 * Which Pacemaker the fixture's cluster runs: the seam between "how a node's namespaces get the stack's
 * programs" and everything else (networking, configuration, process control), so the same cluster can run
 * on another Pacemaker release.
 *
 * - `{ kind: 'host' }`: Debian 12's Pacemaker 2.1.5. The host has `pacemaker-remote`, the CLI tools, the
 *   shared libraries and corosync installed; the `pacemaker` package (which Conflicts with
 *   `pacemaker-remote`) is extracted by `scripts/ensure-real-cluster.sh` and overlaid on `/usr/lib` and
 *   `/usr/sbin` inside each cluster node's private mount namespace only.
 * - `{ kind: 'chroot', root }`: a root file system holding another Pacemaker (e.g. 3.0.x). Every program
 *   then runs as `chroot ROOT ...` and the private directories are mounted under ROOT. Reserved: the
 *   fixture refuses it until a chroot builder exists (the setup below already takes the root prefix).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
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
  readonly root: string;
  /** Shell lines run inside a fresh node's mount namespace after its private directories are mounted. */
  mountLines(role: 'cluster' | 'remote'): string[];
  /** The argv that runs `argv` of the stack inside a node's namespaces (after `nsenter ... --`). */
  command(argv: readonly string[]): string[];
}

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
  if (stack.kind === 'chroot') {
    throw new ClusterFixtureError(
      'ERR_CLUSTER_STACK_UNSUPPORTED',
      `stack kind 'chroot' (${stack.root}) is reserved for other Pacemaker releases and not implemented yet`,
    );
  }
  const pkg = stack.pkg ?? ensureHostStack();
  if (!existsSync(`${pkg}/usr/sbin/pacemakerd`)) {
    throw new ClusterFixtureError('ERR_CLUSTER_STACK_MISSING', `${pkg}/usr/sbin/pacemakerd is missing: run bash scripts/ensure-real-cluster.sh as root`);
  }
  return {
    description: `host (${pkg.split('/').pop()})`,
    root: '',
    mountLines: (role) =>
      role === 'cluster'
        ? [
            `mount -t overlay overlay -o lowerdir=${pkg}/usr/lib:/usr/lib /usr/lib`,
            `mount -t overlay overlay -o lowerdir=${pkg}/usr/sbin:/usr/sbin /usr/sbin`,
          ]
        : [],
    command: (argv) => [...argv],
  };
}
