/**
 * The `node-tls` engine: node:tls with PSK (keys up to 512 bytes, OpenSSL's limit) or X.509.
 *
 * Each {@link Transport.write} becomes one `socket.write`, issued only after the previous write's callback:
 * Node would otherwise merge queued chunks into one `SSL_write`, hence one TLS record (protocol.md §2.5).
 */
import { EventEmitter } from 'eventemitter3';
import createDebug from 'debug';
import net from 'node:net';
import tls from 'node:tls';
import { ErrorCodes, RemoteConnError, abortedError } from '../errors.js';
import { quickAcker } from './quick-ack.js';
import { silentCloseError } from './silent-close.js';
import type { Transport, TransportConnectOptions, TransportConnector, TransportEvents, TransportInfo } from './transport.js';

const debug = createDebug('pcmk-remote:transport');

/** OpenSSL's PSK_MAX_PSK_LEN: node:tls refuses longer keys. */
export const NODE_TLS_MAX_PSK_BYTES = 512;

/**
 * Cipher list for PSK: TLS 1.3 with the SHA-256 suites (the daemon's PSK binder is SHA-256; this is what
 * Pacemaker's own client negotiates, with (EC)DHE key exchange), then TLS 1.2 DHE-PSK (forward secrecy)
 * and PSK AEAD suites that GnuTLS's `NORMAL:+DHE-PSK:+PSK` offers (protocol.md §1.2).
 */
export const DEFAULT_PSK_CIPHERS = [
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'DHE-PSK-AES256-GCM-SHA384',
  'DHE-PSK-AES128-GCM-SHA256',
  'DHE-PSK-CHACHA20-POLY1305',
  'PSK-AES256-GCM-SHA384',
  'PSK-AES128-GCM-SHA256',
  'PSK-CHACHA20-POLY1305',
].join(':');

/** OpenSSL's certificate verification failures as Node reports them (`err.code`). */
const X509_VERIFY_ERRORS = /^(CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED|SELF_SIGNED_CERT|INVALID_CA|PATH_LENGTH_EXCEEDED|INVALID_PURPOSE|KEYUSAGE_NO_CERTSIGN)/;

/**
 * True when `err` or one of its causes is a TLS alert that means the peer refused our credentials (a
 * TLS 1.3 server rejects a client certificate only after the client's side of the handshake is done).
 */
export function isCredentialAlert(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('ERR_SSL_') && /CERTIFICATE|UNKNOWN_CA|ACCESS_DENIED|HANDSHAKE_FAILURE|DECRYPT_ERROR/.test(code)) return true;
  }
  return false;
}

const HANDSHAKE_AUTH_ALERTS = /DECRYPT_ERROR|BAD_RECORD_MAC|HANDSHAKE_FAILURE|UNKNOWN_PSK_IDENTITY|ILLEGAL_PARAMETER|INSUFFICIENT_SECURITY|DECRYPTION_FAILED|CERTIFICATE|UNKNOWN_CA|ACCESS_DENIED/;

const pskContexts = new Map<string, tls.SecureContext>();

/**
 * The OpenSSL context for PSK connections with these settings, shared by every connection that uses them.
 * A context per connection costs ~13 KiB of native memory (measured: 51.7 → 38.8 KiB RSS per TLS 1.3 PSK
 * connection). The context holds no key: the PSK is given per connection through the PSK callback.
 */
export function pskSecureContext(o: { ciphers?: string | undefined; minVersion?: tls.SecureVersion | undefined; maxVersion?: tls.SecureVersion | undefined }): tls.SecureContext {
  const ciphers = o.ciphers ?? DEFAULT_PSK_CIPHERS;
  const minVersion = o.minVersion ?? 'TLSv1.2';
  const maxVersion = o.maxVersion ?? 'TLSv1.3';
  const id = `${ciphers}|${minVersion}|${maxVersion}`;
  let ctx = pskContexts.get(id);
  if (!ctx) {
    ctx = tls.createSecureContext({ ciphers, minVersion, maxVersion });
    pskContexts.set(id, ctx);
  }
  return ctx;
}

/**
 * Maps a socket error to a coded error, given the phase it happened in.
 * @param peerSilent true when the peer has not sent a single byte yet (a close then is not a key problem).
 */
