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
  /** Default of the strict-records emulation (the 2.1.x blocking reader). */
  strictRecordsDefault: boolean;
  /** X.509 mode exists (3.0.0+). */
  x509: boolean;
  /** `lrmd_origin` of the register reply. */
  signonOrigin: string;
}

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
    strictRecordsDefault: !v3,
    x509: v3,
    signonOrigin: v3 ? 'execd_process_signon' : 'process_lrmd_signon',
  };
}
