/**
 * The IPC relay contract: how the owner of a remote node serves the cluster tools and resource agents
 * that run on it (protocol.md §3.6).
 *
 * A remote node runs no cluster daemons. Its pacemaker-remoted impersonates the local IPC servers of
 * attrd, the CIB, the controller and the fencer, and tunnels every local client to the connected
 * provider (us). An {@link IpcRelay} decides, per tunnelled session, whether and how to serve it.
 */
import type { RemoteConnError } from '../errors.js';
import type { RelayChannel } from '../messages/relay.js';
import type { XmlElement } from '../messages/xml.js';

export type { RelayChannel } from '../messages/relay.js';

/** One request of a tunnelled tool. */
export interface RelayRequest {
  /** The tool's IPC request id; the dispatcher puts it on the response. */
  readonly msgId: number;
  /** `lrmd_ipc_msg_flags` (see `IpcFlags`). */
  readonly flags: number;
  /** The tool waits for a response (flag 0x200): it gets exactly one. */
  readonly expectsResponse: boolean;
  /** Unix user the tool runs as on the node, when the daemon said. */
  readonly user?: string;
  /** The daemon's name of the local client (`proxy-<channel>-<pid>-<uuid prefix>`). */
  readonly client?: string;
  /** The tool's request, as the tool sent it (plus the controller's rewrites, see {@link RelaySession}). */
  readonly message: XmlElement;
}

/** What a handler can do with the tunnelled session it serves. */
export interface RelaySession {
  /** The daemon's session id (a UUID). */
  readonly id: string;
  readonly channel: RelayChannel;
  /** The node's name as the owner knows it (the connection's name), not the node's host name. */
  readonly node: string;
  /** True once the session ended (either side). */
  readonly closed: boolean;
  /** Aborted when the session ends: pass it to long work done for this session. */
  readonly signal: AbortSignal;
  /**
   * Sends an asynchronous event to the tool (a CIB notification, the controller's reply to a
   * `node-info` request, ...). Ignored once the session is closed.
   */
  event(message: XmlElement): void;
  /** Ends the session: the daemon disconnects the tool. Idempotent. */
  destroy(): void;
}

/** Why a served session ended. */
export type RelayCloseReason =
  /** The tool disconnected (the daemon sent `destroy`). */
  | 'tool'
  /** The handler or the dispatcher destroyed it. */
  | 'relay'
  /** The connection to the daemon ended: every session of the node ends with it. */
  | 'connection';

/** Serves one tunnelled session. Returned by {@link IpcRelay.open}. */
export interface RelaySessionHandler {
  /**
   * Handles one request. The returned (or resolved) element is the response when the tool expects
   * one (`request.expectsResponse`), else it is sent as an event; `undefined` sends nothing (a tool
   * that expects a response then gets a `<nack rc=...>`, as Pacemaker's controller does when it cannot
   * relay). Requests of one session are handled one at a time, in order. A throw or rejection is logged
   * and reported as a `relay-error`, and the tool gets a `nack`.
   */
  request(request: RelayRequest, session: RelaySession): XmlElement | undefined | Promise<XmlElement | undefined>;
  /** The session ended (see {@link RelayCloseReason}). Release what it held. */
  close?(reason: RelayCloseReason, session: RelaySession): void;
}

/**
 * Serves tunnelled IPC sessions of remote nodes. One relay may serve many nodes (each session says
 * which node it belongs to). Sessions on a channel it does not serve are destroyed at once, so local
 * tools fail fast.
 */
export interface IpcRelay {
  /**
   * A tool on `session.node` opened `session.channel`. Return a handler to serve it, or `undefined` to
   * refuse (the session is destroyed at once).
   */
  open(session: RelaySession): RelaySessionHandler | undefined;
  /**
   * The node's connection went down (lost, stopped or shut down). Pacemaker then forgets the node's
   * transient attributes; relays that keep per-node state can do the same.
   */
  nodeDown?(node: string): void;
}

/** Kinds of relay trouble reported by `relay-error` events (never a crash). */
export type RelayErrorKind =
  /** The daemon sent a relay message we cannot read (unknown op, missing session, bad request). */
  | 'malformed'
  /** A handler threw or rejected. */
  | 'handler-failed'
  /** A handler did not answer a request that expects a response within the relay's timeout. */
  | 'handler-timeout'
  /** The relay's `open` threw. */
  | 'open-failed'
  /** A response, event or destroy could not be sent to the daemon. */
  | 'send-failed';

/** A logged, typed relay problem. */
export interface RelayErrorEvent {
  kind: RelayErrorKind;
  /** The node, when known. */
  node: string;
  session?: string;
  channel?: string;
  error: RemoteConnError;
}
