/**
 * `RemoteNodeConnection`: one long-lived connection to a remote or guest node, with the timing semantics
 * of Pacemaker's controller (protocol.md §4.2–§4.8) and reconnect_interval as documented:
 *
 * - start: the whole start has `connectTimeoutMs`; each attempt is capped at `attemptTimeoutMs`; a failed
 *   attempt is retried after `attemptRetryDelayMs` while more than `minRemainingForRetryMs` remain; a
 *   missing or rejected key is a hard failure, never retried within a start.
 * - liveness: a poke every `monitorIntervalMs`; no answer within `monitorTimeoutMs` is a loss.
 * - after the loss of an established connection: wait `reconnectIntervalMs`, start again, and keep doing so
 *   after each wait, indefinitely, until stopped. With 0 the node goes to `failed` and the owner decides.
 * - a graceful shutdown of the daemon is reported as reason `shutdown`, never as a failure.
 * - another client connecting to the daemon is a takeover: we step aside, never fight it with reconnects.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import createDebug from 'debug';
import { EventEmitter } from 'eventemitter3';
import pRetry from 'p-retry';
import { ErrorCodes, RemoteConnError } from '../errors.js';
import { RemoteSession } from '../session/remote-session.js';
import { connectWithinBudget } from './connect-attempts.js';
import { toError } from './failures.js';
import { resolveNodeOptions, type Resolved } from './options.js';
import { runUp, type UpNode } from './run-up.js';
import type { NodeConnectionEvents, NodeSnapshot, NodeState, RemoteNodeOptions } from './types.js';
import { ReconnectHolds, Waker, waitForState } from './waits.js';

export { isHardConnectError, connectFailureReason } from './failures.js';
export { resolveNodeOptions } from './options.js';

const debug = createDebug('pcmk-remote:conn');

/** Hook the manager uses to bound concurrent connects: resolves with a release function. */
export type ConnectSlot = (signal: AbortSignal) => Promise<() => void>;

/** One node's connection lifecycle. */
export class RemoteNodeConnection extends EventEmitter<NodeConnectionEvents> {
  #o: Resolved;
  #state: NodeState = 'stopped';
  #since = Date.now();
  #session: RemoteSession | undefined;
  #life: AbortController | undefined;
  #run: Promise<void> | undefined;
  #startWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  #attempts = 0;
  #losses = 0;
  #lastError: NodeSnapshot['lastError'];
  #lastRttMs: number | undefined;
  #expectTakeover = false;
  #holds = new ReconnectHolds();
  #connectSlot: ConnectSlot | undefined;
  #waker = new Waker();
  /** What the up phase ({@link runUp}) may use of this connection. */
  readonly #upNode: UpNode;

  constructor(options: RemoteNodeOptions, internals: { connectSlot?: ConnectSlot } = {}) {
    super();
    this.#o = resolveNodeOptions(options);
    this.#upNode = {
      options: this.#o,
      emit: this.emit.bind(this),
      listenerCount: this.listenerCount.bind(this),
      setState: (to) => this.#setState(to),
      takeoverExpected: () => this.#expectTakeover,
      recordRtt: (ms) => {
        this.#lastRttMs = ms;
      },
      sessionEnded: (session) => {
        if (this.#session === session) this.#session = undefined;
      },
    };
    this.#connectSlot = internals.connectSlot;
  }

