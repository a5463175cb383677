/**
 * The connect sequence of a session (TCP, TLS, register) within the connect timeout: its phases and their
 * timings, the timeout and caller's abort signal, and the errors a failed connect reports.
 */
import createDebug from 'debug';
import { ErrorCodes, RemoteConnError, abortedError, isRemoteConnError } from '../errors.js';
import type { Transport } from '../transport/transport.js';
import type { ConnectTimings } from './events.js';
import type { ResolvedSessionOptions } from './options.js';

const debug = createDebug('pcmk-remote:session');

/** `p`, or the reason of `signal` once it aborts first. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}

/** The PSK identity Pacemaker's own client sends, and the only one 3.0.2+ daemons accept. */
const DEFAULT_IDENTITY = 'lrmd';
/** Why a register can go unanswered (protocol.md §5.1). */
const REGISTER_SILENCE_HINT =
  ': the daemon did not answer the register. Pacemaker 3.0.2 and later send no reply to a register they reject (such as a protocol version below 1)';

/**
 * Opens the transport for `o` and registers over it with `register`, all within `o.connectTimeoutMs`;
 * fills in the session's timings.
 */
export async function connectSession<S extends { timings: ConnectTimings; protocolVersion: string }>(
  o: ResolvedSessionOptions,
  register: (transport: Transport, signal: AbortSignal) => Promise<S>,
): Promise<S> {
  const started = performance.now();
  const deadline = new AbortController();
  const timeoutError = (phase: string) =>
    new RemoteConnError(
      ErrorCodes.CONNECT_TIMEOUT,
      `Connecting to ${o.host}:${o.port} timed out after ${o.connectTimeoutMs} ms (during ${phase})${phase === 'register' ? REGISTER_SILENCE_HINT : ''}`,
      { details: { phase: phase as 'tcp', host: o.host, port: o.port } },
    );
  let phase: 'key' | 'tcp' | 'tls' | 'register' = 'key';
  let tcpAt = started;
  const timer = setTimeout(() => deadline.abort(timeoutError(phase)), o.connectTimeoutMs);
  const signals = [deadline.signal, ...(o.signal ? [o.signal] : [])];
  const signal = signals.length === 1 ? deadline.signal : AbortSignal.any(signals);
  let transport: Transport | undefined;
  try {
    // The key loads within the budget: a key file on a hung file system cannot outlast the connect timeout.
    const key = await untilAborted(o.loadKey(), signal);
    phase = 'tcp';
    transport = await o.connector({
      host: o.host,
      port: o.port,
      ...(key ? { key } : {}),
      ...(o.x509 ? { x509: o.x509 } : {}),
      identity: o.identity,
      tls: o.tls,
      signal,
      onTcpConnected: () => {
        phase = 'tls';
        tcpAt = performance.now();
      },
    });
    phase = 'register';
    const tlsAt = performance.now();
    if (o.keepAliveMs !== undefined) transport.setKeepAlive(true, o.keepAliveMs);
    const session = await register(transport, signal);
    const done = performance.now();
    Object.assign(session.timings, { tcpMs: tcpAt - started, tlsMs: tlsAt - tcpAt, registerMs: done - tlsAt, totalMs: done - started });
    debug('session %s:%d up in %d ms (%s %s, daemon protocol %s)', o.host, o.port, Math.round(performance.now() - started), transport.info.protocol, transport.info.cipher, session.protocolVersion);
    return session;
  } catch (err) {
    transport?.destroy();
    if (isRemoteConnError(err, ErrorCodes.AUTH_FAILED) && !o.x509 && o.identity !== DEFAULT_IDENTITY) {
      // 3.0.2+ daemons refuse any PSK identity but `lrmd`; older ones ignore it (protocol.md §1.3).
      throw new RemoteConnError(ErrorCodes.AUTH_FAILED, `${err.message} (or the PSK identity: Pacemaker 3.0.2 and later accept only "${DEFAULT_IDENTITY}", this client sent ${JSON.stringify(o.identity)})`, {
        cause: err,
        details: err.details,
      });
    }
    if (signal.aborted && !(err instanceof RemoteConnError && err.code !== ErrorCodes.ABORTED && err.code !== ErrorCodes.CLOSED)) {
      throw abortedError(signal, `Connecting to ${o.host}:${o.port}`, started);
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
