/**
 * The safe half of `pcmk-remote probe`: TCP connect, then a TLS 1.2 ClientHello offering the PSK suites of
 * the js-tls12 engine, then read the daemon's answer (ServerHello, ServerKeyExchange, ServerHelloDone, or an
 * alert / a hang-up) and close WITHOUT sending ClientKeyExchange and Finished.
 *
 * Why stop there: pacemaker-remoted 2.1.5 tells its other clients about a new one only once that client's
 * TLS handshake completes (`remoted__read_handshake_data` → `notify_of_new_client`), and Pacemaker's
 * controller treats that notification as "unexpected client takeover" and drops (possibly fences) the node.
 * A handshake that never completes is only an unauthenticated client that the daemon cleans up.
 *
 * No key is needed or used: the PSK only enters the handshake with ClientKeyExchange.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { ErrorCodes, RemoteConnError, type RemoteConnErrorCode } from '@pcmk-remote/remote-conn';
import { AUTH_ALERTS, AlertDescription, AlertLevel, alertName, encodeAlert, parseAlert } from '@pcmk-remote/remote-conn/internal';
import { clientHelloMessage } from '@pcmk-remote/remote-conn/internal';
import { HandshakeBuffer, HandshakeType, parseServerHello, parseServerKeyExchange } from '@pcmk-remote/remote-conn/internal';
import { ContentType, RecordReader, RecordWriter } from '@pcmk-remote/remote-conn/internal';
import { SUITES, type CipherSuite } from '@pcmk-remote/remote-conn/internal';

/** Options of {@link probeServerHello}. */
export interface HelloProbeOptions {
  host: string;
  port: number;
  /** Budget for TCP connect plus the daemon's answer, ms. */
  timeoutMs: number;
  /** Suites to offer (default: every js-tls12 suite, DHE-PSK first). */
  suites?: readonly CipherSuite[];
  /** Called once the TCP connection is up, with the time it took. */
  onTcpConnected?: (info: { ms: number; localAddress?: string; localPort?: number; remoteAddress?: string }) => void;
}

/** What the daemon answered to our ClientHello. */
export interface HelloProbeResult {
  /** TCP connect time, ms. */
  tcpMs: number;
  /** From sending the ClientHello to the end of the server's first flight, ms. */
  helloMs: number;
  /** The version the server chose: always `TLSv1.2` here (anything else is an error). */
  version: 'TLSv1.2';
  /** IANA name of the chosen suite. */
  suite: string;
  /** Its code point. */
  suiteId: number;
  /** Names of the suites we offered, in order. */
  offered: string[];
  /** The server echoed extended_master_secret (RFC 7627). */
  extendedMasterSecret: boolean;
  /** The server sent renegotiation_info (RFC 5746). */
  secureRenegotiation: boolean;
  /** Extension types of the ServerHello. */
  serverExtensions: number[];
  /** DHE-PSK: size of the server's Diffie-Hellman prime, bits. */
  dhBits?: number;
  /** The server's PSK identity hint, when it sent one. */
  identityHint?: string;
  /** True when the ServerHelloDone arrived (the server then waits for our key exchange). */
  helloDone: boolean;
}

function fail(code: RemoteConnErrorCode, message: string, details: Record<string, unknown>, cause?: unknown): RemoteConnError {
  return new RemoteConnError(code, message, { details, ...(cause === undefined ? {} : { cause }) });
}

/**
 * Sends one ClientHello and reads the answer; never completes the handshake.
 *
 * @throws RemoteConnError with `details.phase` `tcp` (`CONNECT_REFUSED`, `HOST_NOT_FOUND`, `CONNECT_FAILED`,
 *   `CONNECT_TIMEOUT`) or `tls` (`AUTH_FAILED`: the daemon hung up on our ClientHello or sent a
 *   handshake_failure-type alert, i.e. no version/suite in common; `TLS_ERROR`: any other alert, a
 *   malformed or unexpected answer, e.g. not a TLS server; `CONNECT_TIMEOUT`: no answer in time).
 *   `details.answered` is true when the daemon sent or closed anything after TCP was up.
 */
