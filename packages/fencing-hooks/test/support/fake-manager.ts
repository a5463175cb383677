/**
 * A small stand-in for remote-conn's ConnectionManager implementing ManagerLike: nodes with states, holds
 * that really block reconnection, reconnect_interval (0 → `failed`, > 0 → `waiting` then reconnect), and
 * helpers to drive node-down / node-up / shutdown requests.
 */
import { EventEmitter } from 'eventemitter3';
import type { ManagedNodeSnapshot, ManagerLike, NodeDownReason } from '../../src/index.js';

export interface FakeNode extends ManagedNodeSnapshot {
  reconnectIntervalMs: number;
}

export class FakeManager extends EventEmitter implements ManagerLike {
  readonly #nodes = new Map<string, FakeNode>();
  readonly holds = new Map<string, Set<symbol>>();
  readonly reconnectCalls: string[] = [];
  readonly log: string[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  /** node-up events emitted while a hold was active (must stay 0). */
  upWhileHeld = 0;

  add(name: string, opts: Partial<FakeNode> = {}): this {
    this.#nodes.set(name, { name, kind: 'remote', state: 'stopped', host: '127.0.0.1', port: 3121, reconnectIntervalMs: 0, ...opts });
    return this;
  }

  nodes(): ManagedNodeSnapshot[] {
    return [...this.#nodes.values()].map(({ reconnectIntervalMs: _r, ...s }) => ({ ...s }));
  }

  held(node: string): boolean {
    return (this.holds.get(node)?.size ?? 0) > 0;
  }

  state(node: string): string | undefined {
    return this.#nodes.get(node)?.state;
  }

  holdReconnect(node: string, reason: string): () => void {
    const token = Symbol(reason);
    let set = this.holds.get(node);
    if (!set) this.holds.set(node, (set = new Set()));
    set.add(token);
    this.log.push(`hold ${node}`);
    return () => {
      if (!set.delete(token)) return;
      this.log.push(`release ${node}`);
      // A waiting node whose interval already elapsed reconnects once the last hold goes.
      const n = this.#nodes.get(node);
      if (n && set.size === 0 && n.state === 'waiting-due') this.up(node);
    };
  }

  reconnectNode(node: string): void {
    this.reconnectCalls.push(node);
    this.log.push(`reconnectNode ${node}`);
    if (!this.held(node)) this.up(node);
  }

  setState(node: string, to: string): void {
    const n = this.#nodes.get(node);
    if (!n) throw new Error(`unknown ${node}`);
    const from = n.state === 'waiting-due' ? 'waiting' : n.state;
    n.state = to;
    this.emit('state', { node, from, to: to === 'waiting-due' ? 'waiting' : to, at: Date.now() });
  }

  /** The connection reaches `up`. */
  up(node: string): void {
    if (this.held(node)) this.upWhileHeld++;
    this.setState(node, 'connecting');
    this.setState(node, 'up');
    this.log.push(`up ${node}`);
    this.emit('node-up', { node, at: Date.now(), attempt: 1, rttMs: 1, daemonVersion: '2.1.5' });
  }

  /** The connection goes down; with an interval, the fake reconnects by itself after it (unless held). */
  down(node: string, reason: NodeDownReason): void {
    const n = this.#nodes.get(node);
    if (!n) throw new Error(`unknown ${node}`);
    const graceful = reason === 'shutdown' || reason === 'stopped';
    const willReconnect = !graceful && n.reconnectIntervalMs > 0;
    this.setState(node, graceful ? 'stopped' : willReconnect ? 'waiting' : 'failed');
    this.log.push(`down ${node} ${reason}`);
    this.emit('node-down', {
      node,
      at: Date.now(),
      reason,
      willReconnect,
      ...(willReconnect ? { nextAttemptAt: Date.now() + n.reconnectIntervalMs } : {}),
    });
    if (willReconnect) {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        if (n.state !== 'waiting') return;
        if (this.held(node)) n.state = 'waiting-due';
        else this.up(node);
      }, n.reconnectIntervalMs);
      this.#timers.add(timer);
    }
  }

  /** The daemon asks to shut down; the fake acks (state draining), as the real manager does by default. */
  shutdownRequest(node: string): void {
    this.setState(node, 'draining');
    this.emit('node-shutdown-request', { node, ack: async () => undefined, nack: async () => undefined });
  }

  listenerTotal(): number {
    return this.eventNames().reduce((s, e) => s + this.listenerCount(e), 0);
  }

  dispose(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves when `emitter` emits `event` (first argument), or rejects after `ms`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyEmitter = { once(e: any, fn: any): unknown; off(e: any, fn: any): unknown };

export function once<T>(emitter: AnyEmitter, event: string, ms = 2000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const fn = (v: T) => {
      clearTimeout(timer);
      resolve(v);
    };
    const timer = setTimeout(() => {
      emitter.off(event, fn);
      reject(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    emitter.once(event, fn);
  });
}
