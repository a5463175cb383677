/**
 * `ConnectionManager`: many node connections, reconciled to a desired set (e.g. the output of
 * `@pcmk-remote/cib-model`'s `remoteNodes()`), with bounded concurrent connects and every node event
 * re-emitted in one place.
 */
import createDebug from 'debug';
import { EventEmitter } from 'eventemitter3';
import { ErrorCodes, RemoteConnError } from '../errors.js';
import { RemoteNodeConnection } from '../node-connection/remote-node-connection.js';
import type { NodeConnectionEvents, NodeSnapshot, RemoteNodeOptions } from '../node-connection/types.js';
import { ConnectSlots } from './connect-slots.js';

const debug = createDebug('pcmk-remote:manager');

/**
 * A node to manage. Structurally compatible with `RemoteNodeSpec` from `@pcmk-remote/cib-model`
 * (`{ name, kind, host, port, reconnectIntervalMs, connectTimeoutMs, connectionResource, containerResource?,
 * bundle?, runningOn? }`); fields the connection does not use are ignored.
 */
export interface NodeSpec extends RemoteNodeOptions {
  bundle?: string;
  runningOn?: string;
  [extra: string]: unknown;
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

const FORWARDED = ['state', 'node-up', 'connect-failed', 'node-down', 'node-reconnecting', 'takeover', 'node-shutdown-request', 'monitor'] as const;

/** Fields whose change requires a new connection. */
const CONNECTION_FIELDS: Array<keyof RemoteNodeOptions> = [
  'kind', 'host', 'port', 'key', 'keyFile', 'x509', 'tls', 'connectTimeoutMs', 'attemptTimeoutMs', 'attemptRetryDelayMs',
  'minRemainingForRetryMs', 'reconnectIntervalMs', 'reconnectJitter', 'monitorIntervalMs', 'monitorTimeoutMs', 'keepAliveMs',
  'requestTimeoutMs', 'protocolVersion', 'clientName', 'managed', 'connectionResource', 'containerResource',
];

function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

/** Manages connections to many remote and guest nodes. */
export class ConnectionManager extends EventEmitter<ConnectionManagerEvents> {
  readonly #defaults: Partial<RemoteNodeOptions>;
  readonly #slots: ConnectSlots;
  readonly #autoStart: boolean;
  readonly #nodes = new Map<string, { conn: RemoteNodeConnection; options: RemoteNodeOptions; detach: () => void }>();
  #closed = false;

  constructor(options: ConnectionManagerOptions = {}) {
    super();
    const max = options.maxConcurrentConnects ?? 64;
    if (!Number.isInteger(max) || max < 1) {
      throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `maxConcurrentConnects must be a positive integer, got ${String(max)}`);
    }
    this.#defaults = options.defaults ?? {};
    this.#slots = new ConnectSlots(max);
    this.#autoStart = options.autoStart ?? true;
  }

  /** Concurrent-connect counters: running, waiting, and the peak seen. */
  get connectSlots(): { active: number; waiting: number; peak: number; limit: number } {
    return { active: this.#slots.active, waiting: this.#slots.waiting, peak: this.#slots.peak, limit: this.#slots.limit };
  }

  /** Number of managed nodes. */
  get size(): number {
    return this.#nodes.size;
  }

  #options(spec: NodeSpec): RemoteNodeOptions {
    if (typeof spec !== 'object' || spec === null || typeof spec.name !== 'string' || spec.name.length === 0) {
      throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'a node spec needs a non-empty name');
    }
    const o: Record<string, unknown> = { ...this.#defaults };
    for (const k of ['name', ...CONNECTION_FIELDS] as const) {
      const v = (spec as Record<string, unknown>)[k];
      if (v !== undefined) o[k] = v;
    }
    // cib-model reports reconnect/connect timeouts of 0 as "not set": keep the defaults then.
    if (spec.connectTimeoutMs === 0) o.connectTimeoutMs = this.#defaults.connectTimeoutMs;
    return o as unknown as RemoteNodeOptions;
  }

