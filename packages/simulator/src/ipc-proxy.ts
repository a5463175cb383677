/**
 * The simulated daemon's IPC proxy (`daemons/execd/remoted_proxy.c` of Pacemaker 2.1.5): local clients of
 * the simulated node (its simulated tools) are tunnelled to the newest IPC provider exactly as the real
 * daemon does it: `new` when a tool connects, `request` (with the tool's IPC id and flags, proxied bit set)
 * for each message, `destroy` when it disconnects; the provider's `response` / `event` / `destroy` go back
 * to the tool. Without a provider, a tool's connection is refused at once.
 */
import { randomUUID } from 'node:crypto';
import createDebug from 'debug';
import { IpcFlags, IpcOp, ipcDestroyNotify, ipcNewNotify, ipcPayload, ipcRequestNotify, type XmlElement } from '@pcmk-remote/remote-conn/protocol';
import type { SimConnection } from './sim-connection.js';

const debug = createDebug('pcmk-remote:sim:ipc');

/** Why a tool's IPC call failed (the errno the real client library reports). */
export class SimIpcError extends Error {
  constructor(
    readonly errno: 'ECONNREFUSED' | 'ENOTCONN' | 'ETIMEDOUT',
    message: string,
  ) {
    super(message);
    this.name = 'SimIpcError';
  }
}

/** What the proxy needs of the daemon. */
export interface IpcProxyHost {
  /** The newest connected IPC provider. */
  provider(): SimConnection | undefined;
  /** Sends a notification to one client. */
  notify(c: SimConnection, message: XmlElement): void;
}

/** One tunnelled connection of a simulated tool (a libqb IPC client of the node). */
export class SimIpcClient {
  readonly id = randomUUID();
  closed = false;
  /** Events the provider sent, in order. */
  readonly events: XmlElement[] = [];
  #nextId = 0;
  #pending: { id: number; resolve: (m: XmlElement) => void; reject: (e: Error) => void } | undefined;
  #eventWaiters: Array<(m: XmlElement | undefined) => void> = [];

  constructor(
    readonly channel: string,
    readonly provider: SimConnection,
    private readonly proxy: SimIpcProxy,
    readonly user: string,
    readonly pid: number,
  ) {}

  /**
   * Sends a message. With `expectResponse` (crm_ipc_client_response) resolves with the response, else
   * resolves at once with `undefined`. Rejects with `ENOTCONN` when the session is (or gets) destroyed.
   */
  send(message: XmlElement, options: { expectResponse: boolean; timeoutMs?: number | undefined }): Promise<XmlElement | undefined> {
    if (this.closed) return Promise.reject(new SimIpcError('ENOTCONN', 'Transport endpoint is not connected'));
    const id = ++this.#nextId;
    const flags = IpcFlags.PROXIED | (options.expectResponse ? IpcFlags.CLIENT_RESPONSE : 0);
    const client = `proxy-${this.channel}-${this.pid}-${this.id.slice(0, 8)}`;
    this.proxy.host.notify(this.provider, ipcRequestNotify({ session: this.id, client, user: this.user, msgId: id, flags, message }));
    if (!options.expectResponse) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending = undefined;
        reject(new SimIpcError('ETIMEDOUT', 'Timer expired'));
      }, options.timeoutMs ?? 5000);
      this.#pending = {
        id,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /** The next event (already received or still to come); `undefined` when the session ends first. */
  nextEvent(timeoutMs: number | undefined = 5000): Promise<XmlElement | undefined> {
    timeoutMs ??= 5000;
    const ready = this.events.shift();
    if (ready || this.closed) return Promise.resolve(ready);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#eventWaiters = this.#eventWaiters.filter((w) => w !== waiter);
        resolve(undefined);
      }, timeoutMs);
      const waiter = (m: XmlElement | undefined) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.#eventWaiters.push(waiter);
    });
  }

  /** The tool disconnects (the daemon tells the provider with `destroy`). */
  close(): void {
    this.proxy.closeClient(this, true);
  }

  /** @internal */
  _response(msgId: number, message: XmlElement): void {
    const p = this.#pending;
    if (!p) return debug('response %d for %s with nothing pending, dropped', msgId, this.id);
    this.#pending = undefined;
    if (p.id !== msgId) debug('response id %d does not match request id %d (delivered anyway, as the real daemon does)', msgId, p.id);
    p.resolve(message);
  }

  /** @internal */
  _event(message: XmlElement): void {
    const w = this.#eventWaiters.shift();
    if (w) w(message);
    else this.events.push(message);
  }

  /** @internal The session ended: pending calls fail as the IPC library reports a lost server. */
  _disconnected(): void {
    this.closed = true;
    this.#pending?.reject(new SimIpcError('ENOTCONN', 'Transport endpoint is not connected'));
    this.#pending = undefined;
    for (const w of this.#eventWaiters.splice(0)) w(undefined);
  }
}

