/**
 * The structural view of a connection manager that {@link FencingCoordinator} needs.
 *
 * `@pcmk-remote/remote-conn`'s `ConnectionManager` satisfies it; so does any object with the same
 * members (tests use a small eventemitter3-based fake). This package deliberately does not import
 * `@pcmk-remote/remote-conn`.
 *
 * @packageDocumentation
 */

/** Reasons carried by `node-down`. */
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

/** A connection ended (or, for `connect-timeout`/`refused`/`auth-failed`, a start never reached `up`). */
export interface NodeDownEvent {
  node: string;
  at: number;
  reason: NodeDownReason;
  error?: Error;
  willReconnect: boolean;
  nextAttemptAt?: number;
}

/** A connection reached `up`. */
export interface NodeUpEvent {
  node: string;
  at: number;
  attempt: number;
  rttMs: number;
  /** The executor protocol version the daemon announced (remote-conn sets it). */
  protocolVersion?: string;
  /** @deprecated The former name of {@link protocolVersion}. */
  daemonVersion?: string;
}

/** The remote daemon asked to shut down (Pacemaker's `shutdown_req`). */
export interface NodeShutdownRequestEvent {
  node: string;
  ack(): Promise<void>;
  nack(): Promise<void>;
}

/** A node changed state. States: `stopped | connecting | up | waiting | draining | failed`. */
export interface StateEvent {
  node: string;
  from: string;
  to: string;
  at: number;
}

/** What the coordinator reads about a managed node. */
export interface ManagedNodeSnapshot {
  name: string;
  kind: 'remote' | 'guest';
  state: string;
  containerResource?: string;
  host: string;
  port: number;
}

/** The members of a connection manager the coordinator uses. */
export interface ManagerLike {
  on(event: 'node-down', fn: (e: NodeDownEvent) => void): unknown;
  on(event: 'node-up', fn: (e: NodeUpEvent) => void): unknown;
  on(event: 'node-shutdown-request', fn: (e: NodeShutdownRequestEvent) => void): unknown;
  on(event: 'state', fn: (e: StateEvent) => void): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  off(event: string, fn: (...args: any[]) => void): unknown;
  nodes(): ManagedNodeSnapshot[];
  /** Prevents automatic (re)connection of `node` until the returned release function is called (idempotent). */
  holdReconnect(node: string, reason: string): () => void;
  /** Starts connecting a node now (used after fencing when the node is `failed`, i.e. reconnect_interval 0). */
  reconnectNode(node: string): void;
}