  /**
   * Emits an event. A listener that throws must not break the lifecycle, which is in the middle of a
   * transition: the exception is re-thrown on the next tick, where it surfaces as an uncaught exception, as
   * from any other Node event source (the same rule as {@link ConnectionManager}).
   */
  override emit<T extends EventEmitter.EventNames<NodeConnectionEvents>>(event: T, ...args: EventEmitter.EventArgs<NodeConnectionEvents, T>): boolean {
    try {
      return super.emit(event, ...args);
    } catch (err) {
      debug('%s: a %s listener threw: %O', this.#o.name, String(event), err);
      process.nextTick(() => {
        throw err;
      });
      return true;
    }
  }

  get name(): string {
    return this.#o.name;
  }
  get state(): NodeState {
    return this.#state;
  }
  /** The current session while `up` or `draining` (for executor operations on the node). */
  get session(): RemoteSession | undefined {
    return this.#session;
  }
  /** The effective options. */
  get options(): Readonly<RemoteNodeOptions> {
    return this.#o;
  }

  /**
   * Changes the fields that describe the node without affecting the connection (`kind`, `managed`,
   * `connectionResource`, `containerResource`), in place: no reconnect. `managed` decides the answer to
   * the next shutdown request (nack when unmanaged, as Pacemaker's controller does in maintenance).
   * @throws RemoteConnError `INVALID_ARGUMENT` for an invalid value (nothing changes then)
   */
  updateDescription(d: Pick<RemoteNodeOptions, 'kind' | 'managed' | 'connectionResource' | 'containerResource'>): void {
    const next = resolveNodeOptions({ ...this.#o, ...d });
    this.#o.kind = next.kind;
    this.#o.managed = next.managed;
    if (next.connectionResource) this.#o.connectionResource = next.connectionResource;
    else delete this.#o.connectionResource;
    if (next.containerResource) this.#o.containerResource = next.containerResource;
    else delete this.#o.containerResource;
  }

  /** A snapshot of the connection's state and counters. */
  snapshot(): NodeSnapshot {
    const s: NodeSnapshot = {
      name: this.#o.name,
      kind: this.#o.kind,
      host: this.#o.host,
      port: this.#o.port,
      state: this.#state,
      since: this.#since,
      attempts: this.#attempts,
      losses: this.#losses,
      holds: this.#holds.reasons(),
    };
    if (this.#lastError) s.lastError = this.#lastError;
    if (this.#lastRttMs !== undefined) s.lastRttMs = this.#lastRttMs;
    if (this.#session) s.protocolVersion = s.daemonVersion = this.#session.protocolVersion;
    if (this.#o.connectionResource) s.connectionResource = this.#o.connectionResource;
    if (this.#o.containerResource) s.containerResource = this.#o.containerResource;
    return s;
  }

  /**
   * Starts the connection. Resolves when the node is `up`; rejects with the start's last error when the
   * start fails (the node is then `failed`), or with `STOPPED` when `stop()` is called first.
   * Calling it while a start is under way joins it; while `up` it resolves at once.
   */
  start(): Promise<void> {
    if (this.#state === 'up' || this.#state === 'draining') return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => this.#startWaiters.push({ resolve, reject }));
    if (!this.#run) {
      const life = new AbortController();
      this.#life = life;
      this.#run = this.#lifecycle(life.signal).finally(() => {
        if (this.#life === life) {
          this.#run = undefined;
          this.#life = undefined;
        }
      });
    } else if (this.#state === 'waiting' || this.#state === 'failed') {
      this.#waker.wake();
    }
    return p;
  }

  /** Starts connecting now: from `failed`, or skipping the rest of a reconnect wait. */
  reconnectNow(): void {
    if (this.#run && (this.#state === 'waiting' || this.#state === 'failed')) this.#waker.wake();
    else if (!this.#run) void this.start().catch(() => undefined);
  }

  /**
   * Stops: cancels waits, timers and attempts, closes the session (TLS close_notify) and emits
   * `node-down` with reason `stopped` if the node was up. No event follows once the promise resolves.
   */
  async stop(): Promise<void> {
    const life = this.#life;
    const run = this.#run;
    if (!life || !run) {
      this.#setState('stopped');
      return;
    }
    life.abort(new RemoteConnError(ErrorCodes.STOPPED, `The connection to ${this.#o.name} was stopped`));
    await run;
  }

  /** `await using conn = new RemoteNodeConnection(...)`: {@link stop} when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Announces a migration: the next takeover is expected, and this connection then stops quietly. */
  expectTakeover(): void {
    this.#expectTakeover = true;
  }

  /**
   * Keeps the node from (re)connecting until the returned function is called (fencing before reconnect).
   * Several holds may be active; the node waits for all of them.
   */
  holdReconnect(reason: string): () => void {
    debug('%s: reconnect held (%s)', this.#o.name, reason);
    return this.#holds.add(reason, () => debug('%s: hold released (%s)', this.#o.name, reason));
  }

  /** Resolves when the node reaches `state` (or rejects on timeout / abort). */
  waitFor(state: NodeState, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    return waitForState(this, state, options);
  }

  // ---- lifecycle ----------------------------------------------------------------------------------

  async #lifecycle(signal: AbortSignal): Promise<void> {
    let wasUp = false;
    try {
      let session: RemoteSession;
      try {
        await this.#waitHolds(signal);
        session = await this.#startWithBudget(signal);
      } catch (err) {
        if (signal.aborted) throw err;
        const e = toError(err);
        this.#setState('failed');
        this.#settleStart(e);
        // Stay in `failed` until reconnectNow()/start() (handled by waking) or stop().
        await this.#waker.park(signal);
        return this.#lifecycle(signal);
      }
      for (;;) {
        wasUp = true;
        const loss = await runUp(session, signal, this.#upNode);
        signal.throwIfAborted();
        this.#losses++;
        const interval = this.#o.reconnectIntervalMs;
        const takeover = loss.reason === 'takeover';
        const willReconnect = !takeover && interval > 0;
        const delay = willReconnect ? this.#reconnectDelay() : 0;
        const nextAttemptAt = willReconnect ? Date.now() + delay : undefined;
        if (loss.error) this.#recordError(loss.error);
        const finalState: NodeState = willReconnect ? 'waiting' : loss.reason === 'shutdown' || (takeover && this.#consumeExpected()) ? 'stopped' : 'failed';
        this.#setState(finalState);
        wasUp = false;
        this.#relayNodeDown();
        this.emit('node-down', {
          node: this.#o.name,
          at: Date.now(),
          reason: loss.reason,
          ...(loss.error ? { error: loss.error } : {}),
          willReconnect,
          ...(nextAttemptAt !== undefined ? { nextAttemptAt } : {}),
        });
        if (!willReconnect) {
          if (takeover || finalState === 'stopped') return;
          await this.#waker.park(signal);
          return this.#lifecycle(signal);
        }
        session = await this.#reconnect(signal, delay);
      }
    } catch (err) {
      if (!signal.aborted) throw err;
      // Stopped.
      const session = this.#session;
      this.#session = undefined;
      if (session) await session.close().catch(() => undefined);
      this.#settleStart(toError(signal.reason));
      const was = this.#state;
      this.#setState('stopped');
      if (wasUp || was === 'up' || was === 'draining') {
        this.#relayNodeDown();
        this.emit('node-down', { node: this.#o.name, at: Date.now(), reason: 'stopped', willReconnect: false });
      }
    }
  }

  /** Pacemaker forgets a remote node's transient attributes when its connection goes: so may the relay. */
  #relayNodeDown(): void {
    try {
      this.#o.ipcRelay?.nodeDown?.(this.#o.name);
    } catch (err) {
      debug('%s: ipcRelay.nodeDown threw: %s', this.#o.name, (err as Error).message);
    }
  }

  #consumeExpected(): boolean {
    const e = this.#expectTakeover;
    this.#expectTakeover = false;
    return e;
  }

  #reconnectDelay(): number {
    const i = this.#o.reconnectIntervalMs;
    return Math.round(i + Math.random() * this.#o.reconnectJitter * i);
  }

  /** Waits `firstDelay`, then starts again and again, every interval, until up or stopped. */
  async #reconnect(signal: AbortSignal, firstDelay: number): Promise<RemoteSession> {
    this.emit('node-reconnecting', { node: this.#o.name, attempt: 1, delayMs: firstDelay, nextAttemptAt: Date.now() + firstDelay });
    await this.#waker.sleep(firstDelay, signal);
    const interval = this.#o.reconnectIntervalMs;
    return pRetry(
      async () => {
        await this.#waitHolds(signal);
        return this.#startWithBudget(signal);
      },
      {
        retries: Number.POSITIVE_INFINITY,
        factor: 1,
        minTimeout: interval,
        maxTimeout: interval,
        randomize: false,
        signal,
        onFailedAttempt: async ({ attemptNumber }) => {
          if (signal.aborted) return;
          this.#setState('waiting');
          const extra = Math.round(Math.random() * this.#o.reconnectJitter * interval);
          const delayMs = interval + extra;
          this.emit('node-reconnecting', { node: this.#o.name, attempt: attemptNumber + 1, delayMs, nextAttemptAt: Date.now() + delayMs });
          if (extra > 0) await sleep(extra, undefined, { signal }).catch(() => undefined);
        },
        shouldRetry: () => !signal.aborted,
      },
    );
  }

  /** One start: attempts within the budget, Pacemaker style. Ends `up` (resolves) or throws. */
  async #startWithBudget(signal: AbortSignal): Promise<RemoteSession> {
    this.#setState('connecting');
    const o = this.#o;
    const { session, attempt: lastAttempt } = await connectWithinBudget(o, signal, {
      connectSlot: this.#connectSlot,
      countAttempt: () => this.#attempts++,
      recordError: (e) => this.#recordError(e),
      emit: this.emit.bind(this),
    });
    if (signal.aborted) {
      await session.close().catch(() => undefined);
      throw signal.reason;
    }
    this.#session = session;
    this.#lastRttMs = session.timings.registerMs;
    this.#setState('up');
    this.emit('node-up', {
      node: o.name,
      at: Date.now(),
      attempt: lastAttempt,
      rttMs: session.timings.registerMs,
      protocolVersion: session.protocolVersion,
      daemonVersion: session.protocolVersion,
      ...(session.daemon.uptimeS !== undefined ? { daemonUptimeS: session.daemon.uptimeS } : {}),
      ...(session.daemon.nodeStartState !== undefined ? { nodeStartState: session.daemon.nodeStartState } : {}),
      tls: { protocol: session.transportInfo.protocol, cipher: session.transportInfo.cipher, engine: session.transportInfo.engine },
    });
    this.#settleStart();
    return session;
  }

  #waitHolds(signal: AbortSignal): Promise<void> {
    return this.#holds.wait(signal, () => {
      if (this.#state !== 'waiting' && this.#state !== 'failed') this.#setState('waiting');
    });
  }

  #recordError(e: RemoteConnError): void {
    this.#lastError = { code: e.code, message: e.message, at: Date.now() };
  }

  #settleStart(err?: Error): void {
    const waiters = this.#startWaiters.splice(0);
    for (const w of waiters) (err ? w.reject(err) : w.resolve());
  }

  #setState(to: NodeState): void {
    const from = this.#state;
    if (from === to) return;
    this.#state = to;
    this.#since = Date.now();
    debug('%s: %s -> %s', this.#o.name, from, to);
    this.emit('state', { node: this.#o.name, from, to, at: this.#since });
  }
}
