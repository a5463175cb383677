/**
 * The simulated daemon's main loop: timers that are unref'd, held back while the daemon is frozen (paused,
 * or blocked reading a partial message) and dropped when it exits, like GLib sources of the real daemon.
 */
import type { TimerHandle } from './executor.js';

interface GatedTimer extends TimerHandle {
  t: NodeJS.Timeout | NodeJS.Immediate | undefined;
}

function clearGated(t: NodeJS.Timeout | NodeJS.Immediate): void {
  if ('hasRef' in t && 'refresh' in t) clearTimeout(t);
  else clearImmediate(t as NodeJS.Immediate);
}

/** Timers and deferred work of one daemon instance. */
export class MainLoop {
  readonly #timers = new Set<GatedTimer>();
  #deferred: Array<() => void> = [];

  /**
   * @param running Whether the daemon runs (timers of an exited daemon never fire).
   * @param frozen Whether the daemon is frozen (due timers wait for {@link runDeferred}).
   */
  constructor(
    private readonly running: () => boolean,
    private readonly frozen: () => boolean,
  ) {}

  /** A main-loop timer: unref'd, deferred while the daemon is frozen, cancelled by {@link clear}. */
  timer(ms: number, fn: () => void): TimerHandle {
    if (!this.running()) return { cancel: () => undefined };
    const h: GatedTimer = {
      t: undefined,
      cancel: () => {
        if (h.t) clearGated(h.t);
        h.t = undefined;
        this.#timers.delete(h);
      },
    };
    const fire = () => {
      h.t = undefined;
      this.#timers.delete(h);
      this.#gate(fn);
    };
    // "now" (a main-loop trigger in the real daemon) runs on the next turn without the 1 ms timer floor,
    // so a queued op starts with queue-time 0 as on the real daemon
    // (an immediate is left ref'd: Node 20 may never run an unref'd immediate created in a timer callback)
    if (ms <= 0) h.t = setImmediate(fire);
    else h.t = setTimeout(fire, ms).unref();
    this.#timers.add(h);
    return h;
  }

  #gate(fn: () => void): void {
    if (!this.running()) return;
    if (this.frozen()) this.#deferred.push(fn);
    else fn();
  }

  /** Runs the work that came due while the daemon was frozen. */
  runDeferred(): void {
    while (!this.frozen() && this.running() && this.#deferred.length > 0) {
      const fn = this.#deferred.shift();
      fn?.();
    }
  }

  /** Drops every timer and deferred work (the daemon exits). */
  clear(): void {
    for (const t of this.#timers) if (t.t) clearGated(t.t);
    this.#timers.clear();
    this.#deferred = [];
  }
}
