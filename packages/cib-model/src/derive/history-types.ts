/**
 * The codes and shapes of the operation-history unpacking (see {@link unpackHistory} in `status-history.ts`):
 * Pacemaker 2.1.5's role, on-fail, executor status and OCF exit code numbering, what the unpacking needs
 * from the rest of the cluster and what it yields.
 */
import type { XmlElement } from '../parse/xml-tree.js';
import type { StatusConfig } from './status-config.js';

/** `enum rsc_role_e`. */
export const Role = { Unknown: 0, Stopped: 1, Started: 2, Unpromoted: 3, Promoted: 4 } as const;
export type RoleValue = (typeof Role)[keyof typeof Role];

/** `enum action_fail_response`, same numbering as 2.1.5. */
export const OnFail = {
  Ignore: 0, Recover: 1, Migrate: 2, Block: 3, Stop: 4, Standby: 5, Fence: 6,
  RestartContainer: 7, ResetRemote: 8, Demote: 9,
} as const;
export type OnFailValue = (typeof OnFail)[keyof typeof OnFail];

/** Executor status codes (`enum pcmk_exec_status`). */
export const Exec = {
  Pending: -1, Done: 0, Cancelled: 1, Timeout: 2, NotSupported: 3, Error: 4, ErrorHard: 5, ErrorFatal: 6,
  NotInstalled: 7, NotConnected: 8, Invalid: 9, NoFenceDevice: 10, NoSecrets: 11,
} as const;

/** OCF exit codes used below. */
export const Ocf = {
  Ok: 0, InvalidParam: 2, Unimplemented: 3, InsufficientPriv: 4, NotInstalled: 5, NotConfigured: 6,
  NotRunning: 7, RunningPromoted: 8, FailedPromoted: 9, Degraded: 190, DegradedPromoted: 191,
} as const;

/** What the unpacking needs to know about the rest of the cluster. */
export interface HistoryEnv {
  config: StatusConfig;
  /** Current time in seconds since the epoch (failure-timeout expiry). */
  nowS: number;
  /** Node on whose history we are. */
  node: { name: string; online: boolean; unclean: boolean; shutdown: boolean; isRemoteOrGuest: boolean };
  /** Whether a node of that name exists and is online (migration targets). */
  nodeOnline(name: string): boolean | undefined;
  /** `pe__resource_is_remote_conn`: a remote (not guest) node is named after this resource. */
  isRemoteNodeName(name: string): boolean;
  /** `remote_was_fenced` of the remote node with that name (undefined: no such node). */
  remoteWasFenced(name: string): boolean | undefined;
  /** The `lrm_resource` of that id in the `node_state` of that uname. */
  lrmResource(rscId: string, nodeName: string): XmlElement | undefined;
  /** Transient attributes of a node (fail counts). */
  nodeAttrs(nodeName: string): Map<string, string> | undefined;
}

/** The result of unpacking one `lrm_resource` on one node. */
export interface HistoryResult {
  role: RoleValue;
  onFail: OnFailValue;
  /** `pe_rsc_failed` set while unpacking (migration failures, not-connected results). */
  failed: boolean;
  /** A `migrate_from` entry was seen (`migrate_op`). */
  migrateOp: boolean;
  /** Other nodes on which the unpacking found the resource running (migrations). */
  alsoRunningOn: { node: string; failed: boolean }[];
  /** The node's remote connection must be treated as failed (`PCMK_EXEC_NOT_CONNECTED`). */
  connectionFailed: boolean;
  /** A migration left the resource partially migrated to that target. */
  partialMigration: boolean;
}
