/**
 * A scripted TLS-PSK peer on 127.0.0.1 for negative-path tests: it completes the handshake and then lets
 * the test decide what bytes to send.
 */
import tls from 'node:tls';
import { FrameDecoder, encodeFrame } from '../../src/codec/index.js';
import { parseXml, serializeXml, type XmlElement } from '../../src/messages/index.js';
import { RemoteSession } from '../../src/session/remote-session.js';

export interface ScriptedConnection {
  socket: tls.TLSSocket;
  /** Requests received so far (parsed). */
  requests: XmlElement[];
  /** Resolves with the next request. */
  nextRequest(): Promise<XmlElement>;
  /** Sends one message as header + payload records. */
  send(xml: string): Promise<void>;
  /** Sends raw bytes. */
  raw(bytes: Buffer): Promise<void>;
}

export interface ScriptedPeer {
  port: number;
  key: Buffer;
  close(): Promise<void>;
}

/** Answers a register request the way 2.1.5 does. */
export function registerReply(req: XmlElement, extra: Record<string, string> = {}): string {
  const attrs = {
    lrmd_origin: 'process_lrmd_signon',
    lrmd_rc: '0',
    lrmd_callid: '1',
    lrmd_op: 'register',
    lrmd_clientid: '00000000-0000-4000-8000-000000000000',
    lrmd_protocol_version: '1.1',
    ...extra,
    lrmd_remote_msg_id: req.attrs.lrmd_remote_msg_id ?? '0',
    lrmd_remote_msg_type: 'reply',
  };
  return serializeXml({ name: 'lrmd_reply', attrs, children: [] });
}

export async function startScriptedPeer(key: Buffer, onConnection: (c: ScriptedConnection) => void | Promise<void>): Promise<ScriptedPeer> {
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer(
    {
      pskCallback: (_socket, identity) => (identity === 'lrmd' ? key : null),
      ciphers: 'TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:PSK-AES256-GCM-SHA384',
    },
    (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      const decoder = new FrameDecoder();
      const requests: XmlElement[] = [];
      const waiters: Array<(e: XmlElement) => void> = [];
      socket.on('data', (chunk: Buffer) => {
        try {
          for (const f of decoder.push(chunk)) {
            const e = parseXml(f.xml);
            const w = waiters.shift();
            if (w) w(e);
            else requests.push(e);
          }
        } catch {
          socket.destroy();
        }
      });
      let id = 100;
      const write = (b: Buffer) => new Promise<void>((r) => socket.write(b, () => r()));
      const conn: ScriptedConnection = {
        socket,
        requests,
        nextRequest: () => {
          const queued = requests.shift();
          return queued ? Promise.resolve(queued) : new Promise((r) => waiters.push(r));
        },
        send: async (xml) => {
          const f = encodeFrame(xml, id++);
          await write(f.header);
          await write(f.payload);
        },
        raw: (bytes) => write(bytes),
      };
      void Promise.resolve(onConnection(conn)).catch(() => socket.destroy());
    },
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  return {
    port: typeof a === 'object' && a ? a.port : 0,
    key,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/**
 * For a mocha `describe`: `connectWith(script, opts)` starts a scripted peer running `script` and connects a
 * RemoteSession to it (3 s connect budget unless `opts` says otherwise); the peer is closed after each test.
 */
export function scriptedPeerFixture(key: Buffer) {
  let peer: ScriptedPeer | undefined;
  afterEach(async () => {
    await peer?.close();
    peer = undefined;
  });
  return {
    connectWith: async (script: (c: ScriptedConnection) => Promise<void>, opts: Record<string, unknown> = {}) => {
      peer = await startScriptedPeer(key, script);
      return RemoteSession.connect({ host: '127.0.0.1', port: peer.port, key, connectTimeoutMs: 3000, ...opts });
    },
  };
}