  /**
   * Adds a node and (by default) starts connecting it. Returns its connection.
   * @throws RemoteConnError `INVALID_ARGUMENT` for a bad spec or a name already managed; `CLOSED` after close()
   */
  addNode(spec: NodeSpec): RemoteNodeConnection {
    if (this.#closed) throw new RemoteConnError(ErrorCodes.CLOSED, 'The manager is closed');
    const options = this.#options(spec);
    if (this.#nodes.has(options.name)) {
      throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `Node ${options.name} is already managed (use updateNode)`);
    }
    const conn = new RemoteNodeConnection(options, { connectSlot: (signal) => this.#slots.acquire(signal) });
    const handlers = FORWARDED.map((event) => {
      const fn = (e: unknown) => (this.emit as (ev: string, arg: unknown) => boolean)(event, e);
      conn.on(event, fn as never);
      return () => conn.off(event, fn as never);
    });
    this.#nodes.set(options.name, { conn, options, detach: () => handlers.forEach((h) => h()) });
    debug('added %s (%s:%d)', options.name, conn.options.host, conn.options.port);
    this.emit('node-added', { node: options.name });
    if (this.#autoStart) conn.start().catch(() => undefined); // outcomes are events
    return conn;
  }

  /** Stops and forgets a node. Resolves `false` if it was not managed. */
  async removeNode(name: string): Promise<boolean> {
    const entry = this.#nodes.get(name);
    if (!entry) return false;
    this.#nodes.delete(name);
    await entry.conn.stop();
    entry.detach();
    debug('removed %s', name);
    this.emit('node-removed', { node: name });
    return true;
  }

  /**
   * Applies a changed spec. A change of anything that affects the connection (address, port, key,
   * timeouts...) replaces the connection (a reconnect). Resolves `true` when something changed.
   */
  async updateNode(spec: NodeSpec): Promise<boolean> {
    const options = this.#options(spec);
    const entry = this.#nodes.get(options.name);
    if (!entry) {
      this.addNode(spec);
      return true;
    }
    const changed = CONNECTION_FIELDS.some((k) => !sameValue(entry.options[k], options[k]));
    if (!changed) return false;
    debug('updating %s: connection parameters changed', options.name);
    await this.removeNode(options.name);
    this.addNode(spec);
    return true;
  }

  /**
   * Reconciles the managed set to `specs`: adds new nodes, removes absent ones, updates changed ones.
   * Idempotent: calling it again with the same specs changes nothing.
   */
  async sync(specs: Iterable<NodeSpec>): Promise<SyncResult> {
    const wanted = new Map<string, NodeSpec>();
    for (const s of specs) {
      const o = this.#options(s);
      if (wanted.has(o.name)) throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `Duplicate node name in sync: ${o.name}`);
      wanted.set(o.name, s);
    }
    const result: SyncResult = { added: [], removed: [], updated: [], unchanged: [] };
    const removals: Promise<unknown>[] = [];
    for (const name of [...this.#nodes.keys()]) {
      if (!wanted.has(name)) {
        result.removed.push(name);
        removals.push(this.removeNode(name));
      }
    }
    await Promise.all(removals);
    const updates: Promise<unknown>[] = [];
    for (const [name, spec] of wanted) {
      if (!this.#nodes.has(name)) {
        this.addNode(spec);
        result.added.push(name);
      } else {
        updates.push(this.updateNode(spec).then((changed) => (changed ? result.updated : result.unchanged).push(name)));
      }
    }
    await Promise.all(updates);
    return result;
  }

  /** The connection of a node. */
  node(name: string): RemoteNodeConnection | undefined {
    return this.#nodes.get(name)?.conn;
  }

  /** Snapshots of every node (state, since, attempts, last error, last RTT, holds). */
  nodes(): NodeSnapshot[] {
    return [...this.#nodes.values()].map((e) => e.conn.snapshot());
  }

  /**
   * Keeps a node from reconnecting until the returned function is called (used by fencing: fence before
   * reconnect). Unknown nodes get a no-op release.
   */
  holdReconnect(name: string, reason: string): () => void {
    const entry = this.#nodes.get(name);
    if (!entry) {
      debug('holdReconnect(%s): not managed', name);
      return () => undefined;
    }
    return entry.conn.holdReconnect(reason);
  }

  /** Starts connecting a node now (from `failed`, or cutting a reconnect wait short). */
  reconnectNode(name: string): void {
    this.#nodes.get(name)?.conn.reconnectNow();
  }

  /** Stops every node and forgets them. No event is emitted after it resolves. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#nodes.keys()].map((n) => this.removeNode(n)));
  }
}
