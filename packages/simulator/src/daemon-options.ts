/**
 * The simulated daemon's options, checked and with their defaults (and the hook type an agent's promotion
 * score goes to).
 */
import { ErrorCodes, RemoteConnError } from '@pcmk-remote/remote-conn/protocol';
import type { SimulatedDaemonOptions, SimX509Options } from './sim-options.js';
import { versionFeatures, type VersionFeatures } from './versions.js';

/** Called when an agent on the node sets (`score`) or deletes (`undefined`) a resource's promotion score. */
export type PromotionScoreHook = (resource: string, score: number | undefined) => void;

/** A pre-shared key as node:tls takes it. */
export function checkKey(key: unknown): Buffer {
  if (!Buffer.isBuffer(key) || key.length === 0 || key.length > 512) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'key must be a Buffer of 1 to 512 bytes (node:tls limit)');
  }
  return key;
}

/** A non-negative number of ms. */
export function checkMs(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `${what} must be a non-negative number of ms`);
  }
  return v;
}

/** `agentRunTimeMs` as a function drawing one run's time (default 8–25 ms). */
export function runTimeDrawer(v: SimulatedDaemonOptions['agentRunTimeMs']): () => number {
  const range = v === undefined ? { min: 8, max: 25 } : typeof v === 'number' ? { min: v, max: v } : v;
  if (
    typeof range !== 'object' || range === null ||
    !Number.isFinite(range.min) || !Number.isFinite(range.max) || range.min < 0 || range.max < range.min
  ) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'agentRunTimeMs must be a non-negative number of ms or { min, max } with 0 <= min <= max');
  }
  const { min, max } = range;
  return () => min + Math.floor(Math.random() * (max - min + 1));
}

/** The daemon's options, checked, with their defaults. */
export interface ResolvedDaemonOptions {
  features: VersionFeatures;
  key: Buffer | undefined;
  x509: SimX509Options | undefined;
  host: string;
  port: number;
  nodeName: string;
  strict: boolean;
  handshakeTimeoutMs: number;
  fuseMs: number;
  stallTimeoutMs: number;
  nodeStartState: string | undefined;
  noDelay: boolean;
  guardHandshake: boolean;
  replyDelayMs: number;
  runTime: () => number;
}

/** Checks `options` and fills in the defaults; throws `INVALID_ARGUMENT` on bad input. */
export function resolveDaemonOptions(options: SimulatedDaemonOptions): ResolvedDaemonOptions {
  const features = versionFeatures(options.version ?? '2.1.5');
  let x509: SimX509Options | undefined;
  let key: Buffer | undefined;
  if (options.x509) {
    const { ca, cert, key: k } = options.x509;
    if (!ca || !cert || !k) throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'x509 needs ca, cert and key');
    x509 = options.x509;
  } else {
    key = checkKey(options.key);
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'port must be an integer from 0 to 65535');
  }
  return {
    features,
    key,
    x509,
    host: options.host ?? '127.0.0.1',
    port,
    nodeName: options.nodeName ?? 'sim',
    strict: options.strictRecords ?? features.strictRecordsDefault,
    handshakeTimeoutMs: checkMs(options.handshakeTimeoutMs ?? 10_000, 'handshakeTimeoutMs'),
    fuseMs: checkMs(options.shutdownFuseMs ?? 20_000, 'shutdownFuseMs'),
    stallTimeoutMs: checkMs(options.stallTimeoutMs ?? 60_000, 'stallTimeoutMs'),
    nodeStartState: options.nodeStartState,
    noDelay: options.noDelay ?? false,
    guardHandshake: (options.handshakeFailure ?? 'close_notify') === 'close_notify',
    replyDelayMs: checkMs(options.replyDelayMs ?? 0, 'replyDelayMs'),
    runTime: runTimeDrawer(options.agentRunTimeMs),
  };
}
