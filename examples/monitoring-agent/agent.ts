/**
 * The monitoring agent: a Prometheus endpoint (prom-client, on 127.0.0.1) with
 * - connection metrics for the nodes its own {@link ConnectionManager} owns: simulated daemons it starts
 *   (`simulate`) or daemons you name (`nodes`) that no cluster manages;
 * - node states of the nodes a Pacemaker cluster owns, read from the CIB (`cib`), never by connecting.
 *
 * SAFETY: a client that completes a TLS handshake with a remote node a live cluster owns makes the
 * cluster's controller drop its connection ("unexpected client takeover"), which can get the node fenced.
 * So the agent refuses to own a node that the CIB lists as a remote or guest node (same name or address),
 * and stops a connection at once if a later CIB read shows such a node.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallbackFencer, FencingCoordinator } from '@pcmk-remote/fencing-hooks';
import { ConnectionManager, ErrorCodes, RemoteConnError, type NodeSpec, type RemoteNodeOptions } from '@pcmk-remote/remote-conn';
import { Registry } from 'prom-client';
import { SimulatedNodes } from '../shared/simulated-nodes.js';
import { CibMetrics } from './cib-metrics.js';
import { describeCibSource, type CibSource } from './cib-source.js';
import { ConnectionMetrics } from './connection-metrics.js';

/** The port ha_cluster_exporter uses; ours is 9664 so both can run side by side. */
export const DEFAULT_METRICS_PORT = 9664;

/** Options of {@link startMonitoringAgent}. */
export interface MonitoringAgentOptions {
  /** HTTP port; 0 picks a free one. @default 9664 */
  port?: number;
  /** Address to listen on. @default '127.0.0.1' */
  bind?: string;
  /** Start this many simulated daemons (`sim1`, `sim2`, ...) and own connections to them. @default 0 */
  simulate?: number;
  /** Daemons you own (no cluster manages them) to connect to. Needs `key` or `keyFile` (else the default authkey). */
  nodes?: Array<{ name: string; host: string; port?: number }>;
  key?: Buffer;
  keyFile?: string;
  /** Connection defaults (monitor interval, reconnect interval, ...). */
  connection?: Partial<RemoteNodeOptions>;
  /** The CIB of the cluster whose node states to export. */
  cib?: CibSource;
  /** With `cib`: export only this cluster node and the remote/guest nodes whose connection runs on it. */
  onlyRunningOn?: string;
  /**
   * Wire fencing-hooks to the owned connections. For simulated nodes the fencer power-cycles the daemon; for
   * other nodes it only logs (a monitoring agent never really fences). @default false
   */
  fencing?: boolean;
  /** Simulated nodes only: reset the connections of a random simulated node this often (0: never). */
  chaosIntervalMs?: number;
  /** Where progress lines go. @default none */
  log?: (line: string) => void;
}

/** A running agent. */
export interface MonitoringAgent {
  /** `http://127.0.0.1:PORT/metrics`. */
  readonly url: string;
  readonly port: number;
  readonly registry: Registry;
  readonly manager: ConnectionManager;
  readonly fencing: FencingCoordinator | undefined;
  readonly simulated: SimulatedNodes | undefined;
  readonly cib: CibMetrics | undefined;
  /** What a scrape returns (reads the CIB first). */
  metrics(): Promise<string>;
  /** Stops the HTTP server, the connections, fencing and simulated daemons. Idempotent. */
  close(): Promise<void>;
}

function ownershipConflict(spec: NodeSpec, cib: CibMetrics): string | undefined {
  for (const r of cib.remoteNodes) {
    if (r.name === spec.name) return `the CIB defines a ${r.kind} node named ${r.name}`;
    if (r.host === spec.host && r.port === (spec.port ?? 3121)) return `the CIB's ${r.kind} node ${r.name} has the address ${r.host}:${r.port}`;
  }
  return undefined;
}

/**
 * Starts the agent: simulated daemons (if asked), connections, the CIB reader and the HTTP endpoint.
 * @throws RemoteConnError `INVALID_ARGUMENT` for bad options or a node the CIB says a cluster owns
 */
