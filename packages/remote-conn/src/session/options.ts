/**
 * Options of {@link RemoteSession.connect}, validated eagerly, with Pacemaker's defaults.
 */
import { ErrorCodes, RemoteConnError } from '../errors.js';
import { DEFAULT_PROTOCOL_VERSION } from '../messages/constants.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../codec/header.js';
import { loadAuthKey } from '../transport/auth-key.js';
import { openTransport } from '../transport/connect.js';
import type { TlsOptions, TransportConnector, X509Material, X509Options } from '../transport/transport.js';
import { resolveX509 } from '../transport/x509-files.js';
import type { IpcRelay } from '../relay/types.js';

/** Pacemaker's default port. */
export const DEFAULT_REMOTE_PORT = 3121;

/**
 * The port used when none is given: `PCMK_remote_port` when it is a valid port, else 3121, like
 * Pacemaker's own client (protocol.md §1.1).
 */
export function defaultRemotePort(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PCMK_remote_port;
  if (raw && /^\d+$/.test(raw.trim())) {
    const n = Number.parseInt(raw, 10);
    if (n >= 1 && n <= 65535) return n;
  }
  return DEFAULT_REMOTE_PORT;
}

/** Options of {@link RemoteSession.connect}. */
export interface RemoteSessionOptions {
  /** Host name or address of the remote node (the `server` parameter / `remote-addr`). */
  host: string;
  /** TCP port. @default `PCMK_remote_port`, else 3121 */
  port?: number;
  /** The raw authkey bytes. When neither `key`, `keyFile` nor `x509` is given, {@link loadAuthKey}() is used. */
  key?: Buffer;
  /** Path of the authkey file. */
  keyFile?: string;
  /**
   * Certificate mode (Pacemaker 3.0+ with PCMK_ca_file/PCMK_cert_file/PCMK_key_file); PSK is then off.
   * Each part as PEM contents or a file path: `{ caFile, certFile, keyFile }`.
   */
  x509?: X509Options;
  /** TLS tuning: engine choice, versions, ciphers. */
  tls?: TlsOptions;
  /** PSK identity. @default 'lrmd' */
  identity?: string;
  /** Budget for TCP + TLS + registration, in ms. @default 60000 (remote-connect-timeout) */
  connectTimeoutMs?: number;
  /** How long to wait for a reply to a request, in ms. @default 10000 (Pacemaker's MAX_TLS_RECV_WAIT) */
  requestTimeoutMs?: number;
  /** Extra wait for an exec result beyond the op's own timeout and start delay, in ms. @default 30000 */
  resultGraceMs?: number;
  /** Name announced at registration. @default `pcmk-remote-<host>:<port>` (the controller uses `pacemaker-remote-<host>:<port>`) */
  clientName?: string;
  /** Executor protocol version to advertise. @default '1.1' (1.2 makes 2.1.8+ daemons fetch schemas through us) */
  protocolVersion?: string;
  /**
   * Register as an IPC proxy provider, as Pacemaker's controller does. Required to receive shutdown
   * requests; local cluster tools on the remote node are answered with `destroy`. @default true
   */
  ipcProvider?: boolean;
  /**
   * Serves the cluster tools and agents of the remote node (the IPC relay, protocol.md §3.6), e.g. a
   * `NodeAttributeStore`. Without one, every relayed session is destroyed at once (tools fail fast).
   * Needs `ipcProvider`.
   */
  ipcRelay?: IpcRelay;
  /** The node's name as the owner knows it, given to the relay. @default the host */
  nodeName?: string;
  /** A relayed request that expects a response gets a nack after this many ms without one. @default 5000 */
  relayResponseTimeoutMs?: number;
  /** Largest accepted message, in bytes. @default 20 MiB (Pacemaker's limit) */
  maxMessageSize?: number;
  /** Enable TCP keepalive with this initial delay (ms). @default off (Pacemaker sets none) */
  keepAliveMs?: number;
  /** Aborts the connection attempt. */
  signal?: AbortSignal;
  /** Replaces the TLS transport (tests, custom engines). */
  connector?: TransportConnector;
}

