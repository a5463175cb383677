/**
 * The js-tls12 {@link Transport}: a TCP socket, the record layer and the handshake state machine.
 *
 * Every {@link JsTls12Transport.write} call is encrypted at once into record(s) of its own (at most 2^14
 * plaintext bytes each) and handed to the socket in call order, so no record ever carries bytes of two
 * calls (pacemaker-remoted 2.1.5 needs this, protocol.md §2.5).
 */
import { EventEmitter } from 'eventemitter3';
import createDebug from 'debug';
import net from 'node:net';
import { ErrorCodes, RemoteConnError, abortedError } from '../../errors.js';
import { quickAcker } from '../quick-ack.js';
import type { Transport, TransportConnectOptions, TransportEvents, TransportInfo } from '../transport.js';
import { AlertDescription, AlertLevel, encodeAlert, localAlertOf, tlsFault } from './alerts.js';
import { MAX_WARNINGS_IN_HANDSHAKE, peerAlert } from './peer-alerts.js';
import { ClientHandshake, describeHandshake } from './handshake.js';
import { HandshakeBuffer } from './handshake-messages.js';
import { recordAfterHandshake } from './post-handshake.js';
import { checkConnectOptions, negotiatedInfo, type JsTls12TestHooks } from './connect-options.js';
import { handshakeSocketError, hangUpError, tcpConnectError } from './peer-errors.js';
import { ContentType, RecordReader, RecordWriter, type TlsRecord } from './record-layer.js';
import { OrderedWrites } from './write-queue.js';
import { suitesFor } from './suites.js';

const debug = createDebug('pcmk-remote:tls12');

export { MAX_PSK_BYTES } from './connect-options.js';

export { HANDSHAKE_CLOSED_MESSAGE } from './peer-errors.js';

type Phase = 'tcp' | 'tls' | 'open' | 'closing' | 'closed';

export type { JsTls12TestHooks } from './connect-options.js';