/** The proxy of one simulated daemon. */
export class SimIpcProxy {
  readonly #clients = new Map<string, SimIpcClient>();

  constructor(readonly host: IpcProxyHost) {}

  /** Tunnelled sessions currently open. */
  get size(): number {
    return this.#clients.size;
  }

  /**
   * A tool connects to `channel` (`ipc_proxy_accept`): refused without a provider (and for
   * `pacemakerd`), else announced to the newest provider with `new`.
   * @throws SimIpcError `ECONNREFUSED`
   */
  connect(channel: string, options: { user?: string; pid?: number } = {}): SimIpcClient {
    const provider = this.host.provider();
    if (!provider || channel === 'pacemakerd') throw new SimIpcError('ECONNREFUSED', 'Connection refused');
    const reported = channel === 'cib_shm' ? 'cib_rw' : channel;
    const c = new SimIpcClient(reported, provider, this, options.user ?? 'root', options.pid ?? 4242);
    this.#clients.set(c.id, c);
    this.host.notify(provider, ipcNewNotify(c.id, reported));
    return c;
  }

  /** A provider's `response` / `event` / `destroy` (`ipc_proxy_forward_client`). */
  forward(from: SimConnection, message: XmlElement): void {
    const session = message.attrs.lrmd_ipc_session ?? '';
    const c = this.#clients.get(session);
    if (!c) {
      // Unknown session: the daemon answers with destroy.
      this.host.notify(from, ipcDestroyNotify(session));
      return;
    }
    const op = (message.attrs.lrmd_ipc_op ?? '').toLowerCase();
    const payload = ipcPayload(message);
    if (op === IpcOp.EVENT && payload) c._event(payload);
    else if (op === IpcOp.RESPONSE && payload) c._response(Number.parseInt(message.attrs.lrmd_ipc_msg_id ?? '0', 10), payload);
    else if (op === IpcOp.DESTROY) this.closeClient(c, true);
    else debug('Unknown ipc proxy msg type %s', op);
  }

  /** A provider disconnected: every tool bound to it is disconnected. */
  providerGone(provider: SimConnection): void {
    for (const c of [...this.#clients.values()]) if (c.provider === provider) this.closeClient(c, false);
  }

  /** Disconnects a tool; `notify` tells the provider (`ipc_proxy_closed`). */
  closeClient(c: SimIpcClient, notify: boolean): void {
    if (!this.#clients.delete(c.id)) return;
    c._disconnected();
    if (notify && !c.provider.closed) this.host.notify(c.provider, ipcDestroyNotify(c.id));
  }

  /** Every tool disconnects (killed): the provider is told of each. */
  closeAll(): void {
    for (const c of [...this.#clients.values()]) this.closeClient(c, true);
  }

  /** The daemon exits: every tool loses its server. */
  clear(): void {
    for (const c of [...this.#clients.values()]) this.closeClient(c, false);
  }
}
