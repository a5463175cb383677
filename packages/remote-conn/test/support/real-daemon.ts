/**
 * Test fixture: runs a REAL pacemaker-remoted of a chosen version with its own temporary authkey, and stops
 * it by PID. `2.1.5` (the default) is the host's Debian 12 daemon on 127.0.0.1 and a free port; `3.0.0` and
 * `3.0.3` run from the chroots of scripts/peers.sh in their own network + mount namespaces
 * (see peer-chroot.ts), on port 3121 of a link-local address that exists only on their veth pair.
 *
 * Only one daemon can run per network namespace (its libqb IPC sockets are abstract sockets with fixed
 * names), so `npm test` runs the suites inside `unshare -n`. This fixture refuses to start when another
 * pacemaker-remoted already serves this namespace, and never connects to a daemon it did not start.
 *
 * The fixture FAILS (never skips) when the daemon is not installed: interoperability claims need it.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAtProcessExit, listensInNamespace, openNamespaces, peerRoot, randomLink, type DaemonVersion } from './peer-chroot.js';

export { DAEMON_VERSIONS, type DaemonVersion } from './peer-chroot.js';

export const REMOTED_BIN = '/usr/sbin/pacemaker-remoted';

export interface RealDaemonOptions {
  /** Length of the random key to create (default 256, as pcs does). Ignored when `key` is given. */
  keyBytes?: number;
  /** Use this key instead of a random one. */
  key?: Buffer;
  /** Port to listen on (default: a free one). */
  port?: number;
  /** Address to bind (default 127.0.0.1). Only loopback addresses are allowed. */
  address?: '127.0.0.1' | '::1';
  /** PCMK_debug=yes. */
  debug?: boolean;
  /** Which real Pacemaker runs (default `2.1.5`, the host's). */
  version?: DaemonVersion;
  /**
   * X.509 instead of PSK (3.0 only): PEM files on the host, copied next to the daemon and named in
   * PCMK_ca_file / PCMK_cert_file / PCMK_key_file (and PCMK_crl_file).
   */
  x509?: { ca: string; cert: string; key: string; crl?: string };
  /** Extra environment of the daemon (e.g. PCMK_node_start_state; its agents inherit it, e.g. `HA_SBIN_DIR`). */
  env?: Record<string, string>;
}

export interface RealDaemon {
  readonly host: string;
  readonly port: number;
  readonly key: Buffer;
  readonly keyPath: string;
  readonly dir: string;
  /** The Pacemaker version that runs. */
  readonly version: DaemonVersion;
  /** PID of the running daemon (changes after `start()` following a stop). */
  readonly pid: number;
  readonly running: boolean;
  /** The daemon's log so far. */
  log(): string;
  /** Sends a signal to the daemon. */
  signal(sig: NodeJS.Signals): void;
  /** Resolves with the exit code (or signal name) when the daemon exits, or rejects after `timeoutMs`. */
  waitExit(timeoutMs?: number): Promise<number | string>;
  /** SIGTERM, wait up to 5 s, then SIGKILL. Resolves when the process is gone. */
  stop(): Promise<void>;
  /** Starts the daemon again on the same port with the same key (after stop or a crash). */
  start(): Promise<void>;
  /** Stops the daemon and removes its directory. */
  dispose(): Promise<void>;
}


