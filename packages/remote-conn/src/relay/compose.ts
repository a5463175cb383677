/**
 * Composition of relays: one relay per channel, or a list tried in order.
 */
import type { IpcRelay, RelayChannel, RelaySession, RelaySessionHandler } from './types.js';

/** Relays by channel (`attrd`, `cib_ro`, `cib_rw`, `crmd`, `stonith-ng`). */
export type RelaysByChannel = Partial<Record<RelayChannel, IpcRelay>>;

/**
 * One relay made of several. With a list, each session goes to the first relay whose `open` returns a
 * handler; with a map, to the relay of its channel. `nodeDown` reaches every relay once.
 *
 * @example
 * const store = new NodeAttributeStore();
 * const relay = composeRelays({ attrd: store, crmd: new ControllerInfoRelay(), cib_ro: cib, cib_rw: cib });
 */
export function composeRelays(relays: IpcRelay[] | RelaysByChannel): IpcRelay {
  const list = Array.isArray(relays) ? [...relays] : undefined;
  const byChannel = Array.isArray(relays) ? undefined : { ...relays };
  const all = [...new Set(list ?? Object.values(byChannel ?? {}).filter((r): r is IpcRelay => r !== undefined))];
  return {
    open(session: RelaySession): RelaySessionHandler | undefined {
      if (byChannel) return byChannel[session.channel]?.open(session);
      for (const r of list ?? []) {
        const handler = r.open(session);
        if (handler) return handler;
      }
      return undefined;
    },
    nodeDown(node: string): void {
      for (const r of all) r.nodeDown?.(node);
    },
  };
}
