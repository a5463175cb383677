/**
 * Options, states and events of a {@link RemoteNodeConnection}.
 */
import type { RemoteConnError } from '../errors.js';
import type { TlsOptions, X509Options } from '../transport/transport.js';
import type { IpcRelay, RelayErrorEvent } from '../relay/types.js';

/**
 * Lifecycle states.
 * - `stopped`: not started, or stopped (also after a graceful remote shutdown with no reconnect).
 * - `connecting`: a start is under way (TCP, TLS, register; retried within the start budget).
 * - `up`: registered and monitored.
 * - `waiting`: between reconnect attempts after a loss (`reconnectIntervalMs` > 0).
 * - `draining`: the daemon asked to shut down; its resources are being moved away.
 * - `failed`: lost (or the start failed) and no automatic reconnect applies; the owner decides.
 */
export type NodeState = 'stopped' | 'connecting' | 'up' | 'waiting' | 'draining' | 'failed';

/**
 * Why a node went down (or a start never reached `up`).
 * - `connection-lost`: TCP/TLS error or end of stream on an established connection.
 * - `monitor-timeout`: no answer to a poke within `monitorTimeoutMs` (a frozen or unreachable daemon).
 * - `shutdown`: the daemon stopped gracefully after a shutdown request (never a failure).
 * - `stopped`: we stopped the connection.
 * - `protocol-error`: malformed data from the daemon; the session was closed.
 * - `takeover`: another client connected to the daemon; we stepped aside.
 * - `connect-timeout`, `refused`, `auth-failed`: a start that never reached `up` (only on `connect-failed`).
 */
export type NodeDownReason =
  | 'connect-timeout'
  | 'refused'
  | 'auth-failed'
  | 'connection-lost'
  | 'monitor-timeout'
  | 'shutdown'
  | 'stopped'
  | 'protocol-error'
  | 'takeover';

/** Options of one node connection. Names mirror Pacemaker's resource parameters. */
export interface RemoteNodeOptions {
  /** Node name (the connection resource id / `remote-node`). */
  name: string;
  /** `remote` (ocf:pacemaker:remote) or `guest` (a VM/container with `remote-node`). @default 'remote' */
  kind?: 'remote' | 'guest';
  /** Address (`server` / `remote-addr`). @default the name */
  host?: string;
  /** @default 3121 (or PCMK_remote_port) */
  port?: number;
  /** Raw authkey bytes; else `keyFile`; else the default key location. */
  key?: Buffer;
  keyFile?: string;
  /** Certificate mode (Pacemaker 3.0+). */
  x509?: X509Options;
  tls?: TlsOptions;
  /** Budget of one start (all attempts), ms: `remote-connect-timeout` / the start op timeout. @default 60000 */
  connectTimeoutMs?: number;
  /** Cap of one connect attempt, ms (Pacemaker's MAX_START_TIMEOUT_MS). @default 10000 */
  attemptTimeoutMs?: number;
  /** Delay before retrying a failed attempt within the start budget, ms. @default 1000 */
  attemptRetryDelayMs?: number;
  /** Retry within a start only while more than this much of the budget remains, ms. @default 3000 */
  minRemainingForRetryMs?: number;
  /**
   * `reconnect_interval`, ms: after an established connection is lost, wait this long and try again,
   * again and again, indefinitely. 0: no automatic reconnect (the node goes to `failed`). @default 0
   */
  reconnectIntervalMs?: number;
  /** Random extra delay, as a fraction of the interval (0..1), to spread reconnect storms. @default 0 */
  reconnectJitter?: number;
  /** Poke every this many ms while up; 0 disables monitoring. @default 30000 */
  monitorIntervalMs?: number;
  /** A poke not answered within this many ms is a loss. @default 30000 */
  monitorTimeoutMs?: number;
  /** TCP keepalive initial delay, ms (in addition to pokes). @default 10000 */
  keepAliveMs?: number;
  /** Reply timeout of ordinary requests, ms. @default 10000 */
  requestTimeoutMs?: number;
  /** Executor protocol version to advertise. @default '1.1' */
  protocolVersion?: string;
  clientName?: string;
  /**
   * Whether the connection is managed. Unmanaged (maintenance) connections answer a shutdown request
   * with `nack`, as Pacemaker's controller does. @default true
   */
  managed?: boolean;
  /**
   * Serves the cluster tools and agents that run on the node (`attrd_updater`, `crm_attribute`,
   * `crm_master`, `crm_node`, `crm_mon`, ...) through the daemon's IPC relay, e.g. a
   * `NodeAttributeStore` or `composeRelays({...})`. The relay sees the node under `name`, and is told
   * when the node goes down (`nodeDown`). Without one, those tools fail fast on the node.
   */
  ipcRelay?: IpcRelay;
  /** Informational: the connection resource and (guests) the container resource. */
  connectionResource?: string;
  containerResource?: string;
}

