/**
 * The simulated daemon's TLS server side for one accepted TCP connection: PSK (identity check from 3.0.2)
 * or X.509 with a client certificate, the handshake limit (`LRMD_REMOTE_AUTH_TIMEOUT`), and how each failed
 * handshake is reported (the real daemon's `TLS handshake with remote client failed`).
 */
import createDebug from 'debug';
import net from 'node:net';
import tls from 'node:tls';
import { dhParams2048 } from './dh-group.js';
import type { TimerHandle } from './executor.js';
import { HandshakeGuard } from './handshake-guard.js';
import { SIM_PSK_CIPHERS, type SimX509Options } from './sim-options.js';

const debug = createDebug('pcmk-remote:sim');

let sharedPskContext: tls.SecureContext | undefined;
/** One PSK context for every simulated daemon: it holds no key (the key comes from pskCallback). */
function pskContext(): tls.SecureContext {
  // the 2048-bit group the real daemon offers (dh-group.ts), not 'auto' (3072-bit)
  sharedPskContext ??= tls.createSecureContext({ ciphers: SIM_PSK_CIPHERS, minVersion: 'TLSv1.2', dhparam: dhParams2048() });
  return sharedPskContext;
}

const x509Contexts = new WeakMap<SimX509Options, tls.SecureContext>();
function x509Context(x509: SimX509Options): tls.SecureContext {
  let ctx = x509Contexts.get(x509);
  if (!ctx) {
    ctx = tls.createSecureContext({ ca: x509.ca, cert: x509.cert, key: x509.key, minVersion: 'TLSv1.2' });
    x509Contexts.set(x509, ctx);
  }
  return ctx;
}

/** What a TLS accept needs from its daemon. */
export interface TlsAcceptHost {
  readonly label: string;
  readonly x509: SimX509Options | undefined;
  /** 3.0.2+: the PSK identity must be `lrmd`. */
  readonly pskIdentityCheck: boolean;
  /** Answer a failed handshake with close_notify (see `handshakeFailure`). */
  readonly guardHandshake: boolean;
  readonly handshakeTimeoutMs: number;
  /** The key for new handshakes (PSK mode). */
  key(): Buffer | undefined;
  timer(ms: number, fn: () => void): TimerHandle;
  /** A handshake failed or timed out. */
  failed(info: { reason: string; code?: string | undefined }): void;
  /** The handshake completed. */
  secure(raw: net.Socket, socket: tls.TLSSocket): void;
}

/** Starts the server side of TLS on `raw`. */
export function acceptTls(h: TlsAcceptHost, raw: net.Socket): void {
  const x509 = h.x509;
  const guard = h.guardHandshake ? new HandshakeGuard(raw) : undefined;
  const transport = guard ?? raw;
  let socket: tls.TLSSocket;
  if (x509) {
    socket = new tls.TLSSocket(transport as net.Socket, { isServer: true, secureContext: x509Context(x509), requestCert: true, rejectUnauthorized: true });
  } else {
    const check = h.pskIdentityCheck;
    socket = new tls.TLSSocket(transport as net.Socket, {
      isServer: true,
      secureContext: pskContext(),
      pskCallback: (_s: tls.TLSSocket, identity: string) => {
        if (check && identity !== 'lrmd') {
          debug('%s: Expected remote username lrmd, but got %s', h.label, identity);
          return null;
        }
        return h.key() ?? null;
      },
    } as tls.TLSSocketOptions);
  }
  let done = false;
  const timer = h.timer(h.handshakeTimeoutMs, () => {
    if (done) return;
    done = true;
    // 2.1.5 (verified): logs the timeout and removes the socket from its main loop, but does NOT close
    // it: the connection stays open and is never served again (until the client or stop() closes it).
    debug('%s: Remote client authentication timed out', h.label);
    h.failed({ reason: 'timeout' });
    socket.pause();
    raw.pause();
  });
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (!done) {
      done = true;
      timer.cancel();
      debug('%s: TLS handshake with remote client failed: %s', h.label, err.message);
      h.failed({ reason: err.message, code: err.code });
      raw.destroy();
      return;
    }
    debug('%s: connection error: %s', h.label, err.message);
  });
  socket.once('close', () => {
    if (!done) {
      // the client went away mid-handshake (e.g. `pcmk-remote probe`): the real daemon logs
      // "TLS handshake with remote client failed" for it too
      done = true;
      timer.cancel();
      debug('%s: TLS handshake with remote client failed: the client closed the connection', h.label);
      h.failed({ reason: 'connection closed during the handshake' });
    }
  });
  socket.once('secure', () => {
    if (done) return;
    if (x509) {
      // A standalone server TLSSocket does not enforce rejectUnauthorized itself (tls.Server does).
      const handle = (socket as unknown as { _handle?: { verifyError?: () => Error | null } })._handle;
      const verifyError = handle?.verifyError?.() ?? null;
      const peer = socket.getPeerCertificate();
      if (verifyError || !peer || Object.keys(peer).length === 0) {
        done = true;
        timer.cancel();
        const reason = verifyError ? verifyError.message : 'no client certificate';
        debug('%s: TLS handshake with remote client failed: %s', h.label, reason);
        h.failed({ reason, code: (verifyError as NodeJS.ErrnoException | null)?.code });
        socket.destroy();
        raw.destroy();
        return;
      }
    }
    done = true;
    timer.cancel();
    guard?.markSecure();
    h.secure(raw, socket);
  });
}
