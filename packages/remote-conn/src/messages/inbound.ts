/**
 * Typed view of the messages pacemaker-remoted sends to a cluster-side client (protocol.md §3.1–§3.7).
 */
import { ErrorCodes, RemoteConnError } from '../errors.js';
import { IpcOp, Op } from './constants.js';
import { child, type XmlElement } from './xml.js';

/** The result of one agent action run (an `lrmd_rsc_exec` completion notify). */
export interface OpResult {
  resource: string;
  action: string;
  /** 0 for one-shot actions. */
  intervalMs: number;
  /** The daemon's call id (the positive `lrmd_rc` of the exec reply). */
  callId: number;
  /** OCF exit code; meaningful only when `opStatus` is 0 (done). */
  rc: number;
  /** Pacemaker execution status (0 done, 1 cancelled, 2 timed out, 7 not installed, ...). */
  opStatus: number;
  /** Agent output (stderr if any, else stdout), as sent (2.1.5 sends newlines as a literal `\n`). */
  output?: string;
  exitReason?: string;
  userData?: string;
  /** When the run started (epoch ms), if the daemon said. */
  runAt?: number;
  /** When the exit code last changed (epoch ms), if ever. */
  rcChangedAt?: number;
  execTimeMs: number;
  queueTimeMs: number;
  timeoutMs: number;
  startDelayMs: number;
  /** The resource was unregistered meanwhile. */
  deleted: boolean;
  /** Parameters echoed back. */
  params: Record<string, string>;
}

/** A classified inbound message. */
export type InboundMessage =
  | { type: 'reply'; msgId: number; rc: number; callId: number; op?: string; element: XmlElement }
  | { type: 'exec-result'; result: OpResult; element: XmlElement }
  | { type: 'new-client'; element: XmlElement }
  | { type: 'notify'; op: string; rc: number; callId: number; resource?: string; element: XmlElement }
  | { type: 'proxy'; ipcOp: string; session?: string; element: XmlElement }
  | { type: 'unknown'; element: XmlElement };

/** Parses an integer attribute; absent → `fallback`; garbage → NaN-free `fallback`. */
export function intAttr(e: XmlElement, name: string, fallback = 0): number {
  const v = e.attrs[name];
  if (v === undefined || v === '') return fallback;
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) ? n : fallback;
}

function optional(e: XmlElement, name: string): string | undefined {
  const v = e.attrs[name];
  return v === undefined || v === '' ? undefined : v;
}

/** Reads `<attributes>` (attributes plus `<param name value>` children). */
export function readParams(parent: XmlElement): Record<string, string> {
  const a = child(parent, 'attributes');
  const out: Record<string, string> = {};
  if (!a) return out;
  Object.assign(out, a.attrs);
  for (const p of a.children) {
    if (p.name === 'param' && p.attrs.name !== undefined) out[p.attrs.name] = p.attrs.value ?? '';
  }
  return out;
}

/** Builds an {@link OpResult} from an exec completion notify. */
export function parseOpResult(e: XmlElement): OpResult {
  const epochMs = (name: string) => {
    const s = intAttr(e, name, 0);
    return s > 0 ? s * 1000 : undefined;
  };
  const result: OpResult = {
    resource: e.attrs.lrmd_rsc_id ?? '',
    action: e.attrs.lrmd_rsc_action ?? '',
    intervalMs: intAttr(e, 'lrmd_rsc_interval'),
    callId: intAttr(e, 'lrmd_callid'),
    rc: intAttr(e, 'lrmd_exec_rc', 1),
    opStatus: intAttr(e, 'lrmd_exec_op_status', 4),
    execTimeMs: intAttr(e, 'lrmd_exec_time'),
    queueTimeMs: intAttr(e, 'lrmd_queue_time'),
    timeoutMs: intAttr(e, 'lrmd_timeout'),
    startDelayMs: intAttr(e, 'lrmd_rsc_start_delay'),
    deleted: intAttr(e, 'lrmd_rsc_deleted') === 1,
    params: readParams(e),
  };
  const output = optional(e, 'lrmd_rsc_output');
  const exitReason = optional(e, 'lrmd_rsc_exit_reason');
  const userData = optional(e, 'lrmd_rsc_userdata_str');
  const runAt = epochMs('lrmd_run_time');
  const rcChangedAt = epochMs('lrmd_rcchange_time');
  if (output !== undefined) result.output = output;
  if (exitReason !== undefined) result.exitReason = exitReason;
  if (userData !== undefined) result.userData = userData;
  if (runAt !== undefined) result.runAt = runAt;
  if (rcChangedAt !== undefined) result.rcChangedAt = rcChangedAt;
  return result;
}

