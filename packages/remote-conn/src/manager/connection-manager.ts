/**
 * `ConnectionManager`: many node connections, reconciled to a desired set (e.g. the output of
 * `@pcmk-remote/cib-model`'s `remoteNodes()`), with bounded concurrent connects and every node event
 * re-emitted in one place.
 */
import createDebug from 'debug';
import { EventEmitter } from 'eventemitter3';
import { ErrorCodes, RemoteConnError } from '../errors.js';
import { RemoteNodeConnection } from '../node-connection/remote-node-connection.js';
import type { NodeShutdownRequestEvent, NodeSnapshot, RemoteNodeOptions } from '../node-connection/types.js';
import { ConnectSlots } from './connect-slots.js';
import { CONNECTION_FIELDS, DESCRIPTION_FIELDS, sameValue, specOptions } from './node-spec.js';
import type { ConnectionManagerEvents, ConnectionManagerOptions, NodeSpec, SyncResult } from './types.js';

export type { ConnectionManagerEvents, ConnectionManagerOptions, NodeSpec, SyncResult } from './types.js';

const debug = createDebug('pcmk-remote:manager');

const FORWARDED = ['state', 'node-up', 'connect-failed', 'node-down', 'node-reconnecting', 'takeover', 'node-shutdown-request', 'monitor', 'relay-error'] as const;

interface Entry {
  conn: RemoteNodeConnection;
  options: RemoteNodeOptions;
  detach: () => void;
}

/** A reconnect hold taken through the manager: re-applied to a connection that replaces the node's. */
interface Hold {
  reason: string;
  release: () => void;
}

const noop = (): void => undefined;

/**
 * Manages connections to many remote and guest nodes.
 *
 * Membership changes are safe to overlap (e.g. a controller calling {@link sync} after each CIB change):
 * a node's name always maps to exactly one connection, a replacement connection starts only once the
 * one it replaces has stopped, and {@link close} waits for every stop under way.
 */
export class ConnectionManager extends EventEmitter<ConnectionManagerEvents> {
  readonly #defaults: Partial<RemoteNodeOptions>;
  readonly #slots: ConnectSlots;
  readonly #autoStart: boolean;
  readonly #nodes = new Map<string, Entry>();
  /** Reconnect holds per node name, kept across connection replacements. */
  readonly #holds = new Map<string, Map<symbol, Hold>>();
  /** Per node name: connections of that name still stopping (a replacement waits for them). */
  readonly #stopping = new Map<string, Promise<void>>();
  /** Every stop and removal under way (close() waits for them). */
  readonly #pending = new Set<Promise<unknown>>();
  #closed = false;
  #closing: Promise<void> | undefined;

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

  #checkOpen(): void {
    if (this.#closed) throw new RemoteConnError(ErrorCodes.CLOSED, 'The manager is closed');
  }

  /** A connection for `options`, its events forwarded and the node's reconnect holds applied. */
  #create(options: RemoteNodeOptions): Entry {
    const conn = new RemoteNodeConnection(options, { connectSlot: (signal) => this.#slots.acquire(signal) });
    const handlers = FORWARDED.map((event) => {
      const fn =
        event === 'node-shutdown-request'
          ? (e: NodeShutdownRequestEvent) => this.#forwardShutdownRequest(conn, e)
          : (e: unknown) => this.#forward(event, e);
      conn.on(event, fn as never);
      return () => conn.off(event, fn as never);
    });
    for (const hold of this.#holds.get(options.name)?.values() ?? []) hold.release = conn.holdReconnect(hold.reason);
    return { conn, options, detach: () => handlers.forEach((h) => h()) };
  }

  /**
   * Emits an event of the manager. A listener that throws must not break the connection that emitted it
   * (its state machine is mid-transition) nor a membership change under way: the exception is re-thrown
   * on the next tick, where it surfaces as an uncaught exception, as from any other Node event source.
   */
  #forward(event: string, e: unknown): void {
    try {
      (this.emit as (ev: string, arg: unknown) => boolean)(event, e);
    } catch (err) {
      debug('a %s listener threw: %O', event, err);
      process.nextTick(() => {
        throw err;
      });
    }
  }

  /**
   * The connection always has this listener, so it never answers a shutdown request by itself: when
   * nobody listens on the manager, answer as the connection would (ack when managed, nack when not).
   */
  #forwardShutdownRequest(conn: RemoteNodeConnection, e: NodeShutdownRequestEvent): void {
    if (this.listenerCount('node-shutdown-request') > 0) {
      this.#forward('node-shutdown-request', e);
      return;
    }
    const managed = conn.options.managed ?? true;
    debug('%s: shutdown request with no listener: %s', e.node, managed ? 'ack' : 'nack');
    void (managed ? e.ack() : e.nack()).catch(noop);
  }

