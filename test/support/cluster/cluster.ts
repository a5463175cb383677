/**
 * The real-cluster fixture: `startCluster()` brings up N real Pacemaker cluster nodes (corosync +
 * pacemakerd and its six daemons) and M real `pacemaker-remoted` remote nodes, each in its own network +
 * mount + UTS namespaces, joined by a bridge in the CALLER's network namespace (the "switch"): the caller
 * (a test process inside `unshare -n`) can run simulated daemons on {@link ClusterHandle.switchAddress},
 * reachable from every cluster node. Readiness is judged by `crm_mon`, never by sleeps; `stop()` ends every
 * process by PID (found through the namespaces), and every mount goes with its namespace.
 */
import { randomBytes } from 'node:crypto';
import { chownSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CibHelpers, locationXml, remotePrimitiveXml } from './cib-helpers.js';
import { corosyncConf, DEFAULT_PROPERTIES, fenceDummyXml, NODE_BINDS, nodeSetupScript, propertySetXml } from './config.js';
import { parseCrmMon, type CrmMonView } from './crm-mon.js';
import { ClusterFixtureError } from './errors.js';
import { alive, NamespaceHolder, run, runOk, signal, spawnDaemon, waitGone, type ExecResult } from './namespaces.js';
import { stackDriver, type ClusterStack, type StackDriver } from './stack.js';

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** Cluster nodes `node1..nodeN`. @default 1 */
  nodes?: number;
  /** Real `pacemaker-remoted` remote nodes `remote1..remoteM`, each in its own namespaces. @default 0 */
  remotes?: number;
  /** Which Pacemaker to run. @default { kind: 'host' } */
  stack?: ClusterStack;
  /** Cluster properties seeded into the CIB, over {@link DEFAULT_PROPERTIES} (e.g. `node-action-limit`). */
  properties?: Record<string, string>;
  /** Seed a `stonith:fence_dummy` device (and `stonith-enabled=true`). @default false */
  fencing?: false | 'fence_dummy';
  /** Add the real remote nodes' connections to the CIB (on node1) and wait for them Online. @default true */
  addRemotes?: boolean;
  /** `reconnect_interval` of the added remote connections (seconds). @default 5 */
  reconnectIntervalS?: number;
  /** PCMK_debug=yes for the cluster daemons. @default false */
  debug?: boolean;
  /** Limit for the whole start (cluster up and, with remotes, those Online). @default 90000 */
  timeoutMs?: number;
  /** Keep the working directory (logs) after `stop()`. @default false */
  keepDir?: boolean;
}

/** A node (cluster or remote) of a running fixture cluster. */
interface NodeInfo {
  name: string;
  role: 'cluster' | 'remote';
  address: string;
  dir: string;
  holder: NamespaceHolder;
  veth: string;
  /** PIDs of corosync and pacemakerd (cluster) or pacemaker-remoted (remote), while started by us. */
  pids: Record<string, number>;
}

/** What `scripts/cluster.sh` saves to find a cluster again. */
export interface ClusterState {
  dir: string;
  bridge: string;
  switchAddress: string;
  nodes: Array<{ name: string; role: 'cluster' | 'remote'; address: string; dir: string; holder: number; veth: string; pids: Record<string, number> }>;
}

