/**
 * The waits of a node connection: reconnect holds (fencing before reconnect), the sleeps that
 * `reconnectNow()` can cut short and `stop()` ends, and a caller's wait for a state.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventEmitter } from 'eventemitter3';
import { ErrorCodes, RemoteConnError } from '../errors.js';
import type { NodeConnectionEvents, NodeState } from './types.js';

/** Reasons keeping a node from (re)connecting; the node waits until none is left. */
export class ReconnectHolds {
  #holds = new Map<symbol, string>();
  #waiters = new Set<() => void>();

  /** The active holds' reasons. */
  reasons(): string[] {
    return [...this.#holds.values()];
  }

  /** Adds a hold; the returned function releases it (once). */
  add(reason: string, onRelease: () => void): () => void {
    const token = Symbol(reason);
    this.#holds.set(token, reason);
    return () => {
      if (!this.#holds.delete(token)) return;
      onRelease();
      if (this.#holds.size === 0) for (const w of [...this.#waiters]) w();
    };
  }

  /** Resolves when no hold is left (at once if none); `onWaiting` runs before each wait. Rejects on abort. */
  async wait(signal: AbortSignal, onWaiting: () => void): Promise<void> {
    while (this.#holds.size > 0) {
      onWaiting();
      await new Promise<void>((resolve, reject) => {
        const done = () => {
          this.#waiters.delete(done);
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          this.#waiters.delete(done);
          reject(signal.reason);
        };
        this.#waiters.add(done);
        signal.addEventListener('abort', onAbort, { once: true });
        if (signal.aborted) onAbort();
      });
    }
    signal.throwIfAborted();
  }
}

/** Sleeps that {@link Waker.wake} cuts short. */
export class Waker {
  #wake: (() => void) | undefined;

  /** Ends the current sleep, if any. */
  wake(): void {
    this.#wake?.();
  }

  /** Sleeps `ms` unless woken or `signal` aborts (then it throws the signal's reason). */
  async sleep(ms: number, signal: AbortSignal): Promise<void> {
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
   * Parks until woken or `signal` aborts. No timer is armed, so a parked node does not keep the process
   * alive.
   */
  async park(signal: AbortSignal): Promise<void> {
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
}

/** The node connection as {@link waitForState} sees it. */
interface StateSource {
  readonly name: string;
  readonly state: NodeState;
  on: EventEmitter<NodeConnectionEvents>['on'];
  off: EventEmitter<NodeConnectionEvents>['off'];
}

/** Resolves when `node` reaches `state` (or rejects on timeout / abort). */
export function waitForState(node: StateSource, state: NodeState, options: { timeoutMs?: number; signal?: AbortSignal }): Promise<void> {
  if (node.state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (err?: Error) => {
      clearTimeout(timer);
      node.off('state', onState);
      options.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onState = (e: { to: NodeState }) => e.to === state && done();
    const onAbort = () => done(new RemoteConnError(ErrorCodes.ABORTED, `Waiting for ${node.name} to be ${state} was aborted`));
    node.on('state', onState);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(
        () => done(new RemoteConnError(ErrorCodes.REQUEST_TIMEOUT, `${node.name} did not become ${state} within ${options.timeoutMs} ms (it is ${node.state})`)),
        options.timeoutMs,
      );
    }
  });
}