  /** Starts `conn` once every earlier connection of its name has stopped, if it is still the node's. */
  #startWhenReady(name: string, conn: RemoteNodeConnection): void {
    const start = () => {
      if (this.#closed || this.#nodes.get(name)?.conn !== conn) return;
      conn.start().catch(noop); // outcomes are events
    };
    const before = this.#stopping.get(name);
    if (before) void before.then(start);
    else start();
  }

  /**
   * Stops a connection no longer in the map; tracked for replacements of its name and for close().
   * Resolves once it and every earlier connection of that name have stopped.
   */
  #stopEntry(name: string, entry: Entry): Promise<void> {
    const stopped = entry.conn
      .stop()
      .catch((err: unknown) => debug('%s: stop failed: %O', name, err))
      .finally(() => entry.detach());
    const all = Promise.all([this.#stopping.get(name), stopped]).then(noop);
    this.#stopping.set(name, all);
    void all.then(() => {
      if (this.#stopping.get(name) === all) this.#stopping.delete(name);
    });
    return this.#track(all);
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#pending.add(p);
    void p.then(
      () => this.#pending.delete(p),
      () => this.#pending.delete(p),
    );
    return p;
  }

  /**
   * Adds a node and (by default) starts connecting it. Returns its connection.
   * @throws RemoteConnError `INVALID_ARGUMENT` for a bad spec or a name already managed; `CLOSED` after close()
   */
  addNode(spec: NodeSpec): RemoteNodeConnection {
    this.#checkOpen();
    const options = specOptions(spec, this.#defaults);
    if (this.#nodes.has(options.name)) {
      throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `Node ${options.name} is already managed (use updateNode)`);
    }
    const entry = this.#create(options);
    this.#nodes.set(options.name, entry);
    debug('added %s (%s:%d)', options.name, entry.conn.options.host, entry.conn.options.port);
    this.#forward('node-added', { node: options.name });
    if (this.#autoStart) this.#startWhenReady(options.name, entry.conn);
    return entry.conn;
  }

  /**
   * Stops and forgets a node (its reconnect holds are dropped). Resolves `false` if it was not managed.
   * Emits `node-removed` once the connection has stopped; no event of that connection follows.
   */
  removeNode(name: string): Promise<boolean> {
    const entry = this.#nodes.get(name);
    if (!entry) return Promise.resolve(false);
    this.#nodes.delete(name);
    this.#holds.delete(name);
    return this.#track(
      this.#stopEntry(name, entry).then(() => {
        debug('removed %s', name);
        this.#forward('node-removed', { node: name });
        return true;
      }),
    );
  }

