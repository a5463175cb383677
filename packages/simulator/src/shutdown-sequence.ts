/**
 * What the simulated daemon does on SIGTERM (protocol.md §3.7), by version: the shutdown request to the
 * newest IPC provider, then 2.1.5's immediate exit, 2.1.6–2.1.x's wait with a fuse, or 3.0's wait.
 */
import createDebug from 'debug';
import { serializeXml, shutdownRequest, withTransport } from '@pcmk-remote/remote-conn/protocol';
import type { TimerHandle } from './executor.js';
import type { SimConnection } from './sim-connection.js';
import type { ShutdownMode } from './versions.js';

const debug = createDebug('pcmk-remote:sim');

/** What the shutdown sequence needs from its daemon. */
export interface ShutdownHost {
  readonly label: string;
  readonly mode: ShutdownMode;
  readonly fuseMs: number;
  readonly replyDelayMs: number;
  /** IPC providers, newest first. */
  providers(): SimConnection[];
  timer(ms: number, fn: () => void): TimerHandle;
  /** Stops listening (new connections are refused). */
  closeListener(): void;
  exit(reason: string): Promise<void>;
}

/** The shutdown state of one daemon run. */
export class ShutdownSequence {
  #active = false;
  #fuse: TimerHandle | undefined;

  constructor(private readonly h: ShutdownHost) {}

  /** A shutdown request was sent and the daemon waits (or is about to exit). */
  get active(): boolean {
    return this.#active;
  }

  /** Like SIGTERM (see `SimulatedRemoteDaemon.requestShutdown`). */
  async request(): Promise<void> {
    const h = this.h;
    if (this.#active) {
      debug('%s: Waiting for cluster to stop resources before exiting', h.label);
      return;
    }
    const provider = h.providers().find((c) => !c.closed);
    if (!provider) {
      debug('%s: shutdown requested, no IPC provider: exiting', h.label);
      await h.exit('shutdown (no provider)');
      return;
    }
    this.#active = true;
    debug('%s: Sending shutdown request to cluster (client %s)', h.label, provider.id);
    provider.send(serializeXml(withTransport(shutdownRequest(), 0, 'notify')), h.replyDelayMs);
    h.closeListener();
    switch (h.mode) {
      case 'immediate':
        await provider.flushed();
        await h.exit('shutdown (2.1.5: exit right after shutdown_req)');
        return;
      case 'fuse':
        this.#fuse = h.timer(h.fuseMs, () => void h.exit('shutdown (no answer before the fuse)'));
        return;
      default:
        return;
    }
  }

  /** A provider acknowledged (`true`) or refused the shutdown. */
  answer(ack: boolean): void {
    if (!this.#active) return;
    this.#fuse?.cancel();
    this.#fuse = undefined;
    // nack: 2.1.6+ reset the fuse to fire at once (after this request's reply)
    if (!ack) this.#fuse = this.h.timer(0, () => void this.h.exit('shutdown (nack)'));
  }

  /** The last provider left: 2.1.6+ exit now when shutting down. */
  providersGone(): void {
    if (this.#active && this.h.mode !== 'immediate') void this.h.exit('shutdown (the last provider disconnected)');
  }

  /** The daemon exited or starts again: no shutdown in progress. */
  reset(): void {
    this.#active = false;
    this.#fuse = undefined;
  }
}
