/**
 * `NodeAttributeStore`: transient node attributes, kept as pacemaker-attrd keeps them, and served to
 * the tools of remote nodes through the IPC relay (`attrd_updater`, `crm_attribute -l reboot`,
 * `crm_master`, and every agent that calls them).
 *
 * - update (with `value++` / `value+=N`), update-delay, update-both, delete (an update without value),
 *   query (one node or all), clear-failure, peer-remove; the tools get attrd's answers;
 * - dampening as attrd applies it: a value is current at once (`get`, queries), and it is *written* (a
 *   `change` event) once the attribute has been quiet for its dampening delay;
 * - per-node clear when the node's connection goes down (as Pacemaker forgets a lost remote node's
 *   transient attributes).
 */
import createDebug from 'debug';
import { EventEmitter } from 'eventemitter3';
import { ErrorCodes, RemoteConnError } from '../errors.js';
import type { XmlElement } from '../messages/xml.js';
import { AttrdTask, attrdAck, attrdQueryReply, expandValue, failureRegex, parseDurationMs, readAttrdRequest, type AttrdOperation } from './attrd-messages.js';
import type { IpcRelay, RelayRequest, RelaySession, RelaySessionHandler } from './types.js';

const debug = createDebug('pcmk-remote:relay:attrd');

/** A written change of one node attribute. */
export interface AttributeChangeEvent {
  node: string;
  name: string;
  /** The new value; `undefined` when the attribute was deleted. */
  value: string | undefined;
  /** The value written before. */
  previous: string | undefined;
}

/** Events of a {@link NodeAttributeStore}. */
export interface NodeAttributeStoreEvents {
  /** An attribute of a node changed (after its dampening delay, as attrd writes it). */
  change: (event: AttributeChangeEvent) => void;
}

/** Options of {@link NodeAttributeStore.set}. */
export interface SetAttributeOptions {
  /** Write after this quiet period, ms (attrd's dampening). Kept for later updates of the name. */
  dampeningMs?: number;
  /** A private attribute (attrd keeps it out of the CIB); still served to queries. */
  private?: boolean;
}

interface Attribute {
  /** Dampening of this name, ms (attrd keeps it per attribute, across nodes). */
  dampeningMs: number;
  timer: NodeJS.Timeout | undefined;
  /** node → current value (undefined: deleted but the name is still known, as in attrd). */
  current: Map<string, string | undefined>;
  /** node → last written value. */
  written: Map<string, string>;
  private: Set<string>;
}

/** Transient node attributes of many nodes; implements {@link IpcRelay} for the `attrd` channel. */
export class NodeAttributeStore extends EventEmitter<NodeAttributeStoreEvents> implements IpcRelay {
  readonly #attrs = new Map<string, Attribute>();

  /** The current value of `name` on `node` (what a query answers), or `undefined`. */
  get(node: string, name: string): string | undefined {
    return this.#attrs.get(name)?.current.get(node);
  }