/**
 * Classifies a message from the daemon.
 * @throws RemoteConnError `PROTOCOL_ERROR` for an element that is not a daemon message
 */
export function classifyInbound(e: XmlElement): InboundMessage {
  const msgType = (e.attrs.lrmd_remote_msg_type ?? '').toLowerCase();
  if (e.name === 'lrmd_ipc_proxy' || e.attrs.lrmd_ipc_session !== undefined) {
    const ipcOp = e.attrs.lrmd_ipc_op ?? '';
    const session = e.attrs.lrmd_ipc_session;
    return session === undefined ? { type: 'proxy', ipcOp, element: e } : { type: 'proxy', ipcOp, session, element: e };
  }
  if (msgType === 'reply' || e.name === 'lrmd_reply') {
    const msgId = intAttr(e, 'lrmd_remote_msg_id', -1);
    const reply = { type: 'reply' as const, msgId, rc: intAttr(e, 'lrmd_rc', 0), callId: intAttr(e, 'lrmd_callid'), element: e };
    return e.attrs.lrmd_op === undefined ? reply : { ...reply, op: e.attrs.lrmd_op };
  }
  if (msgType === 'notify' || e.name === 'lrmd_notify') {
    const op = e.attrs.lrmd_op ?? '';
    if (op === Op.RSC_EXEC) return { type: 'exec-result', result: parseOpResult(e), element: e };
    if (op === Op.NEW_CLIENT) return { type: 'new-client', element: e };
    const n = { type: 'notify' as const, op, rc: intAttr(e, 'lrmd_rc'), callId: intAttr(e, 'lrmd_callid'), element: e };
    return e.attrs.lrmd_rsc_id === undefined ? n : { ...n, resource: e.attrs.lrmd_rsc_id };
  }
  if (e.name === 'lrmd_command') {
    throw new RemoteConnError(ErrorCodes.PROTOCOL_ERROR, 'The peer sent a request (lrmd_command): it is not a pacemaker-remoted');
  }
  return { type: 'unknown', element: e };
}

/** Recurring operations listed in a `lrmd_get_recurring` reply. */
export interface RecurringOp {
  resource: string;
  action: string;
  intervalMs: number;
  timeoutMs: number;
}

/** Reads the children of a `lrmd_get_recurring` reply. */
export function parseRecurringOps(reply: XmlElement): RecurringOp[] {
  const out: RecurringOp[] = [];
  for (const rsc of reply.children) {
    if (rsc.name !== 'lrmd_rsc') continue;
    for (const op of rsc.children) {
      if (op.name !== 'lrmd_rsc_op') continue;
      out.push({
        resource: rsc.attrs.lrmd_rsc_id ?? '',
        action: op.attrs.lrmd_rsc_action ?? '',
        intervalMs: intAttr(op, 'lrmd_rsc_interval'),
        timeoutMs: intAttr(op, 'lrmd_timeout'),
      });
    }
  }
  return out;
}

/**
 * Undoes 2.1.5–2.1.7's attribute escaping of newlines (`\n` → newline, `\r` → CR), as Pacemaker's
 * controller does for meta-data (protocol.md §2.2). Lossy by nature: a real backslash-n is turned too.
 */
export function unescapeLegacyNewlines(text: string): string {
  return text.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
}

export { IpcOp };
