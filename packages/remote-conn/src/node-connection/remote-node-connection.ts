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
import { ErrorCodes, RemoteConnError, isRemoteConnError } from '../errors.js';
import { RemoteSession, type SessionCloseEvent } from '../session/remote-session.js';
import { checkMs, checkPort, defaultRemotePort, type RemoteSessionOptions } from '../session/options.js';
import type { NodeConnectionEvents, NodeDownReason, NodeSnapshot, NodeState, RemoteNodeOptions } from './types.js';

const debug = createDebug('pcmk-remote:conn');

/** Errors that end a start at once (Pacemaker: ENOKEY / EKEYREJECTED are hard, never retried). */
const HARD_ERRORS = new Set<string>([
  ErrorCodes.KEY_MISSING,
  ErrorCodes.KEY_UNREADABLE,
  ErrorCodes.KEY_EMPTY,
  ErrorCodes.KEY_INSECURE,
  ErrorCodes.KEY_TOO_LONG,
  ErrorCodes.CERT_UNREADABLE,
  ErrorCodes.AUTH_FAILED,
  ErrorCodes.PROTOCOL_MISMATCH,
  ErrorCodes.INVALID_ARGUMENT,
]);

/** True when an error makes a start fail without retry. */
export function isHardConnectError(err: unknown): boolean {
  return isRemoteConnError(err) && HARD_ERRORS.has(err.code);
}

/** The reason reported for a failed connect attempt. */
export function connectFailureReason(err: RemoteConnError): NodeDownReason {
  switch (err.code) {
    case ErrorCodes.CONNECT_TIMEOUT:
      return 'connect-timeout';
    case ErrorCodes.CONNECT_REFUSED:
      return 'refused';
    case ErrorCodes.AUTH_FAILED:
    case ErrorCodes.KEY_MISSING:
    case ErrorCodes.KEY_UNREADABLE:
    case ErrorCodes.KEY_EMPTY:
    case ErrorCodes.KEY_INSECURE:
    case ErrorCodes.KEY_TOO_LONG:
    case ErrorCodes.CERT_UNREADABLE:
      return 'auth-failed';
    case ErrorCodes.PROTOCOL_MISMATCH:
    case ErrorCodes.PROTOCOL_ERROR:
    case ErrorCodes.FRAME_INVALID:
    case ErrorCodes.FRAME_TOO_LARGE:
    case ErrorCodes.XML_INVALID:
    case ErrorCodes.DECOMPRESS_FAILED:
      return 'protocol-error';
    default:
      return 'connection-lost';
  }
}

interface Loss {
  reason: NodeDownReason;
  error?: RemoteConnError;
}

/** Hook the manager uses to bound concurrent connects: resolves with a release function. */
export type ConnectSlot = (signal: AbortSignal) => Promise<() => void>;

/** Resolved, validated options. */
interface Resolved extends Required<Omit<RemoteNodeOptions, 'key' | 'keyFile' | 'x509' | 'tls' | 'clientName' | 'connectionResource' | 'containerResource'>> {
  key?: Buffer;
  keyFile?: string;
  x509?: RemoteNodeOptions['x509'];
  tls?: RemoteNodeOptions['tls'];
  clientName?: string;
  connectionResource?: string;
  containerResource?: string;
}

