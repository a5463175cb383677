/** The public types of the {@link ConnectionManager}: node specs, options, events, sync results. */
import type { NodeConnectionEvents, RemoteNodeOptions } from '../node-connection/types.js';
import type { ConnectionManager } from './connection-manager.js';

/**
 * A node to manage. `RemoteNodeSpec` from `@pcmk-remote/cib-model` (`{ name, kind, host, port,
 * reconnectIntervalMs, connectTimeoutMs, connectionResource, containerResource?, bundle?, runningOn? }`)
 * is assignable to it, so `manager.sync(cib.remoteNodes())` type-checks; `bundle` and `runningOn` are
 * informational (a change of them never reconnects).
 *
 * No index signature on purpose: an interface such as `RemoteNodeSpec` is not assignable to a type with one.
 */
export interface NodeSpec extends RemoteNodeOptions {
  bundle?: string;
  runningOn?: string;
}

/** Options of a {@link ConnectionManager}. */
export interface ConnectionManagerOptions {
  /** Defaults applied to every node (key, timeouts, monitor interval, jitter, ...). Spec fields win. */
  defaults?: Partial<RemoteNodeOptions>;
  /** At most this many connect attempts at once. @default 64 */
  maxConcurrentConnects?: number;
  /** Start nodes when they are added. @default true */
  autoStart?: boolean;
}

/** Events of the manager: every node event, plus membership changes. */
export interface ConnectionManagerEvents extends NodeConnectionEvents {
  'node-added': (e: { node: string }) => void;
  'node-removed': (e: { node: string }) => void;
}

/** Result of {@link ConnectionManager.sync}. */
export interface SyncResult {
  added: string[];
  removed: string[];
  updated: string[];
  unchanged: string[];
}
