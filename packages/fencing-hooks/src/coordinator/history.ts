import type { FenceHistoryEntry } from './events.js';

/** Bounded per-target history of finished operations (oldest first). */
export class FenceHistory {
  readonly #byTarget = new Map<string, FenceHistoryEntry[]>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  add(entry: FenceHistoryEntry): void {
    let list = this.#byTarget.get(entry.target);
    if (!list) this.#byTarget.set(entry.target, (list = []));
    list.push(Object.freeze(entry));
    if (list.length > this.#limit) list.splice(0, list.length - this.#limit);
  }

  /** Entries of one target, or of every target ordered by id. */
  list(target?: string): FenceHistoryEntry[] {
    if (target !== undefined) return [...(this.#byTarget.get(target) ?? [])];
    return [...this.#byTarget.values()].flat().sort((a, b) => a.id - b.id);
  }
}
