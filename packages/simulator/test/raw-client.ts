/**
 * A small raw client for simulator tests (and the simulator-vs-real comparison): node:tls with PSK identity
 * `lrmd`, frames written as header and payload with callback-chained writes (or merged, to provoke the
 * record quirk), replies and notifies collected with FrameDecoder.
 */
import tls from 'node:tls';
import { FrameDecoder, encodeFrame } from '@pcmk-remote/remote-conn/protocol';
import { parseXml, serializeXml, type XmlElement } from '@pcmk-remote/remote-conn/protocol';

export const CLIENT_CIPHERS =
  'TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:PSK-AES256-GCM-SHA384:PSK-AES128-GCM-SHA256:PSK-CHACHA20-POLY1305:DHE-PSK-AES256-GCM-SHA384:DHE-PSK-AES128-GCM-SHA256:DHE-PSK-CHACHA20-POLY1305';

export interface RawClientOptions {
  host?: string;
  port: number;
  key?: Buffer;
  identity?: string;
  ciphers?: string;
  maxVersion?: tls.SecureVersion;
  /** Certificate mode instead of PSK. */
  x509?: { ca: string | Buffer; cert: string | Buffer; key: string | Buffer };
  /** Give up on the handshake after this many ms (default 3000). */
  timeoutMs?: number;
}

export interface RawClient {
  socket: tls.TLSSocket;
  /** Every message received, in order. */
  received: XmlElement[];
  /** First decoder error, if any. */
  decodeError: Error | undefined;
  /** Socket error, if any. */
  socketError: NodeJS.ErrnoException | undefined;
  /** Resolves when the socket closes. */
  closed: Promise<void>;
  isClosed(): boolean;
  /** Sends one element (transport attributes added when `msgId` is given); resolves when written. */
  send(e: XmlElement | string, options?: { msgId?: number; merged?: boolean }): Promise<number | undefined>;
  /** Sends a request with the next message id and returns that id. */
  request(e: XmlElement, options?: { merged?: boolean }): Promise<number>;
  /** Sends a request and waits for its reply. */
  call(e: XmlElement, timeoutMs?: number): Promise<XmlElement>;
  /** Waits for the first not yet consumed message matching `pred`, and consumes it. */
  waitFor(pred: (e: XmlElement) => boolean, timeoutMs?: number, what?: string): Promise<XmlElement>;
  /** The reply to `msgId`. */
  reply(msgId: number, timeoutMs?: number): Promise<XmlElement>;
  /** Resolves true if no message matching `pred` arrives within `ms`. */
  nothing(pred: (e: XmlElement) => boolean, ms: number): Promise<boolean>;
  /** Writes raw bytes. */
  raw(bytes: Buffer): Promise<void>;
  close(): void;
}

let frameId = 1;