/** A TLS 1.2 PSK connection; created by {@link connectJsTls12}. */
export class JsTls12Transport extends EventEmitter<TransportEvents> implements Transport {
  #info: TransportInfo;
  readonly #socket: net.Socket;
  readonly #host: string;
  readonly #port: number;
  readonly #reader = new RecordReader();
  readonly #writer = new RecordWriter();
  #handshake: ClientHandshake | undefined;
  readonly #postHandshake = new HandshakeBuffer(1024);
  #phase: Phase = 'tcp';
  #closeError: Error | undefined;
  #closeEmitted = false;
  readonly #closed: Promise<void>;
  #resolveClosed!: () => void;
  /** Application data writes, in call order, each in records of its own. */
  readonly #writes = new OrderedWrites({
    writable: () => this.#phase === 'open' && !this.#closeEmitted,
    encode: (chunk) => this.#writer.encode(ContentType.application_data, chunk),
    write: (bytes, done) => this.#socket.write(bytes, done),
    fault: (err) => this.#fault(err),
  });
  #destroyTimer: NodeJS.Timeout | undefined;
  #warnings = 0;
  readonly #onRead: (() => void) | undefined;
  readonly #started = performance.now();
  #settle: { resolve: (t: Transport) => void; reject: (e: Error) => void } | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = () => this.#failHandshake(abortedError(this.#signal as AbortSignal, `Connecting to ${this.#host}:${this.#port}`));

  /** Our private copy of the PSK, zeroed once the handshake is over (either way). */
  readonly #psk: Buffer;

  /** @internal use {@link connectJsTls12}; `psk` must be a copy the transport may overwrite */
  constructor(options: TransportConnectOptions, psk: Buffer, identity: Buffer, settle: { resolve: (t: Transport) => void; reject: (e: Error) => void }, hooks: JsTls12TestHooks = {}) {
    super();
    this.#psk = psk;
    this.#host = options.host;
    this.#port = options.port;
    this.#settle = settle;
    this.#signal = options.signal;
    this.#info = { engine: 'js-tls12', protocol: 'TLSv1.2', cipher: 'unknown', auth: 'psk' };
    this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    const suites = hooks.suites ?? suitesFor(options.tls?.keyExchange ?? 'any');
    this.#handshake = new ClientHandshake({ psk, identity, suites, ...(hooks.maxSeq === undefined ? {} : { maxSeq: hooks.maxSeq }) }, this.#reader, this.#writer);
    debug('connecting to %s:%d, offering %s', this.#host, this.#port, suites.map((s) => s.name).join(','));
    const socket = net.connect({ host: options.host, port: options.port });
    this.#socket = socket;
    socket.setNoDelay(true);
    this.#onRead = options.tls?.quickAck === false ? undefined : quickAcker(socket);
    socket.once('connect', () => {
      if (this.#phase !== 'tcp') return;
      this.#phase = 'tls';
      try {
        options.onTcpConnected?.();
      } catch (err) {
        debug('onTcpConnected threw: %s', (err as Error).message);
      }
      if (this.#phase !== 'tls') return; // aborted from the callback
      socket.write((this.#handshake as ClientHandshake).clientHello());
    });
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('error', (err: NodeJS.ErrnoException) => this.#onSocketError(err));
    socket.on('close', () => this.#onSocketClose());
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** What was negotiated. */
  get info(): TransportInfo {
    return this.#info;
  }

  /** True until `close` has been emitted. */
  get open(): boolean {
    return !this.#closeEmitted && (this.#phase === 'open' || this.#phase === 'closing');
  }

  // ---- receiving ----------------------------------------------------------------------------------

  #onData(chunk: Buffer): void {
    if (this.#phase !== 'tls' && this.#phase !== 'open') return;
    this.#onRead?.();
    this.#reader.push(chunk);
    this.#processRecords();
  }

  #processRecords(): void {
    try {
      while (!this.#holding && (this.#phase === 'tls' || this.#phase === 'open')) {
        const rec = this.#reader.next();
        if (!rec) return;
        this.#onRecord(rec);
      }
    } catch (err) {
      this.#fault(err);
    }
  }

  /**
   * True between the end of the handshake and the next macrotask: records that came in the same chunk as
   * the server's Finished wait until the caller of `connect` has had a chance to attach its listeners.
   */
  #holding = false;

  #onRecord(rec: TlsRecord): void {
    if (rec.type === ContentType.alert) {
      this.#onAlert(rec.fragment);
      return;
    }
    const hs = this.#handshake;
    if (this.#phase === 'tls' && hs) {
      if (rec.type === ContentType.application_data) throw tlsFault('unexpected_message', 'application data before the handshake finished');
      const flight = hs.onRecord(rec);
      if (flight) this.#socket.write(flight);
      if (hs.done) this.#established(hs);
      return;
    }
    recordAfterHandshake(rec, this.#postHandshake, {
      data: (fragment) => this.emit('data', fragment),
      refuseRenegotiation: () => {
        debug('HelloRequest from %s:%d refused with no_renegotiation', this.#host, this.#port);
        this.#sendAlert(AlertLevel.warning, AlertDescription.no_renegotiation);
      },
    });
  }

  #onAlert(body: Buffer): void {
    const a = peerAlert(body, this.#phase === 'tls', this.#host, this.#port);
    if (a.outcome === 'handshake-failed') return this.#failHandshake(a.error);
    if (a.outcome === 'warning') {
      if (this.#phase === 'tls' && ++this.#warnings > MAX_WARNINGS_IN_HANDSHAKE) throw tlsFault('unexpected_message', 'too many warning alerts');
      return;
    }
    if (a.outcome === 'close-notify') {
      this.#sendAlert(AlertLevel.warning, AlertDescription.close_notify);
      this.#phase = 'closing';
      this.#socket.end();
      this.#armDestroyTimer();
      return;
    }
    this.#closeError ??= a.error;
    this.#phase = 'closing';
    this.#socket.destroy();
  }

  #established(hs: ClientHandshake): void {
    const r = hs.result;
    this.#handshake = undefined;
    this.#psk.fill(0);
    this.#phase = 'open';
    this.#info = negotiatedInfo(this.#socket, r.suite.name);
    debug('connected to %s:%d in %s ms: %s', this.#host, this.#port, (performance.now() - this.#started).toFixed(1), describeHandshake(r));
    const settle = this.#settle;
    this.#settle = undefined;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#holding = true;
    setImmediate(() => {
      this.#holding = false;
      this.#processRecords();
    });
    settle?.resolve(this);
  }

  #onEnd(): void {
    if (this.#holding) {
      setImmediate(() => this.#onEnd());
      return;
    }
    if (this.#phase === 'tcp' || this.#phase === 'tls') {
      this.#failHandshake(hangUpError(this.#socket.bytesRead === 0, this.#host, this.#port));
      return;
    }
    // A bare EOF is an ordinary close: the daemon often exits without close_notify (protocol.md §1.5).
    // EOF in the middle of a record, though, is a truncated stream.
    if (this.#phase === 'open' && this.#reader.buffered > 0) {
      this.#closeError ??= new RemoteConnError(ErrorCodes.TLS_ERROR, `the connection to ${this.#host}:${this.#port} ended in the middle of a TLS record`, {
        details: { phase: 'tls', host: this.#host, port: this.#port },
      });
    } else if (this.#phase === 'open') debug('EOF from %s:%d without close_notify', this.#host, this.#port);
    this.#phase = 'closing';
    this.#armDestroyTimer();
  }

  #onSocketError(err: NodeJS.ErrnoException): void {
    const details = { host: this.#host, port: this.#port, syscallCode: err.code };
    const where = `${this.#host}:${this.#port}`;
    if (this.#phase === 'tcp') {
      this.#failHandshake(tcpConnectError(err, this.#host, this.#port));
      return;
    }
    if (this.#phase === 'tls') {
      this.#failHandshake(handshakeSocketError(err, this.#socket.bytesRead === 0, this.#host, this.#port));
      return;
    }
    debug('socket error on %s: %s', where, err.code ?? err.message);
    this.#closeError ??= new RemoteConnError(ErrorCodes.CLOSED, `The connection to ${where} failed: ${err.code ?? err.message}`, { cause: err, details: { phase: 'session', ...details } });
  }

  #onSocketClose(): void {
    if (this.#holding) {
      setImmediate(() => this.#onSocketClose());
      return;
    }
    if (this.#phase === 'tcp' || this.#phase === 'tls') {
      this.#failHandshake(hangUpError(this.#socket.bytesRead === 0, this.#host, this.#port));
    }
    this.#phase = 'closed';
    clearTimeout(this.#destroyTimer);
    this.#destroyTimer = undefined;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#handshake?.wipe();
    this.#handshake = undefined;
    this.#psk.fill(0);
    this.#reader.wipe();
    this.#writer.wipe();
    const closedErr = new RemoteConnError(ErrorCodes.CLOSED, 'The connection is closed', this.#closeError ? { cause: this.#closeError } : {});
    this.#writes.rejectAll(closedErr);
    if (!this.#closeEmitted && !this.#settle) {
      this.#closeEmitted = true;
      debug('closed %s:%d%s', this.#host, this.#port, this.#closeError ? ` (${(this.#closeError as RemoteConnError).code ?? this.#closeError.message})` : '');
      this.emit('close', this.#closeError);
    }
    this.#resolveClosed();
  }

  // ---- failures -----------------------------------------------------------------------------------

  /** A fault detected locally: send the fatal alert it names, then close. */
  #fault(err: unknown): void {
    const e =
      err instanceof RemoteConnError
        ? err
        : new RemoteConnError(ErrorCodes.TLS_ERROR, 'internal error in the TLS engine', { details: { phase: 'tls', localAlert: 'internal_error' } });
    e.details.host = this.#host;
    e.details.port = this.#port;
    const alert = localAlertOf(e) ?? AlertDescription.internal_error;
    debug('TLS fault with %s:%d: %s', this.#host, this.#port, e.message);
    if (this.#phase === 'tls' || this.#phase === 'tcp') {
      this.#failHandshake(e, alert);
      return;
    }
    this.#closeError ??= e;
    this.#abortWithAlert(alert);
  }

  /** Sends a fatal alert (best effort), then ends and destroys the socket. */
  #abortWithAlert(alert: number | undefined): void {
    this.#phase = 'closing';
    let bytes: Buffer | undefined;
    if (alert !== undefined) {
      try {
        bytes = this.#writer.encode(ContentType.alert, encodeAlert(AlertLevel.fatal, alert));
      } catch {
        bytes = undefined; // e.g. the sequence number is exhausted: just close
      }
    }
    if (bytes && this.#socket.writable) this.#socket.end(bytes);
    else this.#socket.destroy();
    this.#armDestroyTimer(1000);
  }

  #failHandshake(err: RemoteConnError, alert?: number): void {
    const settle = this.#settle;
    if (!settle) return;
    this.#settle = undefined;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#closeError = err;
    debug('connect to %s:%d failed: %s %s', this.#host, this.#port, err.code, err.message);
    if (alert !== undefined && this.#phase === 'tls') this.#abortWithAlert(alert);
    else {
      this.#phase = 'closing';
      this.#socket.destroy();
    }
    this.#handshake?.wipe();
    this.#psk.fill(0);
    settle.reject(err);
  }

  #armDestroyTimer(ms = 2000): void {
    if (this.#destroyTimer || this.#phase === 'closed') return;
    this.#destroyTimer = setTimeout(() => this.#socket.destroy(), ms);
    this.#destroyTimer.unref?.();
  }

  #sendAlert(level: number, description: number): void {
    try {
      if (this.#socket.writable) this.#socket.write(this.#writer.encode(ContentType.alert, encodeAlert(level, description)));
    } catch (err) {
      this.#fault(err);
    }
  }

  // ---- Transport ----------------------------------------------------------------------------------

  /**
   * Queues `chunk`; each chunk is encrypted into record(s) of its own and handed to the socket only after
   * the previous chunk's write completed. Writing the next chunk before that would let the socket merge
   * both into one TCP segment: pacemaker-remoted 2.1.5 then reads the header record and the payload record
   * into GnuTLS's buffer together and blocks in poll() for up to 60 s (protocol.md §2.5).
   */
  write(chunk: Uint8Array): Promise<void> {
    if (this.#phase !== 'open' || this.#closeEmitted) {
      return Promise.reject(new RemoteConnError(ErrorCodes.CLOSED, 'The connection is closed'));
    }
    if (chunk.length === 0) return Promise.resolve();
    return this.#writes.push(chunk);
  }

  /** Sends close_notify, ends the socket and resolves once `close` has been emitted. */
  async close(): Promise<void> {
    if (this.#phase === 'open') {
      this.#phase = 'closing';
      try {
        const bytes = this.#writer.encode(ContentType.alert, encodeAlert(AlertLevel.warning, AlertDescription.close_notify));
        this.#socket.end(bytes);
      } catch {
        this.#socket.end();
      }
      this.#armDestroyTimer();
    } else if (this.#phase !== 'closed' && this.#phase !== 'closing') {
      this.#socket.destroy();
    }
    return this.#closed;
  }

  /** Tears the connection down at once; `error` is reported with `close`. */
  destroy(error?: Error): void {
    if (error) this.#closeError ??= error;
    if (this.#phase !== 'closed') this.#phase = 'closing';
    this.#socket.destroy();
  }

  /** Passes through to the socket. */
  setKeepAlive(enable: boolean, initialDelayMs?: number): void {
    this.#socket.setKeepAlive(enable, initialDelayMs);
  }

  /** Stops reading from the socket until {@link resume} (backpressure from a busy reader). */
  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }
}

/**
 * Validates the options and opens a js-tls12 connection.
 * @internal the public entry point is `connectJsTls12` in `index.ts`
 */
export function connectWith(options: TransportConnectOptions, hooks: JsTls12TestHooks = {}): Promise<Transport> {
  let checked: { key: Buffer; identity: Buffer };
  try {
    checked = checkConnectOptions(options);
  } catch (err) {
    return Promise.reject(err as Error);
  }
  const { key, identity } = checked;
  if (options.signal?.aborted) return Promise.reject(abortedError(options.signal, `Connecting to ${options.host}:${options.port}`));
  return new Promise<Transport>((resolve, reject) => {
    new JsTls12Transport(options, Buffer.from(key), identity, { resolve, reject }, hooks);
  });
}
