/**
 * A node spec as the manager reads it: its connection options (defaults applied, validated), and which of
 * its fields need a new connection when they change and which describe the node only.
 */
import { ErrorCodes, RemoteConnError } from '../errors.js';
import { resolveNodeOptions } from '../node-connection/remote-node-connection.js';
import type { RemoteNodeOptions } from '../node-connection/types.js';
import type { NodeSpec } from './types.js';

/** Fields whose change requires a new connection. */
export const CONNECTION_FIELDS: Array<keyof RemoteNodeOptions> = [
  'host', 'port', 'key', 'keyFile', 'x509', 'tls', 'connectTimeoutMs', 'attemptTimeoutMs', 'attemptRetryDelayMs',
  'minRemainingForRetryMs', 'reconnectIntervalMs', 'reconnectJitter', 'monitorIntervalMs', 'monitorTimeoutMs', 'keepAliveMs',
  'requestTimeoutMs', 'protocolVersion', 'clientName', 'ipcRelay',
];

/** Fields that describe the node; a change applies in place (`updateDescription`), without a reconnect. */
export const DESCRIPTION_FIELDS = ['kind', 'managed', 'connectionResource', 'containerResource'] as const;

export function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  // Relays are live objects (stores with listeners): the same relay is the same object.
  if (isRelay(a) || isRelay(b)) return a === b;
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

function isRelay(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { open?: unknown }).open === 'function';
}

/** Connection options of a spec (defaults applied). Validates it fully, so a bad spec changes nothing. */
export function specOptions(spec: NodeSpec, defaults: Partial<RemoteNodeOptions>): RemoteNodeOptions {
  if (typeof spec !== 'object' || spec === null || typeof spec.name !== 'string' || spec.name.length === 0) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'a node spec needs a non-empty name');
  }
  const o: Record<string, unknown> = { ...defaults };
  for (const k of ['name', ...CONNECTION_FIELDS, ...DESCRIPTION_FIELDS] as const) {
    const v = (spec as unknown as Record<string, unknown>)[k];
    if (v !== undefined) o[k] = v;
  }
  // A connect timeout of 0 means "not set": keep the default then. (A reconnect interval of 0 is
  // meaningful: no automatic reconnect, as in Pacemaker.)
  if (spec.connectTimeoutMs === 0) o.connectTimeoutMs = defaults.connectTimeoutMs;
  const options = o as unknown as RemoteNodeOptions;
  resolveNodeOptions(options); // throws INVALID_ARGUMENT
  return options;
}
