/**
 * `FencingHistoryRelay`: the read-only part of the fencer (`stonith-ng`) a remote node's tools use, so
 * `crm_mon -1` on the node shows the fencing history (empty by default, or what the owner supplies)
 * instead of "Failed to get fencing history: Not connected". Fencing requests are refused (permission
 * error): the owner fences (see `@pcmk-remote/fencing-hooks`), not the node's tools.
 *
 * The fencer's IPC protocol (Pacemaker 2.1.5, daemons/fenced, lib/fencing/st_client.c): a `register`
 * sign-on answered with a client id, `st_notify` (un)subscriptions answered with an ack, and
 * `stonith_command`s answered with an `st-reply` carrying a full result (`rc-code`, `op-status`) and the
 * legacy `st_rc`.
 */
import { randomUUID } from 'node:crypto';
import { el, type XmlElement } from '../messages/xml.js';
import type { IpcRelay, RelayRequest, RelaySession, RelaySessionHandler } from './types.js';

/** One fencing action of the history (`stonith_history_t`). */
export interface FencingHistoryEntry {
  target: string;
  action: string;
  /** Written as Pacemaker's `st_state` (pending 1, done 2, failed 4). */
  state: 'done' | 'failed' | 'pending';
  origin?: string;
  delegate?: string;
  client?: string;
  /** When it completed, epoch ms. */
  completedAt?: number;
  exitReason?: string;
}

/** Options of a {@link FencingHistoryRelay}. */
export interface FencingHistoryRelayOptions {
  /** The history to show (default: none). */
  history?: () => FencingHistoryEntry[];
}

/** `enum op_state` of Pacemaker's fencer. */
const ST_STATE = { pending: 1, done: 2, failed: 4 } as const;

/** Serves fencing-history queries on `stonith-ng`; refuses fencing. */
export class FencingHistoryRelay implements IpcRelay {
  readonly #history: () => FencingHistoryEntry[];

  constructor(options: FencingHistoryRelayOptions = {}) {
    this.#history = options.history ?? (() => []);
  }

  /** {@link IpcRelay.open}: serves `stonith-ng` only. */
  open(session: RelaySession): RelaySessionHandler | undefined {
    if (session.channel !== 'stonith-ng') return undefined;
    const clientId = randomUUID();
    return { request: (request) => this.#handle(request, clientId) };
  }

  #handle(request: RelayRequest, clientId: string): XmlElement | undefined {
    const m = request.message;
    const op = m.attrs.st_op ?? '';
    if (op === 'register') return el('reply', { st_op: 'register', st_clientid: clientId });
    if (op === 'st_notify') return request.expectsResponse ? el('ack', { function: 'handle_notify_request', line: 0, status: 0 }) : undefined;
    const copied = { st_op: op, st_callid: m.attrs.st_callid, st_clientid: clientId, st_clientname: m.attrs.st_clientname, st_callopt: m.attrs.st_callopt };
    if (op === 'st_fence_history') {
      const target = m.children.find((c) => c.name === 'st_calldata')?.children[0]?.attrs.st_target;
      const entries = this.#history().filter((h) => !target || h.target === target);
      const list = el(
        'st_history',
        {},
        entries.map((h) =>
          el('st_execute', {
            st_target: h.target,
            st_device_action: h.action,
            st_origin: h.origin,
            st_delegate: h.delegate,
            st_clientname: h.client,
            st_date: h.completedAt === undefined ? undefined : Math.floor(h.completedAt / 1000),
            st_date_nsec: h.completedAt === undefined ? undefined : (h.completedAt % 1000) * 1_000_000,
            st_state: ST_STATE[h.state],
            'exit-reason': h.exitReason,
          }),
        ),
      );
      return el('st-reply', { st_origin: 'fenced_construct_reply', t: 'stonith-ng', 'op-status': 0, 'rc-code': 0, st_rc: 0, ...copied }, [el('st_calldata', {}, [list])]);
    }
    // Fencing, device changes, queries of devices: not the node's business (insufficient privileges).
    return el('st-reply', { st_origin: 'fenced_construct_reply', t: 'stonith-ng', 'op-status': 4, 'rc-code': 4, 'exit-reason': 'Fencing is not available to the tools of this node', st_rc: -13, ...copied });
  }
}