/** Connects; rejects when the TLS handshake fails or does not complete within `timeoutMs`. */
export function connectRaw(o: RawClientOptions): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const base = { host: o.host ?? '127.0.0.1', port: o.port, checkServerIdentity: () => undefined };
    const socket = o.x509
      ? tls.connect({ ...base, ca: o.x509.ca, cert: o.x509.cert, key: o.x509.key })
      : tls.connect({
          ...base,
          ciphers: o.ciphers ?? CLIENT_CIPHERS,
          ...(o.maxVersion ? { maxVersion: o.maxVersion } : {}),
          pskCallback: () => ({ psk: o.key ?? Buffer.alloc(32), identity: o.identity ?? 'lrmd' }),
        });
    socket.setNoDelay(true);
    const decoder = new FrameDecoder();
    const received: XmlElement[] = [];
    const consumed = new WeakSet<XmlElement>();
    let waiters: Array<() => void> = [];
    let msgId = 0;
    let closedFlag = false;
    const wake = () => {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error('TLS handshake did not complete in time'), { code: 'HANDSHAKE_TIMEOUT' }));
    }, o.timeoutMs ?? 3000);
    const closed = new Promise<void>((r) =>
      socket.once('close', () => {
        closedFlag = true;
        wake();
        r();
      }),
    );
    let writeChain: Promise<void> = Promise.resolve();
    const write = (b: Buffer) =>
      new Promise<void>((r) => {
        if (socket.destroyed) return r();
        socket.write(b, () => r());
      });
    const client: RawClient = {
      socket,
      received,
      decodeError: undefined,
      socketError: undefined,
      closed,
      isClosed: () => closedFlag,
      send(e, options = {}) {
        let el = typeof e === 'string' ? parseXml(e) : e;
        if (options.msgId !== undefined) {
          el = { ...el, attrs: { ...el.attrs, lrmd_remote_msg_id: String(options.msgId), lrmd_remote_msg_type: 'request' } };
        }
        const f = encodeFrame(serializeXml(el), frameId++);
        writeChain = writeChain.then(async () => {
          if (options.merged) {
            await write(Buffer.concat([f.header, f.payload]));
          } else {
            await write(f.header);
            await write(f.payload);
          }
        });
        return writeChain.then(() => options.msgId);
      },
      async request(e, options = {}) {
        const id = ++msgId;
        await client.send(e, { msgId: id, ...options });
        return id;
      },
      async call(e, timeoutMs = 2000) {
        const id = await client.request(e);
        return client.reply(id, timeoutMs);
      },
      waitFor(pred, timeoutMs = 2000, what = 'message') {
        return new Promise((res, rej) => {
          const check = (): boolean => {
            for (const m of received) {
              if (!consumed.has(m) && pred(m)) {
                consumed.add(m);
                clearTimeout(t);
                res(m);
                return true;
              }
            }
            if (closedFlag) {
              clearTimeout(t);
              rej(new Error(`connection closed while waiting for ${what}`));
              return true;
            }
            return false;
          };
          const t = setTimeout(() => {
            waiters = waiters.filter((w) => w !== loop);
            rej(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
          }, timeoutMs);
          const loop = () => {
            if (!check()) waiters.push(loop);
          };
          loop();
        });
      },
      reply(id, timeoutMs = 2000) {
        return client.waitFor(
          (m) => m.name === 'lrmd_reply' && m.attrs.lrmd_remote_msg_id === String(id),
          timeoutMs,
          `reply to ${id}`,
        );
      },
      nothing(pred, ms) {
        return client.waitFor(pred, ms).then(
          () => false,
          () => true,
        );
      },
      raw(bytes) {
        writeChain = writeChain.then(() => write(bytes));
        return writeChain;
      },
      close() {
        socket.destroy();
      },
    };
    socket.on('data', (chunk: Buffer) => {
      if (client.decodeError) return;
      try {
        for (const f of decoder.push(chunk)) received.push(parseXml(f.xml));
      } catch (err) {
        client.decodeError = err as Error;
        socket.destroy();
      }
      wake();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      client.socketError ??= err;
      clearTimeout(timer);
      reject(err);
    });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(client);
    });
  });
}

/** The register request (as the controller sends it: provider flag on). */
export function registerXml(name = 'sim-test', provider = true, version = '1.1'): XmlElement {
  const attrs: Record<string, string> = { t: 'lrmd', lrmd_op: 'register', lrmd_clientname: name, lrmd_protocol_version: version };
  if (provider) attrs.lrmd_is_ipc_provider = 'true';
  return { name: 'lrmd_command', attrs, children: [] };
}

/** Connects and registers; returns the client and the register reply. */
export async function connectAndRegister(o: RawClientOptions & { name?: string; provider?: boolean }): Promise<{ c: RawClient; reply: XmlElement }> {
  const c = await connectRaw(o);
  const reply = await c.call(registerXml(o.name, o.provider ?? true));
  return { c, reply };
}

/** The ordered attribute names of an element. */
export const attrNames = (e: XmlElement): string[] => Object.keys(e.attrs);

/** Predicate: a notify with this `lrmd_op` (and call id). */
export const isNotify = (op: string, callId?: string | number) => (m: XmlElement) =>
  m.name === 'lrmd_notify' && m.attrs.lrmd_op === op && (callId === undefined || m.attrs.lrmd_callid === String(callId));

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
