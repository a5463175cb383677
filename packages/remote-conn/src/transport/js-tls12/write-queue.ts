/**
 * The application-data writes of a js-tls12 connection: each chunk is encrypted into record(s) of its own
 * and handed to the socket only after the previous chunk's write completed, so no record or TCP segment
 * ever merges two chunks (pacemaker-remoted 2.1.5 needs this, protocol.md §2.5).
 */
import { ErrorCodes, RemoteConnError } from '../../errors.js';

/** What the queue writes through. */
export interface WriteSink {
  /** Whether the connection still takes writes (open, close not emitted). */
  writable(): boolean;
  /** Encrypts a chunk into records; throws on a local fault (e.g. the sequence number is exhausted). */
  encode(chunk: Uint8Array): Buffer;
  /** Writes bytes to the socket; `done` runs once they were handed to the kernel (or failed). */
  write(bytes: Buffer, done: (err?: Error | null) => void): void;
  /** Reports a local fault (the connection then closes with the alert it names). */
  fault(err: unknown): void;
}

/** Ordered writes with their promises; {@link rejectAll} settles whatever is still pending at close. */
export class OrderedWrites {
  readonly #sink: WriteSink;
  readonly #pending = new Set<(e: Error) => void>();
  #queue: Array<{ chunk: Uint8Array; resolve: () => void; reject: (e: Error) => void }> = [];
  #writing = false;

  constructor(sink: WriteSink) {
    this.#sink = sink;
  }

  /** Queues `chunk`; resolves once its records were written. */
  push(chunk: Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.add(reject);
      this.#queue.push({ chunk, resolve, reject });
      this.#pump();
    });
  }

  /** Rejects every pending write with `err` (the connection closed). */
  rejectAll(err: Error): void {
    for (const reject of this.#pending) reject(err);
    this.#pending.clear();
  }

  #pump(): void {
    if (this.#writing) return;
    const next = this.#queue.shift();
    if (!next) return;
    if (!this.#pending.has(next.reject)) return this.#pump();
    if (!this.#sink.writable()) {
      this.#pending.delete(next.reject);
      next.reject(new RemoteConnError(ErrorCodes.CLOSED, 'The connection is closed'));
      return this.#pump();
    }
    let records: Buffer;
    try {
      records = this.#sink.encode(next.chunk);
    } catch (err) {
      this.#pending.delete(next.reject);
      this.#sink.fault(err);
      next.reject(new RemoteConnError(ErrorCodes.CLOSED, 'The connection is closed', { cause: err }));
      return;
    }
    this.#writing = true;
    this.#sink.write(records, (err) => {
      this.#writing = false;
      if (this.#pending.delete(next.reject)) {
        if (err) next.reject(new RemoteConnError(ErrorCodes.CLOSED, 'Write failed: the connection is closed', { cause: err }));
        else next.resolve();
      }
      this.#pump();
    });
  }
}