export function classifySocketError(err: NodeJS.ErrnoException, phase: 'tcp' | 'tls', host: string, port: number, peerSilent = false, auth: 'psk' | 'x509' = 'psk'): RemoteConnError {
  const details = { phase, host, port, syscallCode: err.code };
  const where = `${host}:${port}`;
  if (phase === 'tcp') {
    if (err.code === 'ECONNREFUSED') {
      return new RemoteConnError(ErrorCodes.CONNECT_REFUSED, `Connection refused by ${where}: nothing listens there (is pacemaker-remoted running, and is the port right?)`, { cause: err, details });
    }
    if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' || err.code === 'EAI_NONAME') {
      return new RemoteConnError(ErrorCodes.HOST_NOT_FOUND, `Cannot resolve host ${host}`, { cause: err, details });
    }
    return new RemoteConnError(ErrorCodes.CONNECT_FAILED, `TCP connection to ${where} failed: ${err.code ?? err.message}`, { cause: err, details });
  }
  const code = err.code ?? '';
  if (X509_VERIFY_ERRORS.test(code)) {
    if (auth === 'psk') {
      // A PSK handshake never carries a certificate: the daemon has certificate credentials only.
      return new RemoteConnError(
        ErrorCodes.AUTH_FAILED,
        `The daemon at ${where} presented a certificate: it runs in X.509 mode (Pacemaker 3.0+ with PCMK_cert_file, PCMK_ca_file and PCMK_key_file set, which turns PSK off), ` +
          'and this client uses a pre-shared key. Connect with the x509 option (caFile, certFile, keyFile) instead',
        { cause: err, details: { ...details, authMismatch: 'daemon-x509' } },
      );
    }
    const why =
      code === 'CERT_HAS_EXPIRED'
        ? "has expired: renew the daemon's PCMK_cert_file"
        : code === 'CERT_NOT_YET_VALID'
          ? 'is not valid yet (check the clocks of both machines)'
          : code === 'CERT_REVOKED'
            ? 'is revoked by our CRL (x509.crl)'
            : `is not trusted: the CA file must hold the CA that signed the daemon's PCMK_cert_file`;
    return new RemoteConnError(ErrorCodes.AUTH_FAILED, `The certificate of the daemon at ${where} ${why} (${code})`, { cause: err, details });
  }
  const hungUp = code === 'ECONNRESET' || code === 'EPIPE' || /disconnected before secure TLS/i.test(err.message);
  if (hungUp && peerSilent) {
    return silentCloseError(host, port, err);
  }
  if (hungUp && auth === 'x509') {
    // A daemon in X.509 mode sends its certificate first; ending the handshake before that means it has none.
    return new RemoteConnError(
      ErrorCodes.AUTH_FAILED,
      `The daemon at ${where} ended the TLS handshake without presenting a certificate: it does not run in X.509 mode ` +
        '(a pre-shared-key daemon: PCMK_cert_file, PCMK_ca_file and PCMK_key_file not all set, or Pacemaker older than 3.0; connect with its key instead), ' +
        'or no TLS version or cipher suite in common',
      { cause: err, details: { ...details, authMismatch: 'daemon-psk' } },
    );
  }
  if (hungUp || HANDSHAKE_AUTH_ALERTS.test(code)) {
    return new RemoteConnError(
      ErrorCodes.AUTH_FAILED,
      `The daemon at ${where} ended the TLS handshake: wrong key, no TLS version or cipher suite in common, or the daemon runs in X.509 mode (then it offers no pre-shared-key suite)`,
      { cause: err, details },
    );
  }
  return new RemoteConnError(ErrorCodes.TLS_ERROR, `TLS handshake with ${where} failed: ${code || err.message}`, { cause: err, details });
}

