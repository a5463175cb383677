/**
 * The client side of a full TLS 1.2 PSK / DHE-PSK handshake (RFC 5246 §7.3, RFC 4279), as a state machine
 * that is fed records and returns the bytes to send. No I/O happens here.
 *
 * Flight: ClientHello → ServerHello, [ServerKeyExchange], ServerHelloDone → ClientKeyExchange,
 * ChangeCipherSpec, Finished → ChangeCipherSpec, Finished. No resumption, no renegotiation: a
 * HelloRequest during the handshake is ignored (RFC 5246 §7.4.1.1), anything out of order is an
 * `unexpected_message` fault.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import createDebug from 'debug';
import { tlsFault } from './alerts.js';
import {
  ExtensionType,
  HandshakeBuffer,
  HandshakeType,
  encodeClientHello,
  encodeClientKeyExchange,
  encodeHandshake,
  parseFinished,
  parseServerHello,
  parseServerHelloDone,
  parseServerKeyExchange,
  type HandshakeMessage,
  type ServerDhParams,
} from './handshake-messages.js';
import { dheAgree, dhePskPremaster, pskPremaster } from './key-exchange.js';
import { keyBlock, masterSecret, transcriptHash, verifyData } from './prf.js';
import { AeadState, ContentType, type RecordReader, type RecordWriter, type TlsRecord } from './record-layer.js';
import type { CipherSuite } from './suites.js';

const debug = createDebug('pcmk-remote:tls12');

/** Options of {@link ClientHandshake}. */
export interface ClientHandshakeOptions {
  /** The raw PSK (any length up to 65535 bytes). */
  psk: Buffer;
  /** PSK identity bytes (UTF-8 of the identity string). */
  identity: Buffer;
  /** Suites to offer, in preference order. */
  suites: readonly CipherSuite[];
  /** Client random (tests only; default 32 random bytes). */
  random?: Buffer;
  /** Last usable sequence number (tests only). */
  maxSeq?: bigint;
}

/** What the handshake negotiated. */
export interface HandshakeResult {
  suite: CipherSuite;
  /** Whether the extended master secret was used (RFC 7627). */
  extendedMasterSecret: boolean;
  /** Whether the server sent an (empty) renegotiation_info extension. */
  secureRenegotiation: boolean;
  /** Extension types of the ServerHello, in no particular order. */
  serverExtensions: number[];
  /** The server's PSK identity hint (usually empty). */
  identityHint: string;
}

/** The negotiated parameters in one line, for the debug log. */
export function describeHandshake(r: HandshakeResult): string {
  const extensions = r.serverExtensions.map((e) => `0x${e.toString(16)}`).join(',');
  return `${r.suite.name} ems=${r.extendedMasterSecret} secure_renegotiation=${r.secureRenegotiation} server_extensions=${extensions}`;
}

/**
 * Our ClientHello handshake message (header included, not yet framed as a record): TLS 1.2, the given
 * suites, extended_master_secret and an empty renegotiation_info. Also used by `pcmk-remote probe`, which
 * sends exactly this and stops after the server's answer.
 */
export function clientHelloMessage(random: Buffer, suites: readonly CipherSuite[]): Buffer {
  const body = encodeClientHello({
    random,
    suites: suites.map((s) => s.id),
    extensions: [
      { type: ExtensionType.extended_master_secret, data: Buffer.alloc(0) },
      // RFC 5746 §3.4: an empty renegotiation_info instead of the SCSV.
      { type: ExtensionType.renegotiation_info, data: Buffer.from([0]) },
    ],
  });
  return encodeHandshake(HandshakeType.client_hello, body);
}

type State = 'start' | 'server_hello' | 'key_exchange' | 'hello_done' | 'ccs' | 'finished' | 'done';

/** Handshake state machine for one connection. */
export class ClientHandshake {
  readonly #opts: ClientHandshakeOptions;
  readonly #reader: RecordReader;
  readonly #writer: RecordWriter;
  readonly #messages = new HandshakeBuffer();
  readonly #transcript: Buffer[] = [];
  readonly #clientRandom: Buffer;
  #serverRandom: Buffer = Buffer.alloc(0);
  #state: State = 'start';
  #suite: CipherSuite | undefined;
  #ems = false;
  #secureRenegotiation = false;
  #serverExtensions: number[] = [];
  #hint = '';
  #dh: ServerDhParams | undefined;
  #master: Buffer | undefined;
  #readCipher: AeadState | undefined;
  #helloRequests = 0;

  constructor(opts: ClientHandshakeOptions, reader: RecordReader, writer: RecordWriter) {
    if (opts.suites.length === 0) throw new RangeError('no cipher suite to offer');
    this.#opts = opts;
    this.#reader = reader;
    this.#writer = writer;
    this.#clientRandom = opts.random ?? randomBytes(32);
  }

