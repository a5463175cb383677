/**
 * The transport seam: an authenticated, encrypted byte stream to one pacemaker-remoted.
 *
 * Pacemaker's 2.1.5 daemon reads each message's 40-byte header and its payload as separate TLS records and
 * misbehaves when two messages share a record (see protocol.md §2.5). A transport therefore guarantees:
 * every call to {@link Transport.write} is sent as its own TLS record(s), in call order, and no record ever
 * carries bytes of two different `write` calls. Callers may issue writes back to back; the transport
 * serializes them.
 *
 * Engines: `node-tls` (node:tls, PSK keys up to 512 bytes and X.509), `js-tls12` (TLS 1.2 PSK/DHE-PSK on
 * node:crypto, keys of any length).
 *
 * @packageDocumentation
 */
import type { EventEmitter } from 'eventemitter3';

/** What was negotiated, for logs and `probe`. */
export interface TransportInfo {
  /** The engine that carries the connection. */
  engine: 'node-tls' | 'js-tls12';
  /** TLS protocol version, e.g. `TLSv1.3`. */
  protocol: string;
  /** Negotiated cipher suite (IANA/OpenSSL style name), e.g. `TLS_AES_128_GCM_SHA256`. */
  cipher: string;
  /** `psk` or `x509`. */
  auth: 'psk' | 'x509';
  /** Local and remote addresses. */
  localAddress?: string;
  localPort?: number;
  remoteAddress?: string;
  remotePort?: number;
}

/** Events of a {@link Transport}. */
export interface TransportEvents {
  /** Decrypted application data, in arbitrary chunks. */
  data: (chunk: Buffer) => void;
  /**
   * The connection is finished, for whatever reason (peer close_notify, EOF, reset, local close/destroy).
   * Emitted exactly once. `error` is set when it ended abnormally (reset, TLS error); a clean close or a
   * bare EOF gives `undefined` (pacemaker-remoted often exits without close_notify).
   */
  close: (error?: Error) => void;
}

/** An established secure connection. */
export interface Transport extends EventEmitter<TransportEvents> {
  readonly info: TransportInfo;
  /** True until `close` has been emitted. */
  readonly open: boolean;
  /**
   * Sends `chunk` in TLS record(s) of its own, after everything written before. Resolves once the data has
   * been handed to the socket; rejects with a `RemoteConnError` (`CLOSED`) if the transport closes first.
   */
  write(chunk: Uint8Array): Promise<void>;
  /** Sends close_notify (best effort), ends the socket and resolves when `close` has been emitted. */
  close(): Promise<void>;
  /** Tears the connection down at once. */
  destroy(error?: Error): void;
  /** Enables/disables TCP keepalive probes on the underlying socket. */
  setKeepAlive(enable: boolean, initialDelayMs?: number): void;
  /**
   * Stops reading from the peer (TCP flow control then holds the peer back) until {@link resume}. Optional:
   * a transport without it is read without limit.
   */
  pause?(): void;
  /** Reads from the peer again after {@link pause}. */
  resume?(): void;
}

/**
 * X.509 mode (Pacemaker 3.0+ with `PCMK_ca_file`, `PCMK_cert_file` and `PCMK_key_file`): each of the CA,
 * our certificate and our private key is given either as PEM contents (`ca`, `cert`, `key`) or as a
 * file path (`caFile`, `certFile`, `keyFile`), like the daemon's own settings. The CRL is optional.
 */
export interface X509Options {
  /** CA certificate(s) that signed the daemon's certificate (PEM contents). */
  ca?: string | Buffer;
  /** Path of the CA file (`PCMK_ca_file` on the daemon's side). */
  caFile?: string;
  /** Our client certificate (PEM contents). */
  cert?: string | Buffer;
  /** Path of our certificate (`PCMK_cert_file`). */
  certFile?: string;
  /** Our private key (PEM contents). */
  key?: string | Buffer;
  /** Path of our private key (`PCMK_key_file`). */
  keyFile?: string;
  /** Optional CRL (PEM contents). */
  crl?: string | Buffer;
  /** Path of the optional CRL (`PCMK_crl_file`). */
  crlFile?: string;
}

/** X.509 material with every file read: what the engines receive. */
export interface X509Material {
  ca: string | Buffer;
  cert: string | Buffer;
  key: string | Buffer;
  crl?: string | Buffer;
}

/** TLS tuning shared by the engines. */
export interface TlsOptions {
  /**
   * Which engine to use. `auto` (default): node:tls for PSKs up to 512 bytes and for X.509, `js-tls12` for
   * longer PSKs.
   */
  engine?: 'auto' | 'node-tls' | 'js-tls12';
  /** Lowest TLS version (node-tls). Default `TLSv1.2`. */
  minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** Highest TLS version (node-tls). Default `TLSv1.3`. */
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL cipher string override (node-tls). */
  ciphers?: string;
  /** Restrict the js-tls12 engine to DHE-PSK (forward secrecy) or plain PSK suites. Default: both, DHE first. */
  keyExchange?: 'any' | 'dhe-psk' | 'psk';
  /**
   * Re-arm TCP_QUICKACK after each read (Linux), which removes the ~40 ms stall the daemon's two-part
   * writes cause on back-to-back requests. Default true; a no-op where unavailable.
   */
  quickAck?: boolean;
}

/** Everything an engine needs to open a connection. */
export interface TransportConnectOptions {
  host: string;
  port: number;
  /** PSK mode: the raw authkey bytes (never logged). */
  key?: Buffer;
  /** PSK identity. Default `lrmd` (required by Pacemaker 3.0.2+). */
  identity?: string;
  /** X.509 mode instead of PSK. */
  x509?: X509Material;
  tls?: TlsOptions;
  /**
   * Aborts the attempt (the caller's deadline and user signal combined). The connector rejects with the
   * signal's reason when it is a `RemoteConnError`, else with an `ABORTED` error.
   */
  signal?: AbortSignal;
  /** Called when the TCP connection is established, before the TLS handshake starts. */
  onTcpConnected?: () => void;
}

/**
 * Opens a transport. Rejects with a `RemoteConnError` whose `details.phase` is `tcp` or `tls`:
 * `CONNECT_REFUSED`, `HOST_NOT_FOUND`, `CONNECT_FAILED` (tcp); `AUTH_FAILED`, `TLS_ERROR`, `KEY_TOO_LONG` (tls).
 */
export type TransportConnector = (options: TransportConnectOptions) => Promise<Transport>;
