/**
 * Version-dependent behaviour of pacemaker-remoted (protocol.md §5.2), selected by the simulated daemon's
 * `version` option.
 */
import { ErrorCodes, RemoteConnError } from '@pcmk-remote/remote-conn/protocol';
import { compareDottedVersions } from '@pcmk-remote/remote-conn/protocol';

/** How the daemon reacts to SIGTERM with an IPC provider connected (protocol.md §3.7). */
export type ShutdownMode =
  /** 2.1.5: send shutdown_req, then exit within milliseconds. */
  | 'immediate'
  /** 2.1.6–2.1.x: wait for ack/nack; nack exits, no answer exits after the fuse (20 s). */
  | 'fuse'
  /** 3.0.0+: wait for ack/nack or for the providers to leave; nack exits; no fuse. */
  | 'wait';

/** The behaviour switches derived from a version string. */
export interface VersionFeatures {
  version: string;
  /** Protocol version the daemon announces in the register reply. */
  protocolVersion: string;
  /** Lowest client protocol version accepted at register. */
  minClientProtocol: string;
  /** `uptime` in the register reply (2.1.6+). */
  uptime: boolean;
  /** `node_start_state` in the register reply when configured (2.1.7+). */
  nodeStartState: boolean;
  shutdown: ShutdownMode;
  /** 3.0.2+: unknown ops, failed registers and messages without `t="lrmd"` get no reply. */
  silentRejects: boolean;
  /** 3.0.2+: the PSK identity must be `lrmd`. */
  pskIdentityCheck: boolean;
  /** Call-option bits that mean drop-recurring at resource registration (3 on 2.1.x, 1 on 3.0+). */
  dropRecurringMask: number;
  /** 2.1.5–2.1.7 send newlines in attribute values as the two characters `\n`. */
  legacyEscape: boolean;
  /** Default of the strict-records emulation (the record-by-record reader of every version, protocol.md §2.3). */
  strictRecordsDefault: boolean;
  /** 2.1.x: an incomplete message blocks the whole daemon (up to 60 s); 3.0.0+ read one record per event and block nobody. */
  blockingReader: boolean;
  /**
   * 3.0.2+: a complete message followed by more bytes in the reader's buffer fails the NUL check
   * (`remote->buffer[data_size] == '\0'`) and is dropped as "Unrecognizable IPC data" (observed on the real
   * 3.0.3); earlier versions process it and discard what follows.
   */
  dropFollowedMessage: boolean;
  /** X.509 mode exists (3.0.0+). */
  x509: boolean;
  /** `lrmd_origin` of the register reply. */
  signonOrigin: string;
  /**
   * `lrmd_origin` of the other replies and of the generic notifications, by operation (protocol.md §3.1:
   * informational, but on the wire). 2.1.5–3.0.1 name `process_lrmd_message` and friends; 3.0.2+ answer
   * from one handler per request (`handle_poke_request`, ...), as the real 3.0.3 does.
   */
  origins: ReplyOrigins;
}

/** The `lrmd_origin` values a daemon version writes. */
export interface ReplyOrigins {
  /** Replies built by the generic path, per lrmd operation. */
  generic(op: string): string;
  rscInfo: string;
  getRecurring: string;
  /** Poke, rsc_register and rsc_unregister notifications. */
  genericNotify: string;
}

const LEGACY_ORIGINS: ReplyOrigins = {
  generic: () => 'process_lrmd_message',
  rscInfo: 'process_lrmd_get_rsc_info',
  getRecurring: 'process_lrmd_get_recurring',
  genericNotify: 'send_generic_notify',
};

/** 3.0.2+: one request handler per operation (observed on the real 3.0.3). */
const HANDLER_ORIGINS: Record<string, string> = {
  ipc_fwd: 'handle_ipc_fwd_request',
  lrmd_alert_exec: 'handle_alert_exec_request',
  lrmd_rsc_poke: 'handle_poke_request',
  lrmd_rsc_cancel: 'handle_rsc_cancel_request',
  lrmd_rsc_exec: 'handle_rsc_exec_request',
  lrmd_rsc_register: 'handle_rsc_reg_request',
  lrmd_rsc_unregister: 'handle_rsc_unreg_request',
};

const HANDLER_ORIGIN_SET: ReplyOrigins = {
  generic: (op) => HANDLER_ORIGINS[op] ?? 'process_lrmd_message',
  rscInfo: 'execd_process_get_rsc_info',
  getRecurring: 'execd_process_get_recurring',
  genericNotify: 'execd_send_generic_notify',
};

const at = (v: string, ref: string) => compareDottedVersions(v, ref) >= 0;

/** Derives the behaviour switches of a Pacemaker version such as `2.1.5` or `3.0.2`. */
export function versionFeatures(version: string): VersionFeatures {
  if (typeof version !== 'string' || !/^\d+\.\d+(\.\d+)?$/.test(version)) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `version must look like "2.1.5", got ${JSON.stringify(version)}`);
  }
  if (!at(version, '2.0.0')) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `version ${version} is not simulated (2.0.0 or later)`);
  }
  const v3 = at(version, '3.0.0');
  return {
    version,
    protocolVersion: at(version, '2.1.8') ? '1.2' : '1.1',
    minClientProtocol: at(version, '2.1.8') ? '1' : '1.0',
    uptime: at(version, '2.1.6'),
    nodeStartState: at(version, '2.1.7'),
    shutdown: compareDottedVersions(version, '2.1.5') === 0 ? 'immediate' : v3 ? 'wait' : 'fuse',
    silentRejects: at(version, '3.0.2'),
    pskIdentityCheck: at(version, '3.0.2'),
    dropRecurringMask: v3 ? 1 : 3,
    legacyEscape: !at(version, '2.1.8'),
    // Observed on the real 3.0.0 and 3.0.3: the same record-by-record buffer as 2.1.5 (a header merged with
    // its payload waits in GnuTLS; bytes after a message are lost), only without blocking the daemon.
    strictRecordsDefault: true,
    blockingReader: !v3,
    dropFollowedMessage: at(version, '3.0.2'),
    x509: v3,
    // Observed: the real 3.0.0 still writes the 2.1.5 names; 3.0.3 writes the handler names. The handler
    // rewrite is the one that made rejected registers and unknown ops silent, so it switches with it (3.0.2).
    signonOrigin: at(version, '3.0.2') ? 'execd_process_signon' : 'process_lrmd_signon',
    origins: at(version, '3.0.2') ? HANDLER_ORIGIN_SET : LEGACY_ORIGINS,
  };
}