/** A free TCP port on 127.0.0.1 (race-free enough for tests: the daemon binds it right after). */
export async function freePort(address = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, address, () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function listeningPids(port: number): string {
  try {
    return execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

function otherDaemonInNamespace(): boolean {
  try {
    return /@lrmd\b/.test(execFileSync('ss', ['-xlH'], { encoding: 'utf8' }));
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a real daemon; see {@link RealDaemonOptions}. */
export async function startRealDaemon(options: RealDaemonOptions = {}): Promise<RealDaemon> {
  const version = options.version ?? '2.1.5';
  if (version !== '2.1.5') return startPeerDaemon(version, options);
  if (options.x509) throw new Error('Pacemaker 2.1.5 has no X.509 for remote nodes');
  if (!existsSync(REMOTED_BIN)) {
    throw new Error(
      `${REMOTED_BIN} is not installed. Run the tests with 'npm test' (it installs Debian's pacemaker-remote as root), ` +
        `or install it: apt-get install -y pacemaker-remote pacemaker-cli-utils`,
    );
  }
  if (otherDaemonInNamespace()) {
    throw new Error(
      'Another pacemaker-remoted already runs in this network namespace (only one can). Run real-daemon tests ' +
        "with 'npm test', which gives the run its own namespace (unshare -n), or stop the other daemon.",
    );
  }
  const address = options.address ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'pcmk-remoted-'));
  const key = options.key ?? randomBytes(options.keyBytes ?? 256);
  const keyPath = join(dir, 'authkey');
  writeFileSync(keyPath, key, { mode: 0o640 });
  chmodSync(keyPath, 0o640);
  const logPath = join(dir, 'remoted.log');
  const port = options.port ?? (await freePort(address));
  const env = {
    PCMK_remote_address: address,
    PCMK_remote_port: String(port),
    PCMK_authkey_location: keyPath,
    PCMK_logfile: logPath,
    PCMK_logfacility: 'none',
    PCMK_debug: options.debug ? 'yes' : 'no',
    ...options.env,
  };
  const proc = managed({
    where: `${address}:${port}`,
    logPath,
    // Something else listens on the port: never talk to a daemon we did not start.
    beforeSpawn: () => {
      if (listeningPids(port).trim()) throw new Error(`port ${port} is already in use`);
    },
    spawn: () =>
      spawn(REMOTED_BIN, [], { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...env } }),
    listening: (pid) => listeningPids(port).includes(`pid=${pid},`),
  });
  await proc.start();
  return handle({ host: address, port, key, keyPath, dir, version, logPath, ...proc });
}

/** A 3.0 daemon from its chroot, in its own network + mount namespaces (see peer-chroot.ts). */
async function startPeerDaemon(version: Exclude<DaemonVersion, '2.1.5'>, options: RealDaemonOptions): Promise<RealDaemon> {
  const root = peerRoot(version);
  const dir = mkdtempSync(join(root, 'tmp', 'pcmk-remoted-'));
  const inRoot = (p: string) => p.slice(root.length);
  const key = options.key ?? randomBytes(options.keyBytes ?? 256);
  const keyPath = join(dir, 'authkey');
  writeFileSync(keyPath, key, { mode: 0o640 });
  const logPath = join(dir, 'remoted.log');
  const port = options.port ?? 3121;
  const link = randomLink();
  const env: Record<string, string> = {
    PCMK_remote_address: link.daemonAddress,
    PCMK_remote_port: String(port),
    PCMK_authkey_location: inRoot(keyPath),
    PCMK_logfile: inRoot(logPath),
    PCMK_logfacility: 'none',
    PCMK_debug: options.debug ? 'yes' : 'no',
  };
  if (options.x509) {
    for (const [name, file] of Object.entries(options.x509)) {
      if (!file) continue;
      const to = join(dir, `x509-${name}.pem`);
      copyFileSync(file, to);
      env[`PCMK_${name}_file`] = inRoot(to);
    }
  }
  Object.assign(env, options.env);
  const ns = await openNamespaces(root, link);
  const proc = managed({
    where: `${link.daemonAddress}:${port} (Pacemaker ${version})`,
    logPath,
    beforeSpawn: () => ns.killLeftovers(),
    spawn: () => ns.spawnDaemon(env),
    listening: (pid) => listensInNamespace(pid, port),
  });
  try {
    await proc.start();
  } catch (err) {
    await ns.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const h = handle({ host: link.daemonAddress, port, key, keyPath, dir, version, logPath, ...proc });
  return {
    ...h,
    get pid() {
      return h.pid;
    },
    get running() {
      return h.running;
    },
    dispose: async () => {
      await h.dispose();
      await ns.close();
    },
  };
}

interface ManagedSpec {
  where: string;
  logPath: string;
  beforeSpawn(): void | Promise<void>;
  spawn(): ChildProcess;
  listening(pid: number): boolean;
}

/** Start (wait until it listens), stop (SIGTERM, 5 s, SIGKILL) and exit tracking of one daemon process. */
function managed(spec: ManagedSpec) {
  let child: ChildProcess | undefined;
  let exitPromise: Promise<number | string> | undefined;
  const start = async () => {
    if (child && child.exitCode === null && child.signalCode === null) throw new Error('daemon already running');
    await spec.beforeSpawn();
    writeFileSync(spec.logPath, '', { flag: 'a' });
    const c = spec.spawn();
    child = c;
    killAtProcessExit(c);
    let stderr = '';
    c.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    exitPromise = new Promise((resolve) => {
      c.once('exit', (code, sig) => {
        resolve(code ?? sig ?? -1);
      });
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (c.exitCode !== null || c.signalCode !== null) {
        throw new Error(`pacemaker-remoted exited during start-up (${c.exitCode ?? c.signalCode}): ${stderr}\n${tail(spec.logPath)}`);
      }
      if (c.pid && spec.listening(c.pid)) return;
      await sleep(50);
    }
    c.kill('SIGKILL');
    throw new Error(`pacemaker-remoted did not listen on ${spec.where} within 10 s\n${tail(spec.logPath)}`);
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([exitPromise, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 5000)))]);
    clearTimeout(timer);
    if (done === 'timeout') {
      c.kill('SIGKILL');
      await exitPromise;
    }
  };
  return { start, stop, child: () => child, exit: () => exitPromise };
}

interface HandleParts {
  host: string;
  port: number;
  key: Buffer;
  keyPath: string;
  dir: string;
  version: DaemonVersion;
  logPath: string;
  child(): ChildProcess | undefined;
  exit(): Promise<number | string> | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function handle(h: HandleParts): RealDaemon {
  const { logPath, stop, start, dir } = h;
  return {
    host: h.host,
    port: h.port,
    key: h.key,
    keyPath: h.keyPath,
    dir,
    version: h.version,
    get pid() {
      return h.child()?.pid ?? -1;
    },
    get running() {
      const child = h.child();
      return !!child && child.exitCode === null && child.signalCode === null;
    },
    log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
    signal: (sig) => {
      h.child()?.kill(sig);
    },
    waitExit: async (timeoutMs = 5000) => {
      const p = h.exit();
      if (!p) throw new Error('daemon never started');
      let timer: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([
          p,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`daemon did not exit within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    stop,
    start,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-8).join('\n');
  } catch {
    return '';
  }
}
