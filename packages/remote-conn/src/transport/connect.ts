/**
 * Engine selection: node:tls for PSKs up to 512 bytes and for X.509; the js-tls12 engine for longer
 * PSKs (Pacemaker accepts keys of any length; its documentation creates 4096-byte ones).
 */
import { ErrorCodes, RemoteConnError } from '../errors.js';
import { NODE_TLS_MAX_PSK_BYTES, connectNodeTls } from './node-tls.js';
import type { Transport, TransportConnectOptions } from './transport.js';

/** The engine {@link openTransport} will use for these options. */
export function selectEngine(options: Pick<TransportConnectOptions, 'key' | 'x509' | 'tls'>): 'node-tls' | 'js-tls12' {
  const wanted = options.tls?.engine ?? 'auto';
  if (options.x509) {
    if (wanted === 'js-tls12') {
      throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'The js-tls12 engine supports PSK only; X.509 needs node-tls');
    }
    return 'node-tls';
  }
  if (wanted !== 'auto') return wanted;
  return (options.key?.length ?? 0) > NODE_TLS_MAX_PSK_BYTES ? 'js-tls12' : 'node-tls';
}

/** Opens a transport with the engine that fits (see {@link selectEngine}). */
export async function openTransport(options: TransportConnectOptions): Promise<Transport> {
  const engine = selectEngine(options);
  if (engine === 'node-tls') return connectNodeTls(options);
  const { connectJsTls12 } = await import('./js-tls12/index.js');
  return connectJsTls12(options);
}