/** A point-in-time view of a node connection. */
export interface NodeSnapshot {
  name: string;
  kind: 'remote' | 'guest';
  host: string;
  port: number;
  state: NodeState;
  /** When the node entered `state` (epoch ms). */
  since: number;
  /** Connect attempts made so far. */
  attempts: number;
  /** Times the node went down after being up. */
  losses: number;
  lastError?: { code: string; message: string; at: number };
  /** RTT of the last successful poke (or registration), ms. */
  lastRttMs?: number;
  /**
   * The executor protocol version the daemon announced at registration (`lrmd_protocol_version`, e.g.
   * `1.1`); pacemaker-remoted does not send its Pacemaker version.
   */
  protocolVersion?: string;
  /** @deprecated The same value as {@link protocolVersion}, which is its honest name. */
  daemonVersion?: string;
  connectionResource?: string;
  containerResource?: string;
  /** Reasons the node is currently held from reconnecting (e.g. fencing). */
  holds: string[];
}

export interface StateEvent {
  node: string;
  from: NodeState;
  to: NodeState;
  at: number;
}
export interface NodeUpEvent {
  node: string;
  at: number;
  /** Which attempt of this start succeeded (1 = first). */
  attempt: number;
  /** Round trip of the registration, ms. */
  rttMs: number;
  /**
   * The executor protocol version the daemon announced at registration (`lrmd_protocol_version`, e.g.
   * `1.1`); pacemaker-remoted does not send its Pacemaker version.
   */
  protocolVersion: string;
  /** @deprecated The same value as {@link protocolVersion}, which is its honest name. */
  daemonVersion: string;
  daemonUptimeS?: number;
  nodeStartState?: string;
  tls: { protocol: string; cipher: string; engine: string };
}
export interface ConnectFailedEvent {
  node: string;
  attempt: number;
  phase: 'tcp' | 'tls' | 'register' | 'session';
  reason: NodeDownReason;
  error: RemoteConnError;
  willRetry: boolean;
  nextAttemptAt?: number;
}
export interface NodeDownEvent {
  node: string;
  at: number;
  reason: NodeDownReason;
  error?: RemoteConnError;
  willReconnect: boolean;
  nextAttemptAt?: number;
}
export interface NodeReconnectingEvent {
  node: string;
  /** Reconnect attempt number since the loss (1 = first). */
  attempt: number;
  delayMs: number;
  nextAttemptAt: number;
}
export interface TakeoverEvent {
  node: string;
  /** The takeover was announced with `expectTakeover()` (a migration). */
  expected: boolean;
}
export interface NodeShutdownRequestEvent {
  node: string;
  /** Resources were moved away: let the daemon stop. Resolves false when it can no longer be delivered. */
  ack(): Promise<boolean>;
  /** Refuse: the daemon exits at once. */
  nack(): Promise<boolean>;
}
export interface MonitorEvent {
  node: string;
  at: number;
  rttMs: number;
}

/** Events of a node connection (the manager re-emits them all). */
export interface NodeConnectionEvents {
  state: (e: StateEvent) => void;
  'node-up': (e: NodeUpEvent) => void;
  'connect-failed': (e: ConnectFailedEvent) => void;
  'node-down': (e: NodeDownEvent) => void;
  'node-reconnecting': (e: NodeReconnectingEvent) => void;
  takeover: (e: TakeoverEvent) => void;
  'node-shutdown-request': (e: NodeShutdownRequestEvent) => void;
  /** A successful liveness poke. */
  monitor: (e: MonitorEvent) => void;
  /** Relayed IPC traffic of the node's tools that could not be read or served (the connection carries on). */
  'relay-error': (e: RelayErrorEvent) => void;
}
