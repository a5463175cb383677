/**
 * Options, events and public types of the simulated daemon.
 */
import type { DaemonRequest } from '@pcmk-remote/remote-conn/protocol';

/** Cipher suites a Pacemaker daemon's `NORMAL:+DHE-PSK:+PSK` accepts and a Node server can do. */
export const SIM_PSK_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_CHACHA20_POLY1305_SHA256',
  'PSK-AES256-GCM-SHA384',
  'PSK-AES128-GCM-SHA256',
  'PSK-CHACHA20-POLY1305',
  'DHE-PSK-AES256-GCM-SHA384',
  'DHE-PSK-AES128-GCM-SHA256',
  'DHE-PSK-CHACHA20-POLY1305',
].join(':');

/** Certificate mode (Pacemaker 3.0+ with `PCMK_ca_file`, `PCMK_cert_file`, `PCMK_key_file`): PSK is off. */
export interface SimX509Options {
  /** CA certificate(s) (PEM) that client certificates must chain to. */
  ca: string | Buffer;
  /** Server certificate (PEM). */
  cert: string | Buffer;
  /** Server private key (PEM). */
  key: string | Buffer;
}

/** Options of {@link SimulatedRemoteDaemon.start}. */
export interface SimulatedDaemonOptions {
  /** The pre-shared key (the authkey file's bytes), 1..512 bytes. Required unless `x509` is given. */
  key?: Buffer;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: a free one). */
  port?: number;
  /** Pacemaker version to behave like (default `2.1.5`). See {@link versionFeatures}. */
  version?: string;
  /** A label for logs and {@link SimulatedRemoteDaemon.nodeName}. */
  nodeName?: string;
  /** Certificate mode instead of PSK (requests and verifies a client certificate). */
  x509?: SimX509Options;
  /**
   * Emulate Pacemaker's record-by-record reader (default: true): each TLS record is read into a 2×-message
   * buffer, extra bytes after a message are discarded (3.0.2+: the message itself too), and a message merged
   * into one record with its header waits until more data arrives or the connection closes (2.1.x: stalling
   * the whole daemon meanwhile). `false` decodes any split or merge of the byte stream.
   */
  strictRecords?: boolean;
  /**
   * TLS handshake limit from accept (default 10 000 ms, `LRMD_REMOTE_AUTH_TIMEOUT`). Like 2.1.5, a
   * connection that misses it is abandoned, not closed: it stays open and is never answered.
   */
  handshakeTimeoutMs?: number;
  /** 2.1.6–2.1.x: exit this long after `shutdown_req` without an answer (default 20 000 ms). */
  shutdownFuseMs?: number;
  /** Strict reader: how long an incomplete message blocks the daemon (default 60 000 ms). */
  stallTimeoutMs?: number;
  /** `PCMK_node_start_state`, reported in the register reply from 2.1.7. */
  nodeStartState?: string;
  /** TCP_NODELAY on accepted sockets (default false, like the real daemon). */
  noDelay?: boolean;
  /** Delay every message the daemon sends by this many ms (see {@link SimulatedRemoteDaemon.setReplyDelay}). */
  replyDelayMs?: number;
  /**
   * What a client sees when its TLS handshake fails (wrong key, identity): `close_notify` (default) sends a
   * plaintext close_notify and closes, as the real daemon's GnuTLS does (the client gets ECONNRESET);
   * `alert` leaves OpenSSL's fatal alert. `close_notify` layers TLS on a JS stream (a little more CPU and
   * memory per connection); `alert` keeps TLS on the TCP handle (for scale benchmarks).
   */
  handshakeFailure?: 'close_notify' | 'alert';
  /**
   * How long one run of a built-in agent (Dummy, Stateful) takes: the fork and exec of a shell script,
   * before any sleep the agent's parameters ask for. A number, or a range each run draws from uniformly.
   * The real 2.1.5 daemon reports 7–11 ms for Dummy on an idle machine and 20–50 ms under a busy cluster.
   * `lrmd_exec_time` reports it. @default { min: 8, max: 25 }
   */
  agentRunTimeMs?: number | { min: number; max: number };
}

/** A connected client, as events and {@link SimulatedRemoteDaemon.clients} report it. */
export interface SimClientInfo {
  /** `lrmd_clientid`. */
  id: string;
  /** `lrmd_clientname`, once registered. */
  name: string | undefined;
  /** Registered as IPC provider. */
  provider: boolean;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
}

/** The `request` event. */
export interface SimRequestEvent {
  client: SimClientInfo;
  /** `lrmd_op` (undefined when missing). */
  op: string | undefined;
  /** The daemon call id assigned to the request. */
  callId: number;
  /** `lrmd_remote_msg_id`. */
  msgId: number;
  /** The request as parsed. */
  request: DaemonRequest;
}

/** Events of {@link SimulatedRemoteDaemon}. */
export interface SimulatedDaemonEvents {
  /** A client completed its TLS handshake. */
  'client-connected': (client: SimClientInfo) => void;
  /** A client registered (`register` processed). */
  'client-registered': (client: SimClientInfo) => void;
  /** A connected client went away. */
  'client-closed': (client: SimClientInfo) => void;
  /** A TLS handshake failed or timed out. */
  'handshake-failed': (info: { reason: string; code?: string | undefined }) => void;
  /** A request is about to be processed. */
  request: (event: SimRequestEvent) => void;
  /** A shutdown_ack (`true`) or shutdown_nack (`false`) arrived. */
  'shutdown-answer': (ack: boolean, client: SimClientInfo) => void;
  /** The daemon "process" exited (shutdown, stop, restart, kill by lrmd_check). */
  exit: (reason: string) => void;
  /** An agent set (a number) or deleted (`undefined`) a resource's promotion score on this node. */
  'promotion-score': (resource: string, score: number | undefined) => void;
}