export function probeServerHello(options: HelloProbeOptions): Promise<HelloProbeResult> {
  const { host, port, timeoutMs } = options;
  const suites = options.suites ?? SUITES;
  return new Promise<HelloProbeResult>((resolve, reject) => {
    const started = performance.now();
    let tcpAt = started;
    let helloAt = started;
    let phase: 'tcp' | 'tls' = 'tcp';
    let answered = false;
    let settled = false;
    const reader = new RecordReader();
    const writer = new RecordWriter();
    const messages = new HandshakeBuffer();
    const result: Partial<HelloProbeResult> & { helloDone: boolean } = { helloDone: false };
    let chosen: CipherSuite | undefined;
    const base = () => ({ phase, host, port, answered });

    const socket = net.connect({ host, port });
    socket.setNoDelay(true);

    const finish = (err?: RemoteConnError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!socket.destroyed && phase === 'tls' && socket.writable && answered && !err) {
        // Politely give up the handshake: user_canceled then close_notify (RFC 5246 §7.2.1), then FIN.
        socket.end(
          Buffer.concat([
            writer.encode(ContentType.alert, encodeAlert(AlertLevel.warning, AlertDescription.user_canceled)),
            writer.encode(ContentType.alert, encodeAlert(AlertLevel.warning, AlertDescription.close_notify)),
          ]),
        );
        const kill = setTimeout(() => socket.destroy(), 1000);
        kill.unref();
        socket.once('close', () => clearTimeout(kill));
      } else {
        socket.destroy();
      }
      if (err) reject(err);
      else resolve(result as HelloProbeResult);
    };

    const timer = setTimeout(() => {
      finish(
        fail(
          ErrorCodes.CONNECT_TIMEOUT,
          phase === 'tcp'
            ? `TCP connect to ${host}:${port} did not complete within ${timeoutMs} ms`
            : `${host}:${port} accepted the TCP connection but did not answer our TLS ClientHello within ${timeoutMs} ms`,
          base(),
        ),
      );
    }, timeoutMs);

    socket.once('connect', () => {
      phase = 'tls';
      tcpAt = performance.now();
      result.tcpMs = tcpAt - started;
      try {
        options.onTcpConnected?.({
          ms: result.tcpMs,
          ...(socket.localAddress ? { localAddress: socket.localAddress } : {}),
          ...(socket.localPort ? { localPort: socket.localPort } : {}),
          ...(socket.remoteAddress ? { remoteAddress: socket.remoteAddress } : {}),
        });
      } catch {
        /* a reporting callback must not break the probe */
      }
      helloAt = performance.now();
      socket.write(writer.encode(ContentType.handshake, clientHelloMessage(randomBytes(32), suites)));
    });

    socket.on('data', (chunk: Buffer) => {
      if (settled) return;
      answered = true;
      reader.push(chunk);
      try {
        for (let rec = reader.next(); rec && !settled; rec = reader.next()) {
          if (rec.type === ContentType.alert) {
            const a = parseAlert(rec.fragment);
            const name = alertName(a.description);
            const auth = AUTH_ALERTS.has(a.description) || a.description === AlertDescription.protocol_version || a.description === AlertDescription.close_notify;
            finish(
              fail(
                auth ? ErrorCodes.AUTH_FAILED : ErrorCodes.TLS_ERROR,
                `${host}:${port} answered our TLS 1.2 PSK ClientHello with alert ${name}` +
                  (auth ? ' (no TLS 1.2 PSK cipher suite in common)' : ''),
                { ...base(), peerAlert: name },
              ),
            );
            return;
          }
          if (rec.type !== ContentType.handshake) {
            throw fail(ErrorCodes.TLS_ERROR, `${host}:${port} sent a TLS record of content type ${rec.type} instead of a ServerHello`, base());
          }
          messages.push(rec.fragment);
          for (let m = messages.next(); m && !settled; m = messages.next()) {
            if (!chosen) {
              if (m.type !== HandshakeType.server_hello) {
                throw fail(ErrorCodes.TLS_ERROR, `${host}:${port} sent handshake message ${m.type} where a ServerHello was expected`, base());
              }
              const sh = parseServerHello(m.body);
              if (sh.version !== 0x0303) {
                throw fail(ErrorCodes.TLS_ERROR, `${host}:${port} chose TLS version 0x${sh.version.toString(16)} although only TLS 1.2 was offered`, base());
              }
              chosen = suites.find((s) => s.id === sh.suite);
              if (!chosen) {
                throw fail(ErrorCodes.TLS_ERROR, `${host}:${port} chose cipher suite 0x${sh.suite.toString(16).padStart(4, '0')}, which was not offered`, base());
              }
              Object.assign(result, {
                version: 'TLSv1.2',
                suite: chosen.name,
                suiteId: chosen.id,
                offered: suites.map((s) => s.name),
                extendedMasterSecret: sh.extensions.has(0x0017),
                secureRenegotiation: sh.extensions.has(0xff01),
                serverExtensions: [...sh.extensions.keys()],
              });
              continue;
            }
            if (m.type === HandshakeType.server_key_exchange) {
              const ske = parseServerKeyExchange(m.body, chosen.kx);
              if (ske.dh) result.dhBits = ske.dh.p.length * 8 - Math.clz32(ske.dh.p[0] ?? 0) + 24;
              if (ske.hint.length > 0) result.identityHint = ske.hint.toString('utf8');
              continue;
            }
            if (m.type === HandshakeType.server_hello_done) {
              result.helloDone = true;
              result.helloMs = performance.now() - helloAt;
              finish();
              return;
            }
            throw fail(ErrorCodes.TLS_ERROR, `${host}:${port} sent handshake message ${m.type} in its first flight (not a PSK server?)`, base());
          }
        }
      } catch (err) {
        finish(
          err instanceof RemoteConnError
            ? fail(err.code, err.message, { ...err.details, ...base() }, err)
            : fail(ErrorCodes.TLS_ERROR, `${host}:${port}: ${(err as Error).message}`, base(), err),
        );
      }
    });

    socket.on('end', () => {
      if (settled) return;
      answered = true;
      finish(
        fail(
          ErrorCodes.AUTH_FAILED,
          `${host}:${port} closed the connection after our TLS 1.2 PSK ClientHello${chosen ? ' (after its ServerHello)' : ''} (no TLS 1.2 PSK cipher suite in common, or not a TLS server)`,
          base(),
        ),
      );
    });

    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (settled) return;
      const errno = err.code;
      if (phase === 'tcp') {
        const code =
          errno === 'ECONNREFUSED'
            ? ErrorCodes.CONNECT_REFUSED
            : errno === 'ENOTFOUND' || errno === 'EAI_AGAIN'
              ? ErrorCodes.HOST_NOT_FOUND
              : ErrorCodes.CONNECT_FAILED;
        const what = code === ErrorCodes.CONNECT_REFUSED ? 'refused the connection (nothing listening)' : code === ErrorCodes.HOST_NOT_FOUND ? 'cannot be resolved' : `is unreachable (${errno ?? err.message})`;
        finish(fail(code, `${host}:${port} ${what}`, { ...base(), errno }, err));
        return;
      }
      answered = true;
      finish(
        fail(ErrorCodes.AUTH_FAILED, `${host}:${port} reset the connection after our TLS 1.2 PSK ClientHello (${errno ?? err.message}); no TLS 1.2 PSK cipher suite in common?`, { ...base(), errno }, err),
      );
    });

    socket.on('close', () => {
      if (!settled) finish(fail(ErrorCodes.CONNECT_FAILED, `${host}:${port} closed the connection`, { ...base(), answered: phase === 'tls' }));
    });
  });
}