  /**
   * Applies a changed spec. A change of anything that affects the connection (address, port, key,
   * timeouts...) replaces the connection (a reconnect): the old one stops first, then the new one starts
   * (if the manager auto-starts or the old one had been started), keeping the node's reconnect holds.
   * Changes of descriptive fields (`kind`, `managed`, `connectionResource`, `containerResource`) apply in
   * place, without a reconnect. Changes of other fields (`runningOn`, `bundle`) change nothing. Adds the node if it is not managed.
   * Resolves `true` when something changed; rejects (changing nothing) for an invalid spec.
   */
  async updateNode(spec: NodeSpec): Promise<boolean> {
    this.#checkOpen();
    const options = specOptions(spec, this.#defaults);
    const name = options.name;
    const old = this.#nodes.get(name);
    if (!old) {
      this.addNode(spec);
      return true;
    }
    const changed = CONNECTION_FIELDS.some((k) => !sameValue(old.options[k], options[k]));
    if (!changed) {
      if (DESCRIPTION_FIELDS.every((k) => sameValue(old.options[k], options[k]))) return false;
      debug('updating %s in place: description changed', name);
      old.conn.updateDescription({ kind: options.kind, managed: options.managed, connectionResource: options.connectionResource, containerResource: options.containerResource });
      old.options = options;
      return true;
    }
    debug('updating %s: connection parameters changed', name);
    const start = this.#autoStart || old.conn.state !== 'stopped';
    const entry = this.#create(options);
    this.#nodes.set(name, entry);
    const stopped = this.#stopEntry(name, old);
    if (start) this.#startWhenReady(name, entry.conn);
    await stopped;
    return true;
  }

  /**
   * Reconciles the managed set to `specs`: adds new nodes, removes absent ones, updates changed ones.
   * Idempotent: calling it again with the same specs changes nothing. Every spec is validated first: an
   * invalid one (or a duplicate name) rejects with `INVALID_ARGUMENT` and changes nothing.
   * @throws RemoteConnError `INVALID_ARGUMENT`; `CLOSED` after close()
   */
  async sync(specs: Iterable<NodeSpec>): Promise<SyncResult> {
    this.#checkOpen();
    const wanted = new Map<string, NodeSpec>();
    for (const s of specs) {
      const o = specOptions(s, this.#defaults);
      if (wanted.has(o.name)) throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `Duplicate node name in sync: ${o.name}`);
      wanted.set(o.name, s);
    }
    const result: SyncResult = { added: [], removed: [], updated: [], unchanged: [] };
    const work: Promise<unknown>[] = [];
    for (const name of [...this.#nodes.keys()]) {
      if (!wanted.has(name)) {
        result.removed.push(name);
        work.push(this.removeNode(name));
      }
    }
    const outcomes: Array<{ name: string; outcome: Promise<boolean> | 'added' }> = [];
    for (const [name, spec] of wanted) {
      if (!this.#nodes.has(name)) {
        this.addNode(spec);
        outcomes.push({ name, outcome: 'added' });
      } else {
        const p = this.updateNode(spec);
        work.push(p);
        outcomes.push({ name, outcome: p });
      }
    }
    await Promise.all(work);
    for (const { name, outcome } of outcomes) {
      if (outcome === 'added') result.added.push(name);
      else (await outcome ? result.updated : result.unchanged).push(name);
    }
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
   * reconnect). The hold stays in force if an update replaces the node's connection; it ends when the node
   * is removed. Unknown nodes get a no-op release. The release function is idempotent.
   */
  holdReconnect(name: string, reason: string): () => void {
    const entry = this.#nodes.get(name);
    if (!entry) {
      debug('holdReconnect(%s): not managed', name);
      return noop;
    }
    let holds = this.#holds.get(name);
    if (!holds) {
      holds = new Map();
      this.#holds.set(name, holds);
    }
    const token = Symbol(reason);
    holds.set(token, { reason, release: entry.conn.holdReconnect(reason) });
    return () => {
      const hs = this.#holds.get(name);
      const hold = hs?.get(token);
      if (!hs || !hold) return;
      hs.delete(token);
      if (hs.size === 0) this.#holds.delete(name);
      hold.release();
    };
  }

  /** Starts connecting a node now (from `failed`, or cutting a reconnect wait short). */
  reconnectNode(name: string): void {
    this.#nodes.get(name)?.conn.reconnectNow();
  }

  /**
   * Stops every node and forgets them. Resolves once every connection (including ones an update was
   * replacing) has stopped; no event is emitted after it resolves. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      await Promise.all([...this.#nodes.keys()].map((n) => this.removeNode(n)));
      while (this.#pending.size > 0) await Promise.all([...this.#pending]);
    })();
    return this.#closing;
  }

  /** `await using manager = new ConnectionManager(...)`: {@link close} when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
