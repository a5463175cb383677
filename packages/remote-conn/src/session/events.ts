/** The public shapes of a {@link RemoteSession}: its events, what it learned at registration, request options. */
import type { RemoteConnError } from '../errors.js';
import type { ExecRequest, OpResult } from '../messages/index.js';
import type { RelayErrorEvent } from '../relay/types.js';
import type { RemoteSession } from './remote-session.js';

/** Why a session closed. */
export interface SessionCloseEvent {
  /** Set when the connection ended abnormally (reset, TLS error, malformed frame, ...). */
  error?: RemoteConnError;
  /** The daemon had asked to shut down before the connection ended: a graceful stop, not a failure. */
  afterShutdownRequest: boolean;
  /** `close()` was called on our side. */
  local: boolean;
}

/** A request from the daemon to shut down (SIGTERM on the remote node). */
export interface ShutdownRequestEvent {
  /** Tell the daemon its resources were moved away; resolves `false` if it can no longer be delivered. */
  ack(): Promise<boolean>;
  /** Refuse; the daemon exits at once. Resolves `false` if it can no longer be delivered. */
  nack(): Promise<boolean>;
}

/** A generic notification (poke, resource register/unregister), ours or another client's. */
export interface NotifyEvent {
  op: string;
  rc: number;
  callId: number;
  resource?: string;
  /** The notification answers one of our own requests. */
  ours: boolean;
}

/** Events of a {@link RemoteSession}. */
export interface RemoteSessionEvents {
  /** A result of one of our exec requests (one-shot or each reported run of a recurring one). */
  'op-result': (result: OpResult) => void;
  /** An exec result that belongs to another client of the same daemon. */
  'foreign-op-result': (result: OpResult) => void;
  notify: (event: NotifyEvent) => void;
  /** The daemon asks to shut down. With no listener, the session acks at once (nothing to move). */
  'shutdown-request': (event: ShutdownRequestEvent) => void;
  /** Another client completed a TLS handshake with the daemon (`lrmd_rsc_new_client`). */
  'new-client': () => void;
  /** The session ended. Emitted once. */
  /** Relayed IPC traffic (protocol.md §3.6) that could not be read or served; the session carries on. */
  'relay-error': (event: RelayErrorEvent) => void;
  close: (event: SessionCloseEvent) => void;
}

/** What the register reply told us about the daemon. */
export interface DaemonInfo {
  /** The daemon's executor protocol version (`1.1` for 2.1.5–2.1.7, `1.2` for 2.1.8+). */
  protocolVersion: string;
  /** Our client id on the daemon. */
  clientId: string;
  /** Seconds since the daemon started (2.1.6+). */
  uptimeS?: number;
  /** `PCMK_node_start_state` of the remote node (2.1.7+), when set. */
  nodeStartState?: string;
}

/** How long each connection step took, ms. */
export interface ConnectTimings {
  tcpMs: number;
  tlsMs: number;
  /** The register round trip. */
  registerMs: number;
  totalMs: number;
}

/** Options of one request. */
export interface RequestOptions {
  /** Reply timeout (default: the session's `requestTimeoutMs`). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Options of {@link RemoteSession.exec}. */
export interface ExecOptions extends ExecRequest {
  /**
   * How long to wait for the result notification. Default: the op timeout plus start delay plus
   * `resultGraceMs` (the daemon enforces the op timeout itself and then reports status 2).
   */
  resultTimeoutMs?: number;
  signal?: AbortSignal;
}