/** A running cluster. */
export interface ClusterHandle {
  /** Cluster node names (`node1`...). */
  readonly nodes: readonly string[];
  /** Real remote node names (`remote1`...). */
  readonly remotes: readonly string[];
  /** The authkey every node (and any simulated daemon of the tests) shares. */
  readonly key: Buffer;
  /** The authkey's path on the host (for `pcmk-remote --key-file`). */
  readonly keyPath: string;
  /** The bridge address in the caller's namespace, reachable from every node (bind simulated daemons here). */
  readonly switchAddress: string;
  /** Working directory (per-node logs and configuration). */
  readonly dir: string;
  /** Stack description (e.g. `host (pacemaker-2.1.5-1+deb12u1)`). */
  readonly stack: string;
  /** Milliseconds from `startCluster()` until every cluster node was Online with a DC (and remotes Online). */
  readonly upMs: number;
  /** CIB change helpers, run in the first live cluster node. */
  readonly cib: CibHelpers;
  /** A node's address on the switch. */
  address(node: string): string;
  /** The `nsenter` prefix that runs a HOST program inside a node's namespaces, the stack's tools first on its PATH; `cwd` there. */
  enter(node: string, cwd?: string): string[];
  /** Runs a command inside a node's namespaces (never throws for a non-zero exit). */
  exec(node: string, argv: readonly string[], opts?: { input?: string; timeoutMs?: number }): Promise<ExecResult>;
  /** `crm_mon --output-as=xml`, parsed, from `node` (default: the first live cluster node). */
  crmMon(node?: string): Promise<CrmMonView>;
  /** Polls crm_mon until `pred` holds; rejects after `timeoutMs` (default 30 s) with the last view. */
  waitFor(pred: (v: CrmMonView) => boolean, opts?: { node?: string; timeoutMs?: number; what?: string }): Promise<CrmMonView>;
  /** A node's log: `pacemaker` (default) or `corosync` (cluster nodes). */
  log(node: string, which?: 'pacemaker' | 'corosync'): string;
  /** SIGKILL every process in a cluster node's namespaces (corosync, pacemakerd, its daemons). */
  killNode(node: string): Promise<void>;
  /** Sends a signal to a real remote node's pacemaker-remoted. */
  killRemote(node: string, sig?: NodeJS.Signals): Promise<void>;
  /** Starts a real remote node's pacemaker-remoted again. */
  startRemote(node: string): Promise<void>;
  /** The live cluster nodes (not killed). */
  liveNodes(): string[];
  /** For `scripts/cluster.sh`. */
  state(): ClusterState;
  /** Stops everything by PID, removes the bridge and the working directory. Idempotent. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
let seq = 0;

/** hacluster's uid and haclient's gid in the file system rooted at `root` (a chroot stack has its own). */
function hacluster(root = ''): { uid: number; gid: number } {
  if (root) {
    const field = (file: string, name: string) => readFileSync(`${root}${file}`, 'utf8').split('\n').find((l) => l.startsWith(`${name}:`))?.split(':')[2];
    const uid = field('/etc/passwd', 'hacluster');
    const gid = field('/etc/group', 'haclient');
    if (uid === undefined || gid === undefined) throw new ClusterFixtureError('ERR_CLUSTER_STACK_MISSING', `${root} has no hacluster user or haclient group`);
    return { uid: Number(uid), gid: Number(gid) };
  }
  const uid = Number(execFileSync('id', ['-u', 'hacluster'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('getent', ['group', 'haclient'], { encoding: 'utf8' }).split(':')[2]);
  return { uid, gid };
}

function prepareNodeDir(dir: string, ids: { uid: number; gid: number }, key: Buffer): void {
  for (const [sub] of NODE_BINDS) mkdirSync(join(dir, sub), { recursive: true });
  for (const sub of ['cib', 'pengine', 'blackbox', 'cores']) {
    const p = join(dir, 'lib-pacemaker', sub);
    mkdirSync(p, { recursive: true });
    chownSync(p, ids.uid, ids.gid);
    chmodSync(p, sub === 'blackbox' || sub === 'cores' ? 0o770 : 0o750);
  }
  chownSync(join(dir, 'log-pacemaker'), ids.uid, ids.gid);
  chmodSync(join(dir, 'log-pacemaker'), 0o2770);
  writeFileSync(join(dir, 'etc-pacemaker', 'authkey'), key, { mode: 0o640 });
  chownSync(join(dir, 'etc-pacemaker', 'authkey'), 0, ids.gid);
}

/** Starts a cluster; see {@link ClusterOptions}. Fails (never skips) when the stack or root is missing. */
export async function startCluster(options: ClusterOptions = {}): Promise<ClusterHandle> {
  const t0 = Date.now();
  const nNodes = options.nodes ?? 1;
  const nRemotes = options.remotes ?? 0;
  if (!Number.isInteger(nNodes) || nNodes < 1 || nNodes > 8) throw new ClusterFixtureError('ERR_CLUSTER_ARGUMENT', `nodes must be 1..8, got ${nNodes}`);
  if (!Number.isInteger(nRemotes) || nRemotes < 0 || nRemotes > 8) throw new ClusterFixtureError('ERR_CLUSTER_ARGUMENT', `remotes must be 0..8, got ${nRemotes}`);
  if (process.getuid?.() !== 0) {
    throw new ClusterFixtureError('ERR_CLUSTER_NOT_ROOT', 'the real-cluster fixture needs root (namespaces, mounts): run the suite as root, e.g. sudo npm test');
  }
  const stack = stackDriver(options.stack ?? { kind: 'host' });
  const timeoutMs = options.timeoutMs ?? 90_000;
  const tag = `${(process.pid % 0xfff).toString(16)}${(seq++ % 16).toString(16)}${randomBytes(1).toString('hex')}`;
  const subnet = `10.${78 + (seq % 8)}.${(process.pid + seq * 31) % 250}`;
  const switchAddress = `${subnet}.254`;
  const bridge = `pcb${tag}`;
  const dir = mkdtempSync(join(tmpdir(), 'pcmk-cluster-'));
  const key = randomBytes(256);
  const keyPath = join(dir, 'authkey');
  writeFileSync(keyPath, key, { mode: 0o600 });
  const idsOf = { cluster: hacluster(stack.root('cluster')), remote: hacluster(stack.root('remote')) };
  const names = Array.from({ length: nNodes }, (_, i) => `node${i + 1}`);
  const remoteNames = Array.from({ length: nRemotes }, (_, i) => `remote${i + 1}`);
  const infos = new Map<string, NodeInfo>();
  const killed = new Set<string>();
  let stopped = false;

  const cluster: ClusterHandle = {
    nodes: names,
    remotes: remoteNames,
    key,
    keyPath,
    switchAddress,
    dir,
    stack: stack.description,
    upMs: 0,
    cib: undefined as unknown as CibHelpers,
    address: (n) => info(n).address,
    enter: (n, cwd) => [...info(n).holder.enter(true, cwd), ...stack.hostPrefix(info(n).role, dir)],
    exec: (n, argv, opts) => run([...info(n).holder.enter(), ...stack.command(argv, info(n).role)], opts),
    crmMon: async (n) => {
      const node = n ?? firstLive();
      const r = await cluster.exec(node, ['crm_mon', '--one-shot', '--output-as=xml', '--inactive'], { timeoutMs: 15_000 });
      if (!r.stdout.includes('<pacemaker-result')) {
        throw new ClusterFixtureError('ERR_CLUSTER_EXEC', `crm_mon on ${node} exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 500)}`);
      }
      return parseCrmMon(r.stdout);
    },
    waitFor: async (pred, opts = {}) => {
      const end = Date.now() + (opts.timeoutMs ?? 30_000);
      let last: CrmMonView | undefined;
      let lastErr: unknown;
      for (;;) {
        try {
          last = await cluster.crmMon(opts.node);
          if (pred(last)) return last;
        } catch (e) {
          lastErr = e;
        }
        if (Date.now() > end) {
          throw new ClusterFixtureError(
            'ERR_CLUSTER_TIMEOUT',
            `timed out waiting for ${opts.what ?? 'a crm_mon condition'}; last crm_mon: ${last ? summarize(last) : String(lastErr)}`,
          );
        }
        await sleep(200);
      }
    },
    log: (n, which = 'pacemaker') => {
      const i = info(n);
      const file = join(i.dir, which === 'pacemaker' ? 'log-pacemaker/pacemaker.log' : 'log-corosync/corosync.log');
      return existsSync(file) ? readFileSync(file, 'utf8') : '';
    },
    killNode: async (n) => {
      const i = info(n);
      if (i.role !== 'cluster') throw new ClusterFixtureError('ERR_CLUSTER_ARGUMENT', `${n} is not a cluster node`);
      killed.add(n);
      await i.holder.killMembers();
    },
    killRemote: async (n, sig = 'SIGKILL') => {
      const i = info(n);
      const pid = i.pids['pacemaker-remoted'];
      if (i.role !== 'remote' || pid === undefined) throw new ClusterFixtureError('ERR_CLUSTER_ARGUMENT', `${n} is not a running real remote node`);
      signal(pid, sig);
      await waitGone(pid, 10_000);
      delete i.pids['pacemaker-remoted'];
    },
    startRemote: async (n) => startRemoted(info(n)),
    liveNodes: () => names.filter((n) => !killed.has(n)),
    state: () => ({
      dir,
      bridge,
      switchAddress,
      nodes: [...infos.values()].map((i) => ({ name: i.name, role: i.role, address: i.address, dir: i.dir, holder: i.holder.pid, veth: i.veth, pids: i.pids })),
    }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await stopAll(infos, bridge);
      if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
  (cluster as { cib: CibHelpers }).cib = new CibHelpers((argv, opts) => cluster.exec(firstLive(), argv, opts));

  function info(n: string): NodeInfo {
    const i = infos.get(n);
    if (!i) throw new ClusterFixtureError('ERR_CLUSTER_ARGUMENT', `no node ${n} in this cluster (${[...infos.keys()].join(', ')})`);
    return i;
  }
  function firstLive(): string {
    const n = names.find((x) => !killed.has(x));
    if (!n) throw new ClusterFixtureError('ERR_CLUSTER_STOPPED', 'every cluster node was killed');
    return n;
  }
  async function startRemoted(i: NodeInfo): Promise<void> {
    const env = { ...process.env, PCMK_logfile: '/var/log/pacemaker/pacemaker.log', ...(options.debug ? { PCMK_debug: 'yes' } : {}) };
    const child = spawnDaemon([...i.holder.enter(), ...stack.command(['/usr/sbin/pacemaker-remoted'], 'remote')], { logFile: join(i.dir, 'pacemaker-remoted.out'), env });
    i.pids['pacemaker-remoted'] = child.pid!;
    // Listening on 3121 means it is up.
    const end = Date.now() + 10_000;
    for (;;) {
      const r = await run([...i.holder.enter(false), 'ss', '-Htln', 'sport = :3121']);
      if (r.stdout.trim()) return;
      if (!alive(child.pid!) || Date.now() > end) throw new ClusterFixtureError('ERR_CLUSTER_SETUP', `pacemaker-remoted on ${i.name} did not listen on 3121: ${readTail(join(i.dir, 'log-pacemaker/pacemaker.log'))}`);
      await sleep(50);
    }
  }

  try {
    // The switch: a bridge in our own network namespace.
    await runOk(['ip', 'link', 'add', bridge, 'type', 'bridge']);
    await runOk(['ip', 'addr', 'add', `${switchAddress}/24`, 'dev', bridge]);
    await runOk(['ip', 'link', 'set', bridge, 'up']);

    const all = [...names.map((n, i) => ({ name: n, role: 'cluster' as const, address: `${subnet}.${i + 1}` })), ...remoteNames.map((n, i) => ({ name: n, role: 'remote' as const, address: `${subnet}.${101 + i}` }))];
    const seedCib = seed(dir, { ...DEFAULT_PROPERTIES, ...(options.fencing ? { 'stonith-enabled': 'true' } : {}), ...options.properties }, options.fencing ? names : []);
    const conf = corosyncConf(`pcmk${tag}`, names, names.map((_, i) => `${subnet}.${i + 1}`));
    await Promise.all(
      all.map(async (n) => {
        const ndir = join(dir, n.name);
        prepareNodeDir(ndir, idsOf[n.role], key);
        if (n.role === 'cluster') {
          writeFileSync(join(ndir, 'etc-corosync', 'corosync.conf'), conf);
          writeFileSync(join(ndir, 'lib-pacemaker', 'cib', 'cib.xml'), seedCib, { mode: 0o600 });
          chownSync(join(ndir, 'lib-pacemaker', 'cib', 'cib.xml'), idsOf.cluster.uid, idsOf.cluster.gid);
        }
        const holder = await NamespaceHolder.start({ mount: true });
        const veth = `pcv${tag}${n.role === 'cluster' ? 'n' : 'r'}${n.name.replace(/\D/g, '')}`;
        infos.set(n.name, { ...n, dir: ndir, holder, veth, pids: {} });
        await runOk(['ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(holder.pid)]);
        await runOk(['ip', 'link', 'set', veth, 'master', bridge, 'up']);
        await runOk([
          ...holder.enter(),
          'bash',
          '-c',
          nodeSetupScript({ name: n.name, dir: ndir, root: stack.root(n.role), address: n.address, prefix: 24, stackLines: stack.mountLines(n.role) }),
        ]);
      }),
    );

    // corosync everywhere, then pacemakerd once each answers.
    const env = { ...process.env, PCMK_logfile: '/var/log/pacemaker/pacemaker.log', ...(options.debug ? { PCMK_debug: 'yes' } : {}) };
    await Promise.all(
      names.map(async (n) => {
        const i = info(n);
        const c = spawnDaemon([...i.holder.enter(), ...stack.command(['corosync', '-f'], 'cluster')], { logFile: join(i.dir, 'corosync.out') });
        i.pids.corosync = c.pid!;
        const end = Date.now() + 20_000;
        while ((await run([...i.holder.enter(), ...stack.command(['corosync-cfgtool', '-s'], 'cluster')])).code !== 0) {
          if (!alive(c.pid!) || Date.now() > end) throw new ClusterFixtureError('ERR_CLUSTER_SETUP', `corosync on ${n} did not answer: ${readTail(join(i.dir, 'log-corosync/corosync.log'))}`);
          await sleep(100);
        }
        const p = spawnDaemon([...i.holder.enter(), ...stack.command(['pacemakerd'], 'cluster')], { logFile: join(i.dir, 'pacemakerd.out'), env });
        i.pids.pacemakerd = p.pid!;
      }),
    );
    await Promise.all(remoteNames.map((n) => startRemoted(info(n))));

    const deadline = t0 + timeoutMs;
    await cluster.waitFor((v) => v.dc !== undefined && names.every((n) => v.online(n)), {
      timeoutMs: deadline - Date.now(),
      what: `${names.join(', ')} Online with a DC`,
    });
    if (nRemotes > 0 && options.addRemotes !== false) {
      await cluster.cib.add({
        resources: remoteNames.map((r) => remotePrimitiveXml(r, { server: info(r).address, reconnectIntervalS: options.reconnectIntervalS ?? 5 })),
        constraints: remoteNames.map((r) => locationXml(r, 'node1')),
      });
      await cluster.waitFor((v) => remoteNames.every((r) => v.online(r) && v.resources.get(r)?.role === 'Started'), {
        timeoutMs: deadline - Date.now(),
        what: `${remoteNames.join(', ')} Online`,
      });
    }
    (cluster as { upMs: number }).upMs = Date.now() - t0;
    return cluster;
  } catch (e) {
    await cluster.stop().catch(() => undefined);
    throw e;
  }
}

/** The seeded CIB: options (+ the fence device), built offline with `CIB_file` like a person would. */
function seed(dir: string, props: Record<string, string>, fenceNodes: string[]): string {
  const file = join(dir, 'seed-cib.xml');
  writeFileSync(file, execFileSync('cibadmin', ['--empty'], { encoding: 'utf8' }));
  const env = { ...process.env, CIB_file: file };
  execFileSync('cibadmin', ['--create', '--scope', 'crm_config', '--xml-text', propertySetXml(props)], { env });
  if (fenceNodes.length) {
    execFileSync('cibadmin', ['--create', '--scope', 'resources', '--xml-text', fenceDummyXml()], { env });
    for (const n of fenceNodes) execFileSync('cibadmin', ['--create', '--scope', 'constraints', '--xml-text', locationXml('fence-dummy', n)], { env });
  }
  return readFileSync(file, 'utf8');
}

function readTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

function summarize(v: CrmMonView): string {
  const nodes = [...v.nodes.values()].map((n) => `${n.name}:${n.online ? 'online' : 'offline'}${n.unclean ? ',unclean' : ''}`).join(' ');
  const res = [...v.resources.values()].map((r) => `${r.id}:${r.role}@${r.nodes.join('+') || '-'}`).join(' ');
  return `dc=${v.dc ?? '-'} nodes[${nodes}] resources[${res}] failures=${v.failures.length}`;
}

/** Stops pacemakerd gracefully (bounded), then every process of every namespace by PID, the holders, the bridge. */
export async function stopAll(infos: Map<string, NodeInfo> | ClusterState['nodes'], bridge: string, gracefulMs = 15_000): Promise<void> {
  const list = [...(infos instanceof Map ? infos.values() : infos)].map((i) => ({
    role: i.role,
    pids: i.pids,
    holder: typeof i.holder === 'number' ? safeAttach(i.holder) : i.holder,
  }));
  await Promise.all(
    list.map(async (i) => {
      const p = i.pids.pacemakerd;
      if (i.role === 'cluster' && p !== undefined && alive(p)) {
        signal(p, 'SIGTERM');
        if (!(await waitGone(p, gracefulMs))) signal(p, 'SIGKILL');
      }
    }),
  );
  await Promise.all(list.filter((i) => i.role === 'remote').map((i) => i.holder?.killMembers()));
  await Promise.all(list.map((i) => i.holder?.dispose()));
  await run(['ip', 'link', 'del', bridge]);
}

function safeAttach(pid: number): NamespaceHolder | undefined {
  try {
    return NamespaceHolder.attach(pid);
  } catch {
    return undefined;
  }
}