  /** True once the server's Finished has been verified. */
  get done(): boolean {
    return this.#state === 'done';
  }

  /** Name of the current state (for logs and tests). */
  get state(): string {
    return this.#state;
  }

  /** The negotiated parameters; only once {@link done}. */
  get result(): HandshakeResult {
    if (!this.#suite || this.#state !== 'done') throw new Error('handshake not finished');
    return {
      suite: this.#suite,
      extendedMasterSecret: this.#ems,
      secureRenegotiation: this.#secureRenegotiation,
      serverExtensions: [...this.#serverExtensions],
      identityHint: this.#hint,
    };
  }

  /** The ClientHello record to send first. */
  clientHello(): Buffer {
    if (this.#state !== 'start') throw new Error('ClientHello already sent');
    const msg = clientHelloMessage(this.#clientRandom, this.#opts.suites);
    this.#transcript.push(msg);
    this.#state = 'server_hello';
    return this.#writer.encode(ContentType.handshake, msg);
  }

  /**
   * Handles a handshake or ChangeCipherSpec record received before the handshake is done.
   * @returns bytes to send (our second flight), if any
   * @throws RemoteConnError `TLS_ERROR` with the alert to send
   */
  onRecord(rec: TlsRecord): Buffer | undefined {
    if (this.#state === 'done' || this.#state === 'start') throw tlsFault('unexpected_message', 'record outside the handshake');
    if (rec.type === ContentType.change_cipher_spec) {
      this.#onChangeCipherSpec(rec.fragment);
      return undefined;
    }
    if (rec.type !== ContentType.handshake) throw tlsFault('unexpected_message', `content type ${rec.type} during the handshake`);
    this.#messages.push(rec.fragment);
    let out: Buffer | undefined;
    for (let m = this.#messages.next(); m; m = this.#messages.next()) {
      const flight = this.#onMessage(m);
      if (flight) out = out ? Buffer.concat([out, flight]) : flight;
      if (this.done && !this.#messages.empty) {
        throw tlsFault('unexpected_message', 'handshake data after the server Finished');
      }
    }
    return out;
  }

  /** Overwrites secrets held by the handshake (the PSK belongs to the caller and is left alone). */
  wipe(): void {
    this.#master?.fill(0);
    this.#master = undefined;
  }

  #onChangeCipherSpec(body: Buffer): void {
    if (this.#state !== 'ccs') throw tlsFault('unexpected_message', `ChangeCipherSpec in state ${this.#state}`);
    if (!this.#messages.empty) throw tlsFault('unexpected_message', 'ChangeCipherSpec inside a handshake message');
    if (body.length !== 1 || body[0] !== 1) throw tlsFault('decode_error', 'malformed ChangeCipherSpec');
    this.#reader.setCipher(this.#readCipher as AeadState);
    this.#state = 'finished';
  }

  #onMessage(m: HandshakeMessage): Buffer | undefined {
    if (m.type === HandshakeType.hello_request) {
      // Ignored while negotiating (RFC 5246 §7.4.1.1), and not part of the transcript.
      if (m.body.length !== 0) throw tlsFault('decode_error', 'HelloRequest with a body');
      if (++this.#helloRequests > 8) throw tlsFault('unexpected_message', 'too many HelloRequest messages');
      return undefined;
    }
    switch (this.#state) {
      case 'server_hello':
        this.#expect(m, HandshakeType.server_hello);
        this.#onServerHello(m);
        return undefined;
      case 'key_exchange':
        if (m.type === HandshakeType.server_key_exchange) {
          const suite = this.#suite as CipherSuite;
          const ske = parseServerKeyExchange(m.body, suite.kx);
          this.#hint = ske.hint.toString('utf8');
          this.#dh = ske.dh;
          this.#transcript.push(m.raw);
          this.#state = 'hello_done';
          return undefined;
        }
        if ((this.#suite as CipherSuite).kx === 'dhe_psk') {
          throw tlsFault('unexpected_message', `handshake message ${m.type} where a ServerKeyExchange is required`);
        }
        this.#expect(m, HandshakeType.server_hello_done);
        return this.#onServerHelloDone(m);
      case 'hello_done':
        this.#expect(m, HandshakeType.server_hello_done);
        return this.#onServerHelloDone(m);
      case 'finished':
        this.#expect(m, HandshakeType.finished);
        this.#onServerFinished(m);
        return undefined;
      default:
        throw tlsFault('unexpected_message', `handshake message ${m.type} in state ${this.#state}`);
    }
  }

  #expect(m: HandshakeMessage, type: number): void {
    if (m.type !== type) throw tlsFault('unexpected_message', `handshake message ${m.type} where ${type} was expected`);
  }

  #onServerHello(m: HandshakeMessage): void {
    const sh = parseServerHello(m.body);
    if (sh.version !== 0x0303) {
      throw tlsFault('protocol_version', `the server chose version 0x${sh.version.toString(16)} (only TLS 1.2 is supported)`);
    }
    const suite = this.#opts.suites.find((s) => s.id === sh.suite);
    if (!suite) throw tlsFault('illegal_parameter', `the server chose cipher suite 0x${sh.suite.toString(16).padStart(4, '0')}, which was not offered`);
    if (sh.compression !== 0) throw tlsFault('illegal_parameter', `the server chose compression method ${sh.compression}`);
    for (const [type, data] of sh.extensions) {
      if (type === ExtensionType.extended_master_secret) {
        if (data.length !== 0) throw tlsFault('decode_error', 'extended_master_secret extension with data');
      } else if (type === ExtensionType.renegotiation_info) {
        // RFC 5746 §3.4: the renegotiated_connection field must be empty on an initial handshake.
        if (data.length !== 1 || data[0] !== 0) throw tlsFault('handshake_failure', 'renegotiation_info is not empty');
      } else {
        throw tlsFault('unsupported_extension', `the server sent extension 0x${type.toString(16)}, which was not offered`);
      }
    }
    this.#suite = suite;
    this.#serverRandom = sh.random;
    this.#ems = sh.extensions.has(ExtensionType.extended_master_secret);
    this.#secureRenegotiation = sh.extensions.has(ExtensionType.renegotiation_info);
    this.#serverExtensions = [...sh.extensions.keys()];
    if (!this.#ems) debug('the server did not echo extended_master_secret: using the classic master secret (RFC 7627 not in effect)');
    if (!this.#secureRenegotiation) debug('the server sent no renegotiation_info (we never renegotiate anyway)');
    this.#transcript.push(m.raw);
    this.#reader.lenientVersion = false;
    this.#state = 'key_exchange';
  }

  #onServerHelloDone(m: HandshakeMessage): Buffer {
    parseServerHelloDone(m.body);
    this.#transcript.push(m.raw);
    const suite = this.#suite as CipherSuite;
    const { psk, identity } = this.#opts;
    let premaster: Buffer;
    let yc: Buffer | undefined;
    if (suite.kx === 'dhe_psk') {
      const agreement = dheAgree(this.#dh as ServerDhParams);
      yc = agreement.yc;
      premaster = dhePskPremaster(agreement.z, psk);
      agreement.z.fill(0);
    } else {
      premaster = pskPremaster(psk);
    }
    const cke = encodeHandshake(HandshakeType.client_key_exchange, encodeClientKeyExchange(identity, yc));
    this.#transcript.push(cke);
    const master = this.#ems
      ? masterSecret(suite.hash, premaster, { sessionHash: transcriptHash(suite.hash, this.#transcript) })
      : masterSecret(suite.hash, premaster, { clientRandom: this.#clientRandom, serverRandom: this.#serverRandom });
    premaster.fill(0);
    this.#master = master;
    const kb = keyBlock(suite.hash, master, this.#clientRandom, this.#serverRandom, suite.keyLength, suite.fixedIvLength);
    const writeCipher = new AeadState(suite, kb.clientKey, kb.clientIv, this.#opts.maxSeq);
    this.#readCipher = new AeadState(suite, kb.serverKey, kb.serverIv, this.#opts.maxSeq);
    for (const k of Object.values(kb)) k.fill(0);
    const finished = encodeHandshake(
      HandshakeType.finished,
      verifyData(suite.hash, master, 'client', transcriptHash(suite.hash, this.#transcript)),
    );
    this.#transcript.push(finished);
    const flight = [this.#writer.encode(ContentType.handshake, cke), this.#writer.encode(ContentType.change_cipher_spec, Buffer.from([1]))];
    this.#writer.setCipher(writeCipher);
    flight.push(this.#writer.encode(ContentType.handshake, finished));
    this.#state = 'ccs';
    return Buffer.concat(flight);
  }

  #onServerFinished(m: HandshakeMessage): void {
    const suite = this.#suite as CipherSuite;
    const got = parseFinished(m.body);
    const want = verifyData(suite.hash, this.#master as Buffer, 'server', transcriptHash(suite.hash, this.#transcript));
    if (!timingSafeEqual(got, want)) throw tlsFault('decrypt_error', "the server's Finished does not verify");
    this.#state = 'done';
    this.wipe();
    this.#transcript.length = 0;
  }
}
