/**
 * Names and numbers of the executor protocol (include/crm/lrmd.h, include/crm/common/results.h), as used
 * on the wire by Pacemaker 2.1.5 through the newest release.
 */

/** `lrmd_op` values. */
export const Op = {
  REGISTER: 'register',
  POKE: 'lrmd_rsc_poke',
  RSC_REGISTER: 'lrmd_rsc_register',
  RSC_UNREGISTER: 'lrmd_rsc_unregister',
  RSC_INFO: 'lrmd_rsc_info',
  RSC_EXEC: 'lrmd_rsc_exec',
  RSC_CANCEL: 'lrmd_rsc_cancel',
  GET_RECURRING: 'lrmd_get_recurring',
  ALERT_EXEC: 'lrmd_alert_exec',
  CHECK: 'lrmd_check',
  NEW_CLIENT: 'lrmd_rsc_new_client',
  IPC_FWD: 'ipc_fwd',
} as const;

/** `lrmd_ipc_op` values of `lrmd_ipc_proxy` messages. */
export const IpcOp = {
  NEW: 'new',
  REQUEST: 'request',
  RESPONSE: 'response',
  EVENT: 'event',
  DESTROY: 'destroy',
  SHUTDOWN_REQ: 'shutdown_req',
  SHUTDOWN_ACK: 'shutdown_ack',
  SHUTDOWN_NACK: 'shutdown_nack',
} as const;

/** Protocol version we advertise by default: what 2.1.5 speaks, accepted by every daemon (protocol.md §5.1). */
export const DEFAULT_PROTOCOL_VERSION = '1.1';

/** `lrmd_callopt` bits (protocol.md §3.9). */
export const CallOptions = {
  NONE: 0,
  /** Drop recurring ops when the last client disconnects: 3 works on 2.1.x (both bits) and 3.0+ (bit 0). */
  DROP_RECURRING: 3,
  /** exec: notify only the originator. */
  NOTIFY_ORIG_ONLY: 2,
  /** Recurring exec: notify only when the result changes. */
  NOTIFY_CHANGES_ONLY: 4,
} as const;

/** OCF exit codes (`lrmd_exec_rc`). */
export const OcfExitCode = {
  OK: 0,
  ERR_GENERIC: 1,
  ERR_ARGS: 2,
  ERR_UNIMPLEMENTED: 3,
  ERR_PERM: 4,
  ERR_INSTALLED: 5,
  ERR_CONFIGURED: 6,
  NOT_RUNNING: 7,
  RUNNING_PROMOTED: 8,
  FAILED_PROMOTED: 9,
  DEGRADED: 190,
  DEGRADED_PROMOTED: 191,
  UNKNOWN: 193,
} as const;

/** Execution status (`lrmd_exec_op_status`): whether the agent ran and its exit code means anything. */
export const ExecStatus = {
  PENDING: -1,
  DONE: 0,
  CANCELLED: 1,
  TIMEOUT: 2,
  NOT_SUPPORTED: 3,
  ERROR: 4,
  ERROR_HARD: 5,
  ERROR_FATAL: 6,
  NOT_INSTALLED: 7,
  NOT_CONNECTED: 8,
  INVALID: 9,
  NO_FENCE_DEVICE: 10,
  NO_SECRETS: 11,
} as const;

const EXEC_STATUS_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(ExecStatus).map(([k, v]) => [v, k.toLowerCase().replace(/_/g, '-')]),
);
const OCF_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(OcfExitCode).map(([k, v]) => [v, k.toLowerCase().replace(/_/g, '-')]),
);

/** Readable name of an execution status, e.g. `timeout`. */
export function execStatusName(status: number): string {
  return EXEC_STATUS_NAMES[status] ?? `status-${status}`;
}

/** Readable name of an OCF exit code, e.g. `not-running`. */
export function ocfExitName(rc: number): string {
  return OCF_NAMES[rc] ?? `rc-${rc}`;
}
