/**
 * A scripted raw TLS 1.2 PSK/DHE-PSK server for the js-tls12 negative-path tests. It speaks records built
 * by hand (sharing the engine's record layer, PRF and message framing) so each test can misbehave at any
 * step: reorder, truncate, corrupt, send alerts, renegotiate.
 */
import { createDiffieHellmanGroup, randomBytes, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import { parseAlert, type Alert } from '../../src/transport/js-tls12/alerts.js';
import { Reader, u16, vec16, vec8 } from '../../src/transport/js-tls12/bytes.js';
import { ExtensionType, HandshakeBuffer, HandshakeType, encodeHandshake, type HandshakeMessage } from '../../src/transport/js-tls12/handshake-messages.js';
import { dhePskPremaster, pskPremaster } from '../../src/transport/js-tls12/key-exchange.js';
import { keyBlock, masterSecret, transcriptHash, verifyData } from '../../src/transport/js-tls12/prf.js';
import { AeadState, ContentType, RecordReader, RecordWriter, recordHeader, type TlsRecord } from '../../src/transport/js-tls12/record-layer.js';
import { SUITES, type CipherSuite } from '../../src/transport/js-tls12/suites.js';

/** A parsed ClientHello (enough for the tests). */
export interface ParsedClientHello {
  version: number;
  random: Buffer;
  suites: number[];
  compression: number[];
  extensions: Array<{ type: number; data: Buffer }>;
}

export function parseClientHello(body: Buffer): ParsedClientHello {
  const r = new Reader(body, 'ClientHello');
  const version = r.u16();
  const random = Buffer.from(r.bytes(32));
  r.vec8();
  const sr = new Reader(r.vec16(2), 'suites');
  const suites: number[] = [];
  while (sr.remaining) suites.push(sr.u16());
  const compression = [...r.vec8(1)];
  const extensions: Array<{ type: number; data: Buffer }> = [];
  if (r.remaining) {
    const er = new Reader(r.vec16(), 'extensions');
    while (er.remaining) extensions.push({ type: er.u16(), data: Buffer.from(er.vec16()) });
  }
  r.end();
  return { version, random, suites, compression, extensions };
}

/** Builds a ServerHello body. */
export function serverHelloBody(o: { version?: number; random?: Buffer; suite: number; compression?: number; extensions?: Buffer | null }): Buffer {
  const exts = o.extensions === undefined ? defaultServerExtensions(true) : o.extensions;
  return Buffer.concat([u16(o.version ?? 0x0303), o.random ?? randomBytes(32), vec8(randomBytes(32)), u16(o.suite), Buffer.from([o.compression ?? 0]), ...(exts ? [vec16(exts)] : [])]);
}

/** EMS (optional) and an empty renegotiation_info, as GnuTLS answers. */
export function defaultServerExtensions(ems: boolean): Buffer {
  return Buffer.concat([...(ems ? [u16(ExtensionType.extended_master_secret), u16(0)] : []), u16(ExtensionType.renegotiation_info), vec16(Buffer.from([0]))]);
}

export function extension(type: number, data: Buffer): Buffer {
  return Buffer.concat([u16(type), vec16(data)]);
}

/** One accepted connection, seen from the scripted server. */
export class PeerConn {
  readonly socket: net.Socket;
  readonly reader = new RecordReader();
  readonly writer = new RecordWriter();
  /** Alerts received from the client. */
  readonly alerts: Alert[] = [];
  readonly #hs = new HandshakeBuffer();
  #wake: (() => void) | undefined;
  transcript: Buffer[] = [];
  clientHello: ParsedClientHello | undefined;
  suite: CipherSuite | undefined;
  master: Buffer | undefined;
  clientRandom: Buffer = Buffer.alloc(32);
  serverRandom: Buffer = randomBytes(32);
  ems = true;

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      this.#wake?.();
    });
    socket.on('end', () => {
      this.#eof = true;
      this.#wake?.();
    });
    socket.on('error', () => undefined);
  }

  #eof = false;

  /** Next record from the client (or 'eof'); parsed lazily so a cipher change applies to what follows. */
  async next(): Promise<TlsRecord | 'eof'> {
    for (;;) {
      const r = this.reader.next();
      if (r) {
        if (r.type === ContentType.alert) this.alerts.push(parseAlert(r.fragment));
        return r;
      }
      if (this.#eof) return 'eof';
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** Next handshake message (skipping nothing: any other record is an error). */
  async nextHandshake(): Promise<HandshakeMessage> {
    for (;;) {
      const m = this.#hs.next();
      if (m) return m;
      const r = await this.next();
      if (r === 'eof') throw new Error('client closed');
      if (r.type !== ContentType.handshake) throw new Error(`expected handshake, got content type ${r.type}`);
      this.#hs.push(r.fragment);
    }
  }

  /** Waits for the client to close (EOF) and returns what arrived before, within `ms`. */
  async drain(ms = 2000): Promise<TlsRecord[]> {
    const out: TlsRecord[] = [];
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      const r = await Promise.race([
        this.next().catch(() => 'eof' as const),
        new Promise<'timeout'>((res) => (timer = setTimeout(() => res('timeout'), Math.max(1, deadline - Date.now())))),
      ]);
      clearTimeout(timer);
      if (r === 'eof' || r === 'timeout') break;
      out.push(r);
    }
    return out;
  }

  raw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Sends a record through the writer (protected once the server's write cipher is set). */
  send(type: number, data: Buffer): void {
    this.socket.write(this.writer.encode(type, data));
  }

  /** Sends handshake messages (added to the transcript) in one record. */
  sendHandshake(...msgs: Array<[number, Buffer]>): void {
    const raw = msgs.map(([t, b]) => encodeHandshake(t, b));
    this.transcript.push(...raw);
    this.send(ContentType.handshake, Buffer.concat(raw));
  }

  /** Reads the ClientHello. */
  async readClientHello(): Promise<ParsedClientHello> {
    const m = await this.nextHandshake();
    if (m.type !== HandshakeType.client_hello) throw new Error('expected ClientHello');
    this.transcript.push(m.raw);
    this.clientHello = parseClientHello(m.body);
    this.clientRandom = this.clientHello.random;
    return this.clientHello;
  }

  /**
   * Server side of a full handshake with `key`. Options let a test break it at the end.
   */
  async handshake(
    key: Buffer,
    o: { suite?: CipherSuite; ems?: boolean; tamperFinished?: boolean; dhGroup?: 'modp14'; skipFinal?: boolean } = {},
  ): Promise<void> {
    const ch = this.clientHello ?? (await this.readClientHello());
    const suite = o.suite ?? SUITES.find((s) => ch.suites.includes(s.id));
    if (!suite) throw new Error('no suite');
    this.suite = suite;
    this.ems = (o.ems ?? true) && ch.extensions.some((e) => e.type === ExtensionType.extended_master_secret);
    const msgs: Array<[number, Buffer]> = [[HandshakeType.server_hello, serverHelloBody({ random: this.serverRandom, suite: suite.id, extensions: defaultServerExtensions(this.ems) })]];
    const dh = suite.kx === 'dhe_psk' ? createDiffieHellmanGroup(o.dhGroup ?? 'modp14') : undefined;
    if (dh) {
      dh.generateKeys();
      msgs.push([HandshakeType.server_key_exchange, Buffer.concat([vec16(Buffer.alloc(0)), vec16(dh.getPrime()), vec16(dh.getGenerator()), vec16(dh.getPublicKey())])]);
    }
    msgs.push([HandshakeType.server_hello_done, Buffer.alloc(0)]);
    this.sendHandshake(...msgs);
    const cke = await this.nextHandshake();
    if (cke.type !== HandshakeType.client_key_exchange) throw new Error('expected ClientKeyExchange');
    this.transcript.push(cke.raw);
    const r = new Reader(cke.body, 'CKE');
    const identity = r.vec16().toString();
    if (identity !== 'lrmd') throw new Error(`identity ${identity}`);
    const premaster = dh ? dhePskPremaster(dh.computeSecret(r.vec16()), key) : pskPremaster(key);
    r.end();
    this.master = this.ems
      ? masterSecret(suite.hash, premaster, { sessionHash: transcriptHash(suite.hash, this.transcript) })
      : masterSecret(suite.hash, premaster, { clientRandom: this.clientRandom, serverRandom: this.serverRandom });
    const kb = keyBlock(suite.hash, this.master, this.clientRandom, this.serverRandom, suite.keyLength, suite.fixedIvLength);
    const ccs = await this.next();
    if (ccs === 'eof' || ccs.type !== ContentType.change_cipher_spec) throw new Error('expected CCS');
    this.reader.setCipher(new AeadState(suite, kb.clientKey, kb.clientIv));
    const fin = await this.nextHandshake();
    const expected = verifyData(suite.hash, this.master, 'client', transcriptHash(suite.hash, this.transcript));
    if (fin.type !== HandshakeType.finished || !timingSafeEqual(fin.body, expected)) throw new Error('bad client Finished');
    this.transcript.push(fin.raw);
    if (o.skipFinal) {
      this.serverWriteCipher = new AeadState(suite, kb.serverKey, kb.serverIv);
      return;
    }
    this.send(ContentType.change_cipher_spec, Buffer.from([1]));
    this.writer.setCipher(new AeadState(suite, kb.serverKey, kb.serverIv));
    const vd = verifyData(suite.hash, this.master, 'server', transcriptHash(suite.hash, this.transcript));
    if (o.tamperFinished) vd[0] = (vd[0] as number) ^ 1;
    this.sendHandshake([HandshakeType.finished, vd]);
  }

  /** The server's write cipher when `skipFinal` was used (the test sends CCS/Finished itself). */
  serverWriteCipher: AeadState | undefined;

  /** Server Finished message for the current transcript. */
  finishedMessage(): Buffer {
    const suite = this.suite as CipherSuite;
    return encodeHandshake(HandshakeType.finished, verifyData(suite.hash, this.master as Buffer, 'server', transcriptHash(suite.hash, this.transcript)));
  }
}

/** A plaintext record, built by hand. */
export function plainRecord(type: number, body: Buffer, version = 0x0303): Buffer {
  return Buffer.concat([recordHeader(type, version, body.length), body]);
}

export interface ScriptedTlsServer {
  port: number;
  /** Resolves/rejects when the script of the first connection ends. */
  done: Promise<PeerConn>;
  close(): Promise<void>;
}

/** Starts a server whose first connection runs `script`. */
export async function scriptedTlsServer(script: (c: PeerConn) => Promise<void>): Promise<ScriptedTlsServer> {
  const sockets = new Set<net.Socket>();
  let settle!: { resolve: (c: PeerConn) => void; reject: (e: unknown) => void };
  const done = new Promise<PeerConn>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined);
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const conn = new PeerConn(socket);
    script(conn).then(
      () => settle.resolve(conn),
      (err) => {
        settle.reject(err);
        socket.destroy();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    done,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