/** Validates node options and applies Pacemaker's defaults. */
export function resolveNodeOptions(o: RemoteNodeOptions): Resolved {
  if (typeof o !== 'object' || o === null) throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'node options must be an object');
  if (typeof o.name !== 'string' || o.name.length === 0) throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'node name must be a non-empty string');
  const jitter = o.reconnectJitter ?? 0;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `reconnectJitter must be a fraction from 0 to 1, got ${String(jitter)}`);
  }
  const r: Resolved = {
    name: o.name,
    kind: o.kind ?? 'remote',
    host: o.host && o.host.length > 0 ? o.host : o.name,
    port: o.port === undefined ? defaultRemotePort() : checkPort(o.port),
    connectTimeoutMs: checkMs(o.connectTimeoutMs ?? 60_000, 'connectTimeoutMs'),
    attemptTimeoutMs: checkMs(o.attemptTimeoutMs ?? 10_000, 'attemptTimeoutMs'),
    attemptRetryDelayMs: checkMs(o.attemptRetryDelayMs ?? 1000, 'attemptRetryDelayMs', { min: 0 }),
    minRemainingForRetryMs: checkMs(o.minRemainingForRetryMs ?? 3000, 'minRemainingForRetryMs', { min: 0 }),
    reconnectIntervalMs: checkMs(o.reconnectIntervalMs ?? 0, 'reconnectIntervalMs', { min: 0 }),
    reconnectJitter: jitter,
    monitorIntervalMs: checkMs(o.monitorIntervalMs ?? 30_000, 'monitorIntervalMs', { min: 0 }),
    monitorTimeoutMs: checkMs(o.monitorTimeoutMs ?? 30_000, 'monitorTimeoutMs'),
    keepAliveMs: checkMs(o.keepAliveMs ?? 10_000, 'keepAliveMs', { min: 0 }),
    requestTimeoutMs: checkMs(o.requestTimeoutMs ?? 10_000, 'requestTimeoutMs'),
    protocolVersion: o.protocolVersion ?? '1.1',
    managed: o.managed ?? true,
  };
  if (o.kind !== undefined && o.kind !== 'remote' && o.kind !== 'guest') {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `kind must be 'remote' or 'guest', got ${String(o.kind)}`);
  }
  if (o.key) r.key = o.key;
  if (o.keyFile) r.keyFile = o.keyFile;
  if (o.x509) r.x509 = o.x509;
  if (o.tls) r.tls = o.tls;
  if (o.clientName) r.clientName = o.clientName;
  if (o.connectionResource) r.connectionResource = o.connectionResource;
  if (o.containerResource) r.containerResource = o.containerResource;
  return r;
}

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
  #holds = new Map<symbol, string>();
  #holdWaiters = new Set<() => void>();
  #connectSlot: ConnectSlot | undefined;
  #wake: (() => void) | undefined;

  constructor(options: RemoteNodeOptions, internals: { connectSlot?: ConnectSlot } = {}) {
    super();
    this.#o = resolveNodeOptions(options);
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
      holds: [...this.#holds.values()],
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
      this.#wake?.();
    }
    return p;
  }

  /** Starts connecting now: from `failed`, or skipping the rest of a reconnect wait. */
  reconnectNow(): void {
    if (this.#run && (this.#state === 'waiting' || this.#state === 'failed')) this.#wake?.();
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
    const token = Symbol(reason);
    this.#holds.set(token, reason);
    debug('%s: reconnect held (%s)', this.#o.name, reason);
    return () => {
      if (!this.#holds.delete(token)) return;
      debug('%s: hold released (%s)', this.#o.name, reason);
      if (this.#holds.size === 0) for (const w of [...this.#holdWaiters]) w();
    };
  }

  /** Resolves when the node reaches `state` (or rejects on timeout / abort). */
  waitFor(state: NodeState, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (this.#state === state) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.off('state', onState);
        options.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onState = (e: { to: NodeState }) => e.to === state && done();
      const onAbort = () => done(new RemoteConnError(ErrorCodes.ABORTED, `Waiting for ${this.#o.name} to be ${state} was aborted`));
      this.on('state', onState);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(
          () => done(new RemoteConnError(ErrorCodes.REQUEST_TIMEOUT, `${this.#o.name} did not become ${state} within ${options.timeoutMs} ms (it is ${this.#state})`)),
          options.timeoutMs,
        );
      }
    });
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
        await this.#sleepUntilWoken(signal);
        return this.#lifecycle(signal);
      }
      for (;;) {
        wasUp = true;
        const loss = await this.#runUp(session, signal);
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
          await this.#sleepUntilWoken(signal);
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
        this.emit('node-down', { node: this.#o.name, at: Date.now(), reason: 'stopped', willReconnect: false });
      }
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
    await this.#interruptibleSleep(firstDelay, signal);
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
    const budgetEnd = performance.now() + this.#o.connectTimeoutMs;
    const o = this.#o;
    let lastAttempt = 0;
    const canRetry = (err: unknown) =>
      !signal.aborted && !isHardConnectError(err) && budgetEnd - performance.now() > o.minRemainingForRetryMs;
    const session = await pRetry(
      async (attempt) => {
        lastAttempt = attempt;
        this.#attempts++;
        const remaining = Math.max(1, Math.round(budgetEnd - performance.now()));
        const release = this.#connectSlot ? await this.#connectSlot(signal) : () => undefined;
        try {
          return await RemoteSession.connect(this.#sessionOptions(Math.min(o.attemptTimeoutMs, remaining), signal));
        } finally {
          release();
        }
      },
      {
        retries: Number.POSITIVE_INFINITY,
        factor: 1,
        minTimeout: o.attemptRetryDelayMs,
        maxTimeout: o.attemptRetryDelayMs,
        randomize: false,
        signal,
        onFailedAttempt: ({ error, attemptNumber }) => {
          if (signal.aborted) return;
          const e = toError(error);
          this.#recordError(e);
          const willRetry = canRetry(e);
          debug('%s: attempt %d failed (%s)%s', o.name, attemptNumber, e.code, willRetry ? ', retrying' : '');
          this.emit('connect-failed', {
            node: o.name,
            attempt: attemptNumber,
            phase: (e.details.phase as 'tcp') ?? 'session',
            reason: connectFailureReason(e),
            error: e,
            willRetry,
            ...(willRetry ? { nextAttemptAt: Date.now() + o.attemptRetryDelayMs } : {}),
          });
        },
        shouldRetry: ({ error }) => canRetry(error),
      },
    ).catch((err: unknown) => {
      throw signal.aborted ? signal.reason : toError(err);
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

  #sessionOptions(connectTimeoutMs: number, signal: AbortSignal): RemoteSessionOptions {
    const o = this.#o;
    const s: RemoteSessionOptions = {
      host: o.host,
      port: o.port,
      connectTimeoutMs,
      requestTimeoutMs: o.requestTimeoutMs,
      protocolVersion: o.protocolVersion,
      clientName: o.clientName ?? `pcmk-remote-${o.host}:${o.port}`,
      ipcProvider: true,
      signal,
    };
    if (o.keepAliveMs > 0) s.keepAliveMs = o.keepAliveMs;
    if (o.key) s.key = o.key;
    if (o.keyFile) s.keyFile = o.keyFile;
    if (o.x509) s.x509 = o.x509;
    if (o.tls) s.tls = o.tls;
    return s;
  }

  /** Monitors an up session until it is lost (or the lifecycle is stopped). */
  #runUp(session: RemoteSession, signal: AbortSignal): Promise<Loss> {
    const o = this.#o;
    return new Promise<Loss>((resolve) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      let draining = false;
      let takeover = false;
      const finish = (loss: Loss) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        session.off('close', onClose);
        session.off('new-client', onNewClient);
        session.off('shutdown-request', onShutdown);
        // On stop the lifecycle closes the session itself (TLS close_notify).
        if (loss.reason !== 'stopped' && this.#session === session) this.#session = undefined;
        resolve(loss);
      };
      const onAbort = () => finish({ reason: 'stopped' });
      const onClose = (ev: SessionCloseEvent) => {
        if (takeover) return finish({ reason: 'takeover' });
        if (draining || ev.afterShutdownRequest) {
          // A graceful stop of the daemon; a close error here (2.1.5 exits without close_notify) is not a failure.
          return finish({ reason: 'shutdown' });
        }
        const e = ev.error;
        if (!e) return finish({ reason: 'connection-lost' });
        const reason = connectFailureReason(e);
        finish({ reason: reason === 'protocol-error' ? 'protocol-error' : 'connection-lost', error: e });
      };
      const onNewClient = () => {
        const expected = this.#expectTakeover;
        this.emit('takeover', { node: o.name, expected });
        debug('%s: %s takeover by another client; disconnecting', o.name, expected ? 'expected' : 'unexpected');
        takeover = true;
        void session.close();
      };
      const onShutdown = (req: { ack(): Promise<boolean>; nack(): Promise<boolean> }) => {
        draining = true;
        this.#setState('draining');
        // After an ack the owner has moved the resources away: leave, as Pacemaker's controller does when it
        // stops the connection resource. 2.1.6+ daemons wait for their providers to disconnect before they
        // exit (2.1.5 exits at once, protocol.md §3.7). After a nack the daemon exits by itself.
        const ack = async () => {
          const sent = await req.ack();
          if (!settled) void session.close();
          return sent;
        };
        if (this.listenerCount('node-shutdown-request') === 0) {
          void (this.#o.managed ? ack() : req.nack());
          return;
        }
        this.emit('node-shutdown-request', { node: o.name, ack, nack: () => req.nack() });
      };
      const schedule = () => {
        if (o.monitorIntervalMs === 0 || settled) return;
        timer = setTimeout(() => {
          session.poke({ timeoutMs: o.monitorTimeoutMs }).then(
            ({ rttMs }) => {
              if (settled) return;
              this.#lastRttMs = rttMs;
              this.emit('monitor', { node: o.name, at: Date.now(), rttMs });
              schedule();
            },
            (err: unknown) => {
              if (settled) return;
              if (isRemoteConnError(err, ErrorCodes.REQUEST_TIMEOUT)) {
                const e = new RemoteConnError(ErrorCodes.REQUEST_TIMEOUT, `Remote executor on ${o.name} did not respond to a poke within ${o.monitorTimeoutMs} ms`, { cause: err });
                session.destroy();
                finish({ reason: 'monitor-timeout', error: e });
              }
              // CLOSED: the close handler reports it.
            },
          );
        }, o.monitorIntervalMs);
      };
      session.on('close', onClose);
      session.on('new-client', onNewClient);
      session.on('shutdown-request', onShutdown);
      signal.addEventListener('abort', onAbort, { once: true });
      // stop() may have been called between start() resolving and this point.
      if (signal.aborted) onAbort();
      else if (session.closed) onClose({ afterShutdownRequest: false, local: false });
      else schedule();
    });
  }

  async #waitHolds(signal: AbortSignal): Promise<void> {
    while (this.#holds.size > 0) {
      if (this.#state !== 'waiting' && this.#state !== 'failed') this.#setState('waiting');
      await new Promise<void>((resolve, reject) => {
        const done = () => {
          this.#holdWaiters.delete(done);
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          this.#holdWaiters.delete(done);
          reject(signal.reason);
        };
        this.#holdWaiters.add(done);
        signal.addEventListener('abort', onAbort, { once: true });
        if (signal.aborted) onAbort();
      });
    }
    signal.throwIfAborted();
  }

  /** Sleeps `ms` unless woken (reconnectNow) or stopped. */
  async #interruptibleSleep(ms: number, signal: AbortSignal): Promise<void> {
    const wake = new AbortController();
    this.#wake = () => wake.abort();
    try {
      await sleep(ms, undefined, { signal: AbortSignal.any([signal, wake.signal]) });
    } catch {
      signal.throwIfAborted();
    } finally {
      this.#wake = undefined;
    }
  }

  /**
   * Parks a `failed` node until reconnectNow()/start() wakes it or stop() ends it. No timer is armed, so
   * a failed node does not keep the process alive.
   */
  async #sleepUntilWoken(signal: AbortSignal): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#wake = undefined;
        reject(signal.reason);
      };
      this.#wake = () => {
        this.#wake = undefined;
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
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

function toError(err: unknown): RemoteConnError {
  if (err instanceof RemoteConnError) return err;
  return new RemoteConnError(ErrorCodes.CONNECT_FAILED, err instanceof Error ? err.message : String(err), { cause: err });
}
