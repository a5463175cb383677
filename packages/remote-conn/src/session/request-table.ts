/**
 * The request table of a session: what is waiting for an answer from the daemon.
 *
 * Matching rules (protocol.md §3.2): replies are matched to requests by `lrmd_remote_msg_id`; poke and exec
 * results are matched by the daemon's call id, which the reply carries. Everything here is bounded: each
 * reply waiter by its timeout and the caller's signal, each call waiter by the signal it is awaited with, and
 * all of them by the end of the session ({@link RequestTable.rejectAll}).
 */
import { ErrorCodes, RemoteConnError, abortedError } from '../errors.js';
import { Op, type InboundMessage, type OpResult } from '../messages/index.js';
import type { RequestOptions } from './events.js';

/** A reply of the daemon to one of our requests. */
export type ReplyMessage = InboundMessage & { type: 'reply' };

interface PendingReply {
  resolve: (reply: ReplyMessage) => void;
  reject: (err: Error) => void;
  op: string;
}

interface CallWaiter {
  kind: 'poke' | 'exec';
  recurring: boolean;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  settled: boolean;
}

/** A call whose notification is awaited. */
export interface PendingCall {
  callId: number;
  waiter: CallWaiter;
  promise: Promise<unknown>;
}

const MAX_MSG_ID = 0x7fffffff;

/** True for the reason of a signal made by `AbortSignal.timeout()`. */
export function isTimeoutReason(reason: unknown): boolean {
  return typeof reason === 'object' && reason !== null && (reason as { name?: unknown }).name === 'TimeoutError';
}

/** Pending replies by message id and awaited call notifications by call id. */
export class RequestTable {
  #nextMsgId = 1;
  #pending = new Map<number, PendingReply>();
  #calls = new Map<number, CallWaiter>();

  /** @param timeoutError the error of a request or call that got no answer within `ms` */
  constructor(private readonly timeoutError: (what: string, ms: number) => RemoteConnError) {}

  /** A deadline signal (AbortSignal.timeout) becomes the timeout error; anything else ABORTED. */
  abortReason(signal: AbortSignal, what: string, timeoutMs: number): RemoteConnError {
    return isTimeoutReason(signal.reason) ? this.timeoutError(what, timeoutMs) : abortedError(signal, what);
  }

  /**
   * Allocates a message id, calls `send` with it and resolves with the matching reply. `onReply` runs
   * synchronously when the reply is dispatched, before the promise settles, so that follow-up waiters exist
   * before the next message of the same chunk is dispatched. `timeoutMs` of `Number.MAX_SAFE_INTEGER` or
   * more arms no timer.
   */
  request(
    op: string,
    options: RequestOptions,
    timeoutMs: number,
    send: (msgId: number) => Promise<void>,
    onReply?: (reply: ReplyMessage) => void,
  ): Promise<ReplyMessage> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(abortedError(signal, op));
    const msgId = this.#nextMsgId;
    this.#nextMsgId = msgId >= MAX_MSG_ID ? 1 : msgId + 1;
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(msgId);
      };
      const onAbort = () => {
        finish();
        reject(this.abortReason(signal as AbortSignal, op, timeoutMs));
      };
      this.#pending.set(msgId, {
        op,
        resolve: (r) => {
          finish();
          onReply?.(r);
          resolve(r);
        },
        reject: (e) => {
          finish();
          reject(e);
        },
      });
      if (timeoutMs < Number.MAX_SAFE_INTEGER) {
        timer = setTimeout(() => {
          finish();
          reject(this.timeoutError(op, timeoutMs));
        }, timeoutMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      send(msgId).catch((err: unknown) => {
        const pending = this.#pending.get(msgId);
        pending?.reject(err instanceof RemoteConnError ? err : new RemoteConnError(ErrorCodes.CLOSED, `Cannot send ${op}`, { cause: err }));
      });
    });
  }

  /** Registers a waiter for the notification of call `callId` (synchronously; see {@link request}). */
  registerCall(callId: number, kind: 'poke' | 'exec', recurring: boolean): PendingCall {
    let resolve!: (v: unknown) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    promise.catch(() => undefined); // settled before anyone awaits (e.g. the session closes): no unhandled rejection
    const waiter: CallWaiter = { kind, recurring, settled: false, resolve, reject };
    this.#calls.set(callId, waiter);
    return { callId, waiter, promise };
  }

  /** Waits for a registered call's notification, bounded by `signal`. */
  awaitCall(call: PendingCall, signal: AbortSignal, onTimeout: () => RemoteConnError): Promise<unknown> {
    const { callId, waiter, promise } = call;
    if (waiter.settled) return promise;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (waiter.settled) return;
        waiter.settled = true;
        if (!waiter.recurring) this.#calls.delete(callId);
        reject(isTimeoutReason(signal.reason) ? onTimeout() : abortedError(signal, waiter.kind));
      };
      promise.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Settles the request a reply answers; `false` for a late or unmatched reply. */
  settleReply(msg: ReplyMessage): boolean {
    const pending = this.#pending.get(msg.msgId);
    if (!pending) return false;
    pending.resolve(msg);
    return true;
  }

  /**
   * Settles the exec waiter of a result; `false` when the result belongs to another client. A recurring
   * waiter stays registered until its cancellation is reported (status 1).
   */
  settleExecResult(result: OpResult): boolean {
    const waiter = this.#calls.get(result.callId);
    if (!waiter || waiter.kind !== 'exec') return false;
    if (!waiter.recurring || result.opStatus === 1) this.#calls.delete(result.callId);
    if (!waiter.settled) {
      waiter.settled = true;
      waiter.resolve(result);
    }
    return true;
  }

  /** Settles our poke waiter for the notification of call `callId`; `true` when the notification was ours. */
  settlePoke(callId: number, op: string): boolean {
    const waiter = this.#calls.get(callId);
    const ours = !!waiter && waiter.kind === 'poke' && op === Op.POKE;
    if (ours && waiter) {
      this.#calls.delete(callId);
      if (!waiter.settled) {
        waiter.settled = true;
        waiter.resolve(undefined);
      }
    }
    return ours;
  }

  /** Rejects every pending request and call with `err` (the session ended). */
  rejectAll(err: RemoteConnError): void {
    for (const p of [...this.#pending.values()]) p.reject(err);
    this.#pending.clear();
    for (const w of [...this.#calls.values()]) {
      if (!w.settled) {
        w.settled = true;
        w.reject(err);
      }
    }
    this.#calls.clear();
  }
}