export async function startMonitoringAgent(options: MonitoringAgentOptions = {}): Promise<MonitoringAgent> {
  const log = options.log ?? (() => undefined);
  const simulate = options.simulate ?? 0;
  if (!Number.isInteger(simulate) || simulate < 0) throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `simulate must be a non-negative integer, got ${simulate}`);
  const registry = new Registry();
  const cib = options.cib
    ? new CibMetrics(options.cib, registry, { log, ...(options.onlyRunningOn !== undefined ? { onlyRunningOn: options.onlyRunningOn } : {}) })
    : undefined;
  if (cib) {
    await cib.refresh();
    if (cib.lastError) log(`CIB (${describeCibSource(cib.source)}): ${cib.lastError.message}`);
    else log(`CIB (${describeCibSource(cib.source)}): ${cib.nodeStates.length} nodes, ${cib.remoteNodes.length} remote/guest nodes (read only, never connected)`);
  }
  const owned: NodeSpec[] = (options.nodes ?? []).map((n) => ({ name: n.name, host: n.host, port: n.port ?? 3121 }));
  if (cib) {
    for (const spec of owned) {
      const why = ownershipConflict(spec, cib);
      if (why) {
        await cib.close();
        throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `Refusing to connect to ${spec.name} (${spec.host}:${spec.port}): ${why}, so a Pacemaker cluster owns it; its state is exported from the CIB instead`);
      }
    }
  }

  let simulated: SimulatedNodes | undefined;
  let manager: ConnectionManager | undefined;
  let fencing: FencingCoordinator | undefined;
  let connectionMetrics: ConnectionMetrics | undefined;
  let server: Server | undefined;
  let chaos: NodeJS.Timeout | undefined;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    clearInterval(chaos);
    if (server) {
      const s = server;
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
    connectionMetrics?.detach();
    await fencing?.close({ releaseHolds: true });
    await manager?.close();
    await simulated?.stop();
    await cib?.close();
  };

  try {
    const key = options.key;
    if (simulate > 0) {
      simulated = await SimulatedNodes.start(Array.from({ length: simulate }, (_, i) => `sim${i + 1}`));
      log(`started ${simulate} simulated pacemaker-remoted daemons: ${simulated.specs().map((s) => `${s.name}=${s.host}:${s.port}`).join(' ')}`);
    }
    const sims = simulated;
    manager = new ConnectionManager({
      defaults: {
        monitorIntervalMs: 5000,
        monitorTimeoutMs: 5000,
        reconnectIntervalMs: 5000,
        ...options.connection,
        ...(key ? { key } : {}),
        ...(options.keyFile ? { keyFile: options.keyFile } : {}),
      },
    });
    if (options.fencing) {
      fencing = new FencingCoordinator({
        manager,
        executor: 'monitoring-agent',
        fencer: new CallbackFencer(
          async (req) => {
            if (sims?.get(req.target)) {
              log(`fencing ${req.target} (simulated power cycle)`);
              await sims.powerCycle(req.target);
            } else {
              log(`fencing ${req.target}: log only (a monitoring agent does not fence real nodes)`);
            }
          },
          { name: sims ? 'simulated-power' : 'log-only' },
        ),
      });
    }
    connectionMetrics = new ConnectionMetrics(manager, registry, fencing ? { fencing } : {});
    manager.on('node-up', (e) => log(`node-up ${e.node} (attempt ${e.attempt})`));
    manager.on('node-down', (e) => log(`node-down ${e.node}: ${e.reason}`));
    manager.on('connect-failed', (e) => log(`connect-failed ${e.node}: ${e.reason} (${e.error.code})`));
    const specs: NodeSpec[] = [...(sims ? sims.specs().map((s) => ({ ...s, key: sims.key })) : []), ...owned];
    await manager.sync(specs);

    if (sims && options.chaosIntervalMs && options.chaosIntervalMs > 0) {
      chaos = setInterval(() => {
        const names = sims.names;
        const victim = names[Math.floor(Math.random() * names.length)];
        if (!victim) return;
        log(`chaos: resetting the connections of ${victim}`);
        sims.get(victim)?.resetConnections();
      }, options.chaosIntervalMs);
    }

    const mgr = manager;
    const metrics = async (): Promise<string> => {
      if (cib) {
        await cib.refresh();
        // A node the CIB now says a cluster owns must not keep our connection (takeover risk).
        for (const spec of owned) {
          const why = ownershipConflict(spec, cib);
          if (why && mgr.node(spec.name)) {
            log(`stopping the connection to ${spec.name}: ${why}`);
            await mgr.removeNode(spec.name);
          }
        }
      }
      return registry.metrics();
    };

    server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
      } else if (path === '/metrics') {
        metrics().then(
          (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
          (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`),
        );
      } else if (path === '/') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body><h1>pcmk-remote monitoring agent</h1><a href="/metrics">/metrics</a></body></html>\n');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    });
    const srv = server;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(options.port ?? DEFAULT_METRICS_PORT, options.bind ?? '127.0.0.1', () => {
        srv.off('error', reject);
        resolve();
      });
    });
    const address = srv.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}/metrics`;
    log(`serving metrics on ${url}`);
    return { url, port: address.port, registry, manager: mgr, fencing, simulated: sims, cib, metrics, close };
  } catch (err) {
    await close();
    throw err;
  }
}
