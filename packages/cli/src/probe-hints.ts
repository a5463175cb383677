/**
 * What `pcmk-remote probe` says about a failed step: a hint by error code and phase, and the exit code
 * (1: the node answered but a check failed; 2: usage, local problem, or nothing answered).
 */
import { DEFAULT_AUTHKEY_PATH, ErrorCodes, NODE_TLS_MAX_PSK_BYTES, type RemoteConnError } from '@pcmk-remote/remote-conn';
import { ExitCode } from './io.js';

/** Where the key was looked up, for hints. */
function keyLocation(keyFile: string | undefined): string {
  if (keyFile) return `--key ${keyFile}`;
  const env = process.env.PCMK_authkey_location;
  return env
    ? `$PCMK_authkey_location=${env} (without it: ${DEFAULT_AUTHKEY_PATH})`
    : `$PCMK_authkey_location (unset), else ${DEFAULT_AUTHKEY_PATH}`;
}

/** A hint for a failure, by error code and step. */
export function probeHint(err: RemoteConnError, ctx: { port: number; keyBytes?: number; keyFile?: string; safe: boolean }): string | undefined {
  const phase = err.details.phase;
  const port = ctx.port;
  const portNote = `pacemaker-remoted listens on 3121 unless PCMK_remote_port is set (/etc/sysconfig/pacemaker or /etc/default/pacemaker on the node)`;
  switch (err.code) {
    case ErrorCodes.CONNECT_REFUSED:
      return `nothing is listening on port ${port}: is pacemaker-remoted running (systemctl status pacemaker_remote)? Is this the right port? ${portNote}. A firewall REJECT rule looks the same.`;
    case ErrorCodes.HOST_NOT_FOUND:
      return 'the host name does not resolve: check DNS or /etc/hosts, or give an address.';
    case ErrorCodes.CONNECT_FAILED:
      return phase === 'tcp' || phase === undefined
        ? `the TCP connection failed (${String(err.details.errno ?? 'network error')}): check routing and that the host is up.`
        : 'the connection ended unexpectedly; retry, and check the daemon\'s log (/var/log/pacemaker/pacemaker.log on the node).';
    case ErrorCodes.CONNECT_TIMEOUT:
      if (phase === 'tcp') {
        return `no answer to the TCP connect: a firewall drops packets to port ${port}/tcp (open it, e.g. firewall-cmd --add-port=${port}/tcp), or the host is down or unroutable.`;
      }
      if (phase === 'tls') {
        return 'the port accepted the TCP connection but nothing answered the TLS hello: the daemon is frozen or overloaded, or a middlebox accepts and then drops traffic (pacemaker-remoted abandons a handshake after 10 s without closing it).';
      }
      return 'TLS completed but the daemon did not answer the registration in time: it may be blocked or overloaded; check its log on the node.';
    case ErrorCodes.AUTH_FAILED: {
      if (ctx.safe) {
        return 'the daemon refused a TLS 1.2 PSK hello: its PCMK_tls_priorities may exclude TLS 1.2 PSK/DHE-PSK (Pacemaker\'s default NORMAL:+DHE-PSK:+PSK allows them). Keys of up to 512 bytes also connect over TLS 1.3 through Node\'s TLS; keys longer than that use our built-in TLS 1.2 engine, which needs these suites.';
      }
      const long =
        ctx.keyBytes !== undefined && ctx.keyBytes > NODE_TLS_MAX_PSK_BYTES
          ? ` Your key is ${ctx.keyBytes} bytes: longer than the 512 bytes Node's TLS accepts, so the built-in TLS 1.2 engine (js-tls12: PSK/DHE-PSK with AES-GCM or ChaCha20) was used. Pacemaker accepts keys of any length, so the length itself is fine; if the node's PCMK_tls_priorities disables TLS 1.2 or these suites, there is no cipher in common.`
          : '';
      return `the daemon ended the TLS handshake: the key differs from the node's authkey (compare: sha256sum /etc/pacemaker/authkey on both machines; ours is ${keyLocation(ctx.keyFile)}), or there is no TLS version/cipher suite in common.${long}`;
    }
    case ErrorCodes.TLS_ERROR:
      return ctx.safe
        ? `the answer is not what pacemaker-remoted sends: another service may be listening on port ${port} (${portNote}).`
        : 'a TLS protocol error: another service on this port, or a TLS setting the daemon rejects; see the daemon\'s log.';
    case ErrorCodes.KEY_MISSING:
    case ErrorCodes.KEY_UNREADABLE:
    case ErrorCodes.KEY_EMPTY:
      return `the key is looked up at ${keyLocation(ctx.keyFile)}. Copy the cluster's authkey there (the same bytes as /etc/pacemaker/authkey on the cluster and remote nodes; mode 0640, group haclient), run as a user who can read it, or pass --key FILE.`;
    case ErrorCodes.KEY_INSECURE:
      return 'the key file is readable by every user; restrict it (chmod 0640 and chgrp haclient, or chmod 0400).';
    case ErrorCodes.KEY_TOO_LONG:
      return 'keys over 512 bytes are supported through the built-in js-tls12 engine (chosen automatically); this error means the node-tls engine was forced.';
    case ErrorCodes.PROTOCOL_MISMATCH:
      return `the daemon refused executor protocol version we offered (it speaks ${String(err.details.daemonVersion ?? 'another version')}); this client speaks 1.1 as Pacemaker 2.1.x does.`;
    case ErrorCodes.PROTOCOL_ERROR:
      return phase === 'register'
        ? 'the daemon closed the connection right after the handshake: in X.509 mode it refused our certificate; otherwise see its log.'
        : 'the daemon sent something unexpected; see its log.';
    case ErrorCodes.REQUEST_TIMEOUT:
      return 'registered, but a request got no answer in time: the daemon is blocked or overloaded (its main loop stalls while it reads an incomplete message).';
    case ErrorCodes.CLOSED:
      return 'the daemon closed the connection: it may be shutting down, or another client took over (a cluster reconnecting?).';
    case ErrorCodes.OPERATION_FAILED:
      return `the daemon answered with an error (rc ${String(err.details.rc)}${err.details.errno ? `, ${String(err.details.errno)}` : ''}).`;
    default:
      return undefined;
  }
}

/** Exit code of a failed step. */
export function probeExitCode(err: RemoteConnError): number {
  const phase = err.details.phase;
  switch (err.code) {
    case ErrorCodes.INVALID_ARGUMENT:
    case ErrorCodes.KEY_MISSING:
    case ErrorCodes.KEY_UNREADABLE:
    case ErrorCodes.KEY_EMPTY:
    case ErrorCodes.KEY_INSECURE:
    case ErrorCodes.KEY_TOO_LONG:
    case ErrorCodes.CERT_UNREADABLE:
    case ErrorCodes.CONNECT_REFUSED:
    case ErrorCodes.HOST_NOT_FOUND:
      return ExitCode.USAGE_OR_UNREACHABLE;
    case ErrorCodes.CONNECT_FAILED:
      return phase === 'tcp' ? ExitCode.USAGE_OR_UNREACHABLE : ExitCode.CHECK_FAILED;
    case ErrorCodes.CONNECT_TIMEOUT:
      // Silence: nothing answered (TCP, or the TLS hello after TCP). A timeout after an answer is a failed check.
      return phase === 'tcp' || (phase === 'tls' && err.details.answered !== true) ? ExitCode.USAGE_OR_UNREACHABLE : ExitCode.CHECK_FAILED;
    default:
      return ExitCode.CHECK_FAILED;
  }
}