/** A {@link Transport} over a connected `tls.TLSSocket`. */
export class NodeTlsTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly info: TransportInfo;
  #socket: tls.TLSSocket;
  #queue: Array<{ chunk: Uint8Array; resolve: () => void; reject: (e: Error) => void }> = [];
  #writing = false;
  #open = true;
  #error: Error | undefined;
  #closed: Promise<void>;

  constructor(socket: tls.TLSSocket, auth: 'psk' | 'x509', onRead?: () => void) {
    super();
    this.#socket = socket;
    const cipher = socket.getCipher();
    this.info = {
      engine: 'node-tls',
      protocol: socket.getProtocol() ?? 'unknown',
      cipher: cipher?.standardName ?? cipher?.name ?? 'unknown',
      auth,
      ...(socket.localAddress ? { localAddress: socket.localAddress } : {}),
      ...(socket.localPort ? { localPort: socket.localPort } : {}),
      ...(socket.remoteAddress ? { remoteAddress: socket.remoteAddress } : {}),
      ...(socket.remotePort ? { remotePort: socket.remotePort } : {}),
    };
    socket.on('data', (chunk: Buffer) => {
      onRead?.();
      this.emit('data', chunk);
    });
    socket.on('error', (err: Error) => {
      this.#error ??= err;
    });
    // The daemon may exit without close_notify: a bare EOF is an ordinary close.
    socket.on('end', () => socket.end());
    this.#closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#open = false;
        const pending = this.#queue.splice(0);
        const closedErr = new RemoteConnError(ErrorCodes.CLOSED, 'The connection is closed', { cause: this.#error });
        for (const p of pending) p.reject(closedErr);
        this.emit('close', this.#error);
        resolve();
      });
    });
  }

  get open(): boolean {
    return this.#open;
  }

  write(chunk: Uint8Array): Promise<void> {
    if (!this.#open || this.#socket.destroyed) {
      return Promise.reject(new RemoteConnError(ErrorCodes.CLOSED, 'The connection is closed'));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ chunk, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#writing) return;
    const next = this.#queue.shift();
    if (!next) return;
    this.#writing = true;
    this.#socket.write(next.chunk, (err) => {
      this.#writing = false;
      if (err) next.reject(new RemoteConnError(ErrorCodes.CLOSED, 'Write failed: the connection is closed', { cause: err }));
      else next.resolve();
      this.#pump();
    });
  }

  async close(): Promise<void> {
    if (this.#open && !this.#socket.destroyed) {
      this.#socket.end();
      const timer = setTimeout(() => this.#socket.destroy(), 2000);
      await this.#closed;
      clearTimeout(timer);
    }
    return this.#closed;
  }

  destroy(error?: Error): void {
    if (error) this.#error ??= error;
    this.#socket.destroy();
  }

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

/** Opens a node:tls connection (PSK or X.509). */
export const connectNodeTls: TransportConnector = (options: TransportConnectOptions) => {
  const { host, port, signal } = options;
  if (signal?.aborted) return Promise.reject(abortedError(signal, 'Connecting'));
  let tlsOptions: tls.ConnectionOptions;
  let auth: 'psk' | 'x509';
  if (options.x509) {
    auth = 'x509';
    tlsOptions = {
      ca: options.x509.ca,
      cert: options.x509.cert,
      key: options.x509.key,
      ...(options.x509.crl ? { crl: options.x509.crl } : {}),
      rejectUnauthorized: true,
      // Pacemaker verifies the chain against the CA but checks no host name (protocol.md §1.6).
      checkServerIdentity: () => undefined,
      minVersion: options.tls?.minVersion ?? 'TLSv1.2',
      ...(options.tls?.ciphers ? { ciphers: options.tls.ciphers } : {}),
    };
  } else {
    const key = options.key;
    if (!key || key.length === 0) {
      return Promise.reject(new RemoteConnError(ErrorCodes.KEY_EMPTY, 'No pre-shared key was given', { details: { phase: 'tls' } }));
    }
    if (key.length > NODE_TLS_MAX_PSK_BYTES) {
      return Promise.reject(
        new RemoteConnError(
          ErrorCodes.KEY_TOO_LONG,
          `The key is ${key.length} bytes; node:tls (OpenSSL) accepts at most ${NODE_TLS_MAX_PSK_BYTES}. ` +
            `Use the js-tls12 engine (tls.engine 'auto' or 'js-tls12'), or create a 256-byte key: ` +
            `dd if=/dev/urandom of=/etc/pacemaker/authkey bs=256 count=1 (on every node)`,
          { details: { phase: 'tls', keyBytes: key.length } },
        ),
      );
    }
    auth = 'psk';
    const identity = options.identity ?? 'lrmd';
    tlsOptions = {
      pskCallback: () => ({ psk: key, identity }),
      checkServerIdentity: () => undefined,
      secureContext: pskSecureContext({ ciphers: options.tls?.ciphers, minVersion: options.tls?.minVersion, maxVersion: options.tls?.maxVersion }),
    };
  }
  return new Promise<Transport>((resolve, reject) => {
    let phase: 'tcp' | 'tls' = 'tcp';
    let settled = false;
    // Our own TCP socket under TLS: its descriptor is needed for TCP_QUICKACK.
    const raw = net.connect({ host, port });
    raw.setNoDelay(true);
    const socket = tls.connect({ socket: raw, ...tlsOptions });
    const onRead = options.tls?.quickAck === false ? undefined : quickAcker(raw);
    const cleanup = () => {
      socket.off('error', onError);
      socket.off('close', onClose);
      raw.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: RemoteConnError) => {
      if (settled) return;
      settled = true;
      cleanup();
      socket.destroy();
      raw.destroy();
      debug('connect %s:%d failed in %s: %s', host, port, phase, err.code);
      reject(err);
    };
    // raw.bytesRead counts TCP bytes under TLS: 0 means the daemon never answered the ClientHello.
    const onError = (err: NodeJS.ErrnoException) => fail(classifySocketError(err, phase, host, port, raw.bytesRead === 0, auth));
    const onClose = () =>
      fail(classifySocketError(Object.assign(new Error('socket closed'), { code: 'ECONNRESET' }), phase, host, port, raw.bytesRead === 0, auth));
    const onAbort = () => fail(abortedError(signal as AbortSignal, `Connecting to ${host}:${port}`));
    raw.once('connect', () => {
      phase = 'tls';
      options.onTcpConnected?.();
    });
    socket.once('secureConnect', () => {
      if (settled) return;
      settled = true;
      cleanup();
      raw.on('error', () => undefined); // reported through the TLS socket from now on
      const t = new NodeTlsTransport(socket, auth, onRead);
      debug('connected %s:%d %s %s', host, port, t.info.protocol, t.info.cipher);
      resolve(t);
    });
    socket.on('error', onError);
    socket.on('close', onClose);
    raw.on('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
};
