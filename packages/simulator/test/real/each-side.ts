/** The side-by-side runner of the simulator-vs-real suites: the same script on a real daemon, then a simulator. */
import type { RawClient } from '../raw-client.js';

/** One side of a comparison. */
export interface ComparedSide {
  kind: 'real' | 'sim';
  dispose(): Promise<void>;
}

/**
 * Runs `fn` against a fresh side of each kind (in the order of `makers`), closing the clients it opened and
 * disposing of the side afterwards; returns both results.
 */
export async function onEachSide<S extends ComparedSide, T>(
  makers: ReadonlyArray<() => Promise<S>>,
  fn: (side: S, clients: RawClient[]) => Promise<T>,
): Promise<{ real: T; sim: T }> {
  const out: Partial<{ real: T; sim: T }> = {};
  for (const make of makers) {
    const side = await make();
    const clients: RawClient[] = [];
    try {
      out[side.kind] = await fn(side, clients);
    } finally {
      for (const c of clients) c.close();
      await side.dispose();
    }
  }
  return out as { real: T; sim: T };
}