  /** The current attributes of `node`, as `[name, value]` pairs sorted by name. */
  entries(node: string): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const [name, a] of this.#attrs) {
      const v = a.current.get(node);
      if (v !== undefined) out.push([name, v]);
    }
    return out.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  }

  /**
   * The attributes of `node` as attrd has *written* them (after dampening, private ones left out):
   * what the CIB status section shows, sorted by name.
   */
  writtenEntries(node: string): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const [name, a] of this.#attrs) {
      const v = a.written.get(node);
      if (v !== undefined && !a.private.has(node)) out.push([name, v]);
    }
    return out.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  }

  /** Nodes whose written attributes the CIB status section would show. */
  writtenNodes(): string[] {
    const out = new Set<string>();
    for (const a of this.#attrs.values()) for (const n of a.written.keys()) if (!a.private.has(n)) out.add(n);
    return [...out].sort();
  }

  /** Nodes that currently have at least one attribute. */
  nodes(): string[] {
    const out = new Set<string>();
    for (const a of this.#attrs.values()) for (const [n, v] of a.current) if (v !== undefined) out.add(n);
    return [...out].sort();
  }

  /** Sets an attribute from the owner's side (as `attrd_updater -N node -U value` would). */
  set(node: string, name: string, value: string, options: SetAttributeOptions = {}): void {
    if (!node || !name) throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'NodeAttributeStore.set needs a node and an attribute name');
    if (options.dampeningMs !== undefined && !(Number.isFinite(options.dampeningMs) && options.dampeningMs >= 0)) {
      throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `dampeningMs must be a number >= 0, got ${String(options.dampeningMs)}`);
    }
    this.#update(node, name, value, options.dampeningMs, options.private);
  }

  /** Deletes an attribute of a node (as `attrd_updater -N node -D` would). */
  delete(node: string, name: string): void {
    this.#update(node, name, undefined, undefined, undefined);
  }

  /** Forgets every attribute of `node` at once (no dampening), with a `change` event for each. */
  clearNode(node: string): void {
    for (const [name, a] of this.#attrs) {
      if (!a.current.has(node)) continue;
      a.current.delete(node);
      a.private.delete(node);
      this.#write(name, a, node);
    }
  }

  /** {@link IpcRelay.nodeDown}: Pacemaker forgets a lost remote node's transient attributes. */
  nodeDown(node: string): void {
    this.clearNode(node);
  }

  /** Writes every pending (dampened) change now and stops the timers. */
  flush(): void {
    for (const [name, a] of this.#attrs) {
      clearTimeout(a.timer);
      a.timer = undefined;
      this.#writeAll(name, a);
    }
  }

  /** {@link IpcRelay.open}: serves the `attrd` channel only. */
  open(session: RelaySession): RelaySessionHandler | undefined {
    if (session.channel !== 'attrd') return undefined;
    return { request: (request, s) => this.#handle(request, s) };
  }

  // ---- internals -------------------------------------------------------------------------------

  #handle(request: RelayRequest, session: RelaySession): XmlElement | undefined {
    const { task, ops } = readAttrdRequest(request.message);
    switch (task) {
      case AttrdTask.QUERY: {
        const op = ops[0] as AttrdOperation;
        return this.#query(op.name ?? '', op.host === 'localhost' ? session.node : op.host);
      }
      case AttrdTask.UPDATE:
      case AttrdTask.UPDATE_BOTH:
      case AttrdTask.UPDATE_DELAY:
        for (const op of ops) this.#apply(op, session.node);
        return request.expectsResponse ? attrdAck() : undefined;
      case AttrdTask.CLEAR_FAILURE: {
        const op = ops[0] as AttrdOperation;
        this.#deleteMatching(failureRegex(op.resource, op.operation, op.interval), op.host);
        return request.expectsResponse ? attrdAck('attrd_client_clear_failure') : undefined;
      }
      case AttrdTask.PEER_REMOVE: {
        const host = ops[0]?.host;
        if (host) this.clearNode(host);
        return request.expectsResponse ? attrdAck('attrd_client_peer_remove') : undefined;
      }
      case AttrdTask.REFRESH:
        return request.expectsResponse ? attrdAck('attrd_client_refresh') : undefined;
      default:
        debug('%s: unsupported attrd task %s', session.node, task);
        return undefined;
    }
  }

  #apply(op: AttrdOperation, node: string): void {
    const host = op.host === undefined || op.host === 'localhost' ? node : op.host;
    const dampeningMs = op.task !== AttrdTask.UPDATE && op.dampening !== undefined ? parseDurationMs(op.dampening) : undefined;
    const setsValue = op.task !== AttrdTask.UPDATE_DELAY;
    const names = op.name !== undefined ? [op.name] : op.pattern !== undefined ? this.#matching(op.pattern) : [];
    for (const name of names) {
      if (!setsValue) {
        // update-delay of an unknown attribute fails in attrd (after its ack).
        const a = this.#attrs.get(name);
        if (a && dampeningMs !== undefined) a.dampeningMs = dampeningMs;
        continue;
      }
      let value = op.value;
      if (value !== undefined) value = expandValue(value, this.get(host, name)) ?? value;
      this.#update(host, name, value, dampeningMs, op.isPrivate);
    }
  }

  #matching(pattern: string): string[] {
    let re: RegExp;
    try {
      re = new RegExp(pattern);
    } catch {
      debug('bad attrd regex %s ignored', pattern);
      return [];
    }
    return [...this.#attrs.keys()].filter((n) => re.test(n));
  }

  #deleteMatching(re: RegExp, host: string | undefined): void {
    for (const [name, a] of this.#attrs) {
      if (!re.test(name)) continue;
      for (const node of [...a.current.keys()]) if (host === undefined || node === host) this.#update(node, name, undefined, undefined, undefined);
    }
  }

  #query(name: string, host: string | undefined): XmlElement {
    const a = this.#attrs.get(name);
    if (!a) return attrdQueryReply(name, undefined);
    if (host !== undefined) return attrdQueryReply(name, [{ host, value: a.current.get(host) }]);
    return attrdQueryReply(name, [...a.current].map(([h, value]) => ({ host: h, value })));
  }

  #update(node: string, name: string, value: string | undefined, dampeningMs: number | undefined, isPrivate: boolean | undefined): void {
    let a = this.#attrs.get(name);
    if (!a) {
      if (value === undefined) return;
      a = { dampeningMs: 0, timer: undefined, current: new Map(), written: new Map(), private: new Set() };
      this.#attrs.set(name, a);
    }
    if (dampeningMs !== undefined) a.dampeningMs = dampeningMs;
    if (isPrivate) a.private.add(node);
    else if (isPrivate === false) a.private.delete(node);
    const before = a.current.get(node);
    a.current.set(node, value);
    if (before === value) return;
    if (a.dampeningMs > 0) {
      // attrd restarts the attribute's write timer on every change: a quiet period, then one write.
      clearTimeout(a.timer);
      a.timer = setTimeout(() => {
        a.timer = undefined;
        this.#writeAll(name, a);
      }, a.dampeningMs);
      a.timer.unref?.();
      return;
    }
    this.#write(name, a, node);
  }

  #writeAll(name: string, a: Attribute): void {
    const nodes = new Set([...a.current.keys(), ...a.written.keys()]);
    for (const node of nodes) this.#write(name, a, node);
  }

  /** Emits a change when the node's current value differs from the written one. */
  #write(name: string, a: Attribute, node: string): void {
    const value = a.current.get(node);
    const previous = a.written.get(node);
    if (value === undefined) {
      a.written.delete(node);
      if (!a.current.has(node)) a.private.delete(node);
    } else a.written.set(node, value);
    if (value === previous) return;
    this.emit('change', { node, name, value, previous });
  }
}
