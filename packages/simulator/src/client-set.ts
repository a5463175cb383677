/**
 * The simulated daemon's clients: TLS connections (named once registered, IPC providers newest first), TCP
 * sockets not (yet) in TLS, and what goes to all of them (notifications, resets, read flow).
 */
import net from 'node:net';
import { serializeXml, withTransport, type DaemonRequest, type XmlElement } from '@pcmk-remote/remote-conn/protocol';
import type { SimConnection } from './sim-connection.js';

/** Connections and raw sockets of one daemon instance. */
export class ClientSet {
  /** Clients whose TLS handshake completed. */
  readonly conns = new Set<SimConnection>();
  /** TCP sockets not (yet) in TLS: hung, queued during pause, or in their handshake. */
  readonly raw = new Set<net.Socket>();
  /** Sockets accepted while the daemon was frozen, waiting for their TLS start. */
  readonly pendingAccepts: net.Socket[] = [];
  /** IPC providers, newest first. */
  providers: SimConnection[] = [];

  /** @param delayMs The daemon's current reply delay. */
  constructor(private readonly delayMs: () => number) {}

  /** Registered (named) clients. */
  named(): SimConnection[] {
    return [...this.conns].filter((c) => c.name !== undefined);
  }

  /** Sends a notification to every named client. */
  broadcast(notify: XmlElement): void {
    let xml: string | undefined;
    for (const c of this.conns) {
      if (c.name === undefined) continue;
      xml ??= serializeXml(withTransport(notify, 0, 'notify'));
      c.send(xml, this.delayMs());
    }
  }

  /** Sends a notification to one client. */
  notifyOne(c: SimConnection, notify: XmlElement): void {
    c.send(serializeXml(withTransport(notify, 0, 'notify')), this.delayMs());
  }

  /** Sends a notification to the named client with this id (notify-orig-only). */
  notifyClient(id: string, notify: XmlElement): void {
    for (const c of this.conns) if (c.id === id && c.name !== undefined) this.notifyOne(c, notify);
  }

  /** Sends the reply to `req`. */
  reply(c: SimConnection, req: DaemonRequest, reply: XmlElement): void {
    c.send(serializeXml(withTransport(reply, req.msgId, 'reply')), this.delayMs());
  }

  /** `c` registered as an IPC provider: it becomes the newest. */
  addProvider(c: SimConnection): void {
    c.provider = true;
    this.providers = [c, ...this.providers.filter((p) => p !== c)];
  }

  /** Forgets a closed connection; false when it was not known. */
  remove(c: SimConnection): boolean {
    if (!this.conns.delete(c)) return false;
    this.providers = this.providers.filter((p) => p !== c);
    return true;
  }

  /** TCP RST on every connection and socket. */
  resetAll(): void {
    for (const c of [...this.conns]) c.reset();
    for (const s of [...this.raw]) {
      if (typeof s.resetAndDestroy === 'function' && !s.destroyed) s.resetAndDestroy();
      else s.destroy();
    }
  }

  /** Closes every connection and socket without TLS close_notify. */
  killAll(): void {
    for (const c of [...this.conns]) c.destroy();
    for (const s of [...this.raw]) s.destroy();
  }

  /** Which connections read: none while paused; only the blocking one while a strict reader waits. */
  setFlow(paused: boolean, stalledBy: SimConnection | undefined): void {
    for (const c of this.conns) c.setReading(!paused && (stalledBy === undefined || stalledBy === c));
  }

  /** Destroys everything (the daemon exits); resolves when every socket has closed. */
  closeAll(): Promise<void> {
    this.providers = [];
    const closing: Array<Promise<void>> = [];
    for (const c of [...this.conns]) {
      closing.push(new Promise((r) => (c.closed ? r() : c.socket.once('close', () => r()))));
      c.destroy();
    }
    this.conns.clear();
    for (const s of [...this.raw]) {
      closing.push(new Promise((r) => (s.destroyed ? r() : s.once('close', () => r()))));
      s.destroy();
    }
    this.raw.clear();
    this.pendingAccepts.length = 0;
    return Promise.all(closing).then(() => undefined);
  }
}
