/** The options of a node connection: validation and Pacemaker's defaults. */
import { ErrorCodes, RemoteConnError } from '../errors.js';
import { checkMs, checkPort, defaultRemotePort, type RemoteSessionOptions } from '../session/options.js';
import type { RemoteNodeOptions } from './types.js';

/** Resolved, validated options. */
export interface Resolved extends Required<Omit<RemoteNodeOptions, 'key' | 'keyFile' | 'x509' | 'tls' | 'clientName' | 'connectionResource' | 'containerResource' | 'ipcRelay'>> {
  ipcRelay?: RemoteNodeOptions['ipcRelay'];
  key?: Buffer;
  keyFile?: string;
  x509?: RemoteNodeOptions['x509'];
  tls?: RemoteNodeOptions['tls'];
  clientName?: string;
  connectionResource?: string;
  containerResource?: string;
}

/** Validates node options and applies Pacemaker's defaults. */
export function resolveNodeOptions(o: RemoteNodeOptions): Resolved {
  if (typeof o !== 'object' || o === null) throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'node options must be an object');
  if (typeof o.name !== 'string' || o.name.length === 0) throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'node name must be a non-empty string');
  const jitter = o.reconnectJitter ?? 0;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `reconnectJitter must be a fraction from 0 to 1, got ${String(jitter)}`);
  }
  const r: Resolved = {
    name: o.name,
    kind: o.kind ?? 'remote',
    host: o.host && o.host.length > 0 ? o.host : o.name,
    port: o.port === undefined ? defaultRemotePort() : checkPort(o.port),
    connectTimeoutMs: checkMs(o.connectTimeoutMs ?? 60_000, 'connectTimeoutMs'),
    attemptTimeoutMs: checkMs(o.attemptTimeoutMs ?? 10_000, 'attemptTimeoutMs'),
    attemptRetryDelayMs: checkMs(o.attemptRetryDelayMs ?? 1000, 'attemptRetryDelayMs', { min: 0 }),
    minRemainingForRetryMs: checkMs(o.minRemainingForRetryMs ?? 3000, 'minRemainingForRetryMs', { min: 0 }),
    reconnectIntervalMs: checkMs(o.reconnectIntervalMs ?? 0, 'reconnectIntervalMs', { min: 0 }),
    reconnectJitter: jitter,
    monitorIntervalMs: checkMs(o.monitorIntervalMs ?? 30_000, 'monitorIntervalMs', { min: 0 }),
    monitorTimeoutMs: checkMs(o.monitorTimeoutMs ?? 30_000, 'monitorTimeoutMs'),
    keepAliveMs: checkMs(o.keepAliveMs ?? 10_000, 'keepAliveMs', { min: 0 }),
    requestTimeoutMs: checkMs(o.requestTimeoutMs ?? 10_000, 'requestTimeoutMs'),
    protocolVersion: o.protocolVersion ?? '1.1',
    managed: o.managed ?? true,
  };
  if (o.kind !== undefined && o.kind !== 'remote' && o.kind !== 'guest') {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `kind must be 'remote' or 'guest', got ${String(o.kind)}`);
  }
  if (o.key) r.key = o.key;
  if (o.keyFile) r.keyFile = o.keyFile;
  if (o.x509) r.x509 = o.x509;
  if (o.tls) r.tls = o.tls;
  if (o.clientName) r.clientName = o.clientName;
  if (o.ipcRelay !== undefined) {
    if (typeof o.ipcRelay !== 'object' || o.ipcRelay === null || typeof o.ipcRelay.open !== 'function') {
      throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'ipcRelay must be an IpcRelay (an object with an open(session) method)');
    }
    r.ipcRelay = o.ipcRelay;
  }
  if (o.connectionResource) r.connectionResource = o.connectionResource;
  if (o.containerResource) r.containerResource = o.containerResource;
  return r;
}

/** The session options of one connect attempt of a node. */
export function sessionOptionsFor(o: Resolved, connectTimeoutMs: number, signal: AbortSignal): RemoteSessionOptions {
  const s: RemoteSessionOptions = {
    host: o.host,
    port: o.port,
    connectTimeoutMs,
    requestTimeoutMs: o.requestTimeoutMs,
    protocolVersion: o.protocolVersion,
    clientName: o.clientName ?? `pcmk-remote-${o.host}:${o.port}`,
    ipcProvider: true,
    nodeName: o.name,
    signal,
  };
  if (o.ipcRelay) s.ipcRelay = o.ipcRelay;
  if (o.keepAliveMs > 0) s.keepAliveMs = o.keepAliveMs;
  if (o.key) s.key = o.key;
  if (o.keyFile) s.keyFile = o.keyFile;
  if (o.x509) s.x509 = o.x509;
  if (o.tls) s.tls = o.tls;
  return s;
}