/** @internal */
export interface ResolvedSessionOptions {
  host: string;
  port: number;
  key?: Buffer;
  x509?: X509Material;
  tls: TlsOptions;
  identity: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  resultGraceMs: number;
  clientName: string;
  protocolVersion: string;
  ipcProvider: boolean;
  ipcRelay?: IpcRelay;
  nodeName: string;
  relayResponseTimeoutMs: number;
  maxMessageSize: number;
  keepAliveMs?: number;
  signal?: AbortSignal;
  connector: TransportConnector;
}

function invalid(message: string): RemoteConnError {
  return new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, message);
}

/** Validates a positive whole number of milliseconds. */
export function checkMs(value: unknown, name: string, { min = 1, max = 2 ** 31 - 1 } = {}): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be a whole number of milliseconds from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** Validates a TCP port. */
export function checkPort(value: unknown, name = 'port'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw invalid(`${name} must be an integer from 1 to 65535, got ${String(value)}`);
  }
  return value;
}

/** @internal Validates options and loads the key. */
export async function resolveSessionOptions(o: RemoteSessionOptions): Promise<ResolvedSessionOptions> {
  if (typeof o !== 'object' || o === null) throw invalid('options must be an object');
  if (typeof o.host !== 'string' || o.host.length === 0) throw invalid('host must be a non-empty string');
  const port = o.port === undefined ? defaultRemotePort() : checkPort(o.port);
  if (o.key !== undefined && !Buffer.isBuffer(o.key)) throw invalid('key must be a Buffer');
  if (o.key && o.keyFile) throw invalid('give either key or keyFile, not both');
  if (o.x509 && (o.key || o.keyFile)) throw invalid('give either a PSK (key, keyFile) or x509, not both');
  let key: Buffer | undefined;
  if (!o.x509) {
    key = o.key ?? (await loadAuthKey(o.keyFile));
    if (key.length === 0) throw new RemoteConnError(ErrorCodes.KEY_EMPTY, 'The key is empty');
  }
  const r: ResolvedSessionOptions = {
    host: o.host,
    port,
    tls: o.tls ?? {},
    identity: o.identity ?? 'lrmd',
    connectTimeoutMs: checkMs(o.connectTimeoutMs ?? 60_000, 'connectTimeoutMs'),
    requestTimeoutMs: checkMs(o.requestTimeoutMs ?? 10_000, 'requestTimeoutMs'),
    resultGraceMs: checkMs(o.resultGraceMs ?? 30_000, 'resultGraceMs', { min: 0 }),
    clientName: o.clientName ?? `pcmk-remote-${o.host}:${port}`,
    protocolVersion: o.protocolVersion ?? DEFAULT_PROTOCOL_VERSION,
    ipcProvider: o.ipcProvider ?? true,
    nodeName: o.nodeName ?? o.host,
    relayResponseTimeoutMs: checkMs(o.relayResponseTimeoutMs ?? 5000, 'relayResponseTimeoutMs'),
    maxMessageSize: o.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
    connector: o.connector ?? openTransport,
  };
  if (key) r.key = key;
  if (o.x509) r.x509 = await resolveX509(o.x509);
  if (o.keepAliveMs !== undefined) r.keepAliveMs = checkMs(o.keepAliveMs, 'keepAliveMs', { min: 0 });
  if (o.signal) r.signal = o.signal;
  if (o.ipcRelay !== undefined) {
    if (typeof o.ipcRelay !== 'object' || o.ipcRelay === null || typeof o.ipcRelay.open !== 'function') {
      throw invalid('ipcRelay must be an IpcRelay (an object with an open(session) method)');
    }
    r.ipcRelay = o.ipcRelay;
  }
  if (typeof r.nodeName !== 'string' || r.nodeName.length === 0) throw invalid('nodeName must be a non-empty string');
  return r;
}
