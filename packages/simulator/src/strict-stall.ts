/**
 * The 2.1.x strict reader's stall: a message merged into one TLS record with its header blocks the whole
 * daemon until more data arrives from that client, the client goes away, or `stallTimeoutMs` passes.
 */
import createDebug from 'debug';
import type { SimConnection } from './sim-connection.js';

const debug = createDebug('pcmk-remote:sim');

/** What the stall needs from its daemon. */
export interface StallHost {
  readonly label: string;
  readonly stallTimeoutMs: number;
  /** Whether the daemon runs. */
  running(): boolean;
  /** Which connections read changed. */
  flowChanged(): void;
  /** The main loop runs again (after the current job). */
  released(): void;
}

/** The connection that blocks the daemon, if any. */
export class StrictStall {
  #by: SimConnection | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly h: StallHost) {}

  /** The connection whose partial message blocks the daemon. */
  get by(): SimConnection | undefined {
    return this.#by;
  }

  /** `c` waits for the rest of a message: nothing else is read until it arrives or the limit passes. */
  stall(c: SimConnection): void {
    if (!this.h.running() || c.closed) return;
    if (this.#by === c) return;
    if (this.#by) return; // cannot happen: other sockets do not read while one blocks
    this.#by = c;
    this.h.flowChanged();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      debug('%s: client %s: timed out (%d ms) while waiting for remote data', this.h.label, c.id, this.h.stallTimeoutMs);
      c.abandonPartial();
      this.unstall(c);
    }, this.h.stallTimeoutMs);
    this.#timer.unref();
  }

  /** `c`'s message completed (or `c` went away). */
  unstall(c: SimConnection): void {
    if (this.#by !== c) return;
    this.#by = undefined;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.h.flowChanged();
    // the daemon's main loop runs again: connections and timers that came meanwhile
    queueMicrotask(() => this.h.released());
  }

  /** Forgets the stall (the daemon exits). */
  clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#by = undefined;
  }
}
