/**
 * Daemon-side messages: what pacemaker-remoted sends (replies, notifications, IPC proxy messages) with
 * the element names, attribute names and attribute ORDER of Pacemaker 2.1.5 (protocol.md §3, samples/),
 * and a parser for the requests a daemon receives. Used by the simulated daemon
 * (`@pcmk-remote/remote-conn/testing`); also handy for scripted peers in tests.
 */
import { IpcOp, Op } from './constants.js';
import { child, descendant, el, type XmlElement } from './xml.js';

/** Appends the two transport attributes, which Pacemaker always puts last (protocol.md §3.1). */
export function withTransport(e: XmlElement, msgId: number | string, type: 'reply' | 'notify' | 'request'): XmlElement {
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.attrs)) {
    if (k !== 'lrmd_remote_msg_id' && k !== 'lrmd_remote_msg_type') attrs[k] = v;
  }
  attrs.lrmd_remote_msg_id = String(msgId);
  attrs.lrmd_remote_msg_type = type;
  return { name: e.name, attrs, children: e.children };
}

/**
 * `create_lrmd_reply()`: `<lrmd_reply lrmd_origin lrmd_rc lrmd_callid [extra...]>`. The transport attributes
 * are not included (see {@link withTransport}).
 */
export function daemonReply(
  origin: string,
  rc: number,
  callId: number,
  extra: Record<string, string | number | undefined> = {},
  children: XmlElement[] = [],
): XmlElement {
  return el('lrmd_reply', { lrmd_origin: origin, lrmd_rc: rc, lrmd_callid: callId, ...extra }, children);
}

/** Fields of the register reply. */
export interface RegisterReplyFields {
  origin?: string;
  rc: number;
  callId: number;
  clientId: string;
  /** The daemon's protocol version (`1.1` for 2.1.5, `1.2` from 2.1.8). */
  protocolVersion: string;
  /** Seconds since the daemon started (sent from 2.1.6). */
  uptime?: number;
  /** `PCMK_node_start_state` of the remote node (sent from 2.1.7, when set). */
  nodeStartState?: string;
}

/** The register reply (`process_lrmd_signon`, sample session-01). */
export function registerReply(f: RegisterReplyFields): XmlElement {
  return daemonReply(f.origin ?? 'process_lrmd_signon', f.rc, f.callId, {
    lrmd_op: Op.REGISTER,
    lrmd_clientid: f.clientId,
    lrmd_protocol_version: f.protocolVersion,
    uptime: f.uptime,
    node_start_state: f.nodeStartState,
  });
}

/** `send_generic_notify()`: poke, rsc_register and rsc_unregister notifications (samples session-02/04/19). */
export function genericNotify(op: string, rc: number, callId: number, rscId?: string): XmlElement {
  return el('lrmd_notify', {
    lrmd_origin: 'send_generic_notify',
    lrmd_rc: rc,
    lrmd_callid: callId,
    lrmd_op: op,
    lrmd_rsc_id: rscId,
  });
}

/** `notify_of_new_client()`: sent to the other clients when a client completes its TLS handshake. */
export function newClientNotify(): XmlElement {
  return el('lrmd_notify', { lrmd_origin: 'notify_of_new_client', lrmd_op: Op.NEW_CLIENT });
}

/** Fields of an exec completion notification, in the order 2.1.5 writes them. */
export interface ExecCompleteFields {
  timeoutMs: number;
  intervalMs: number;
  startDelayMs: number;
  exitRc: number;
  execStatus: number;
  callId: number;
  rscDeleted: boolean;
  /** Epoch seconds of the last run (0 on later runs of a recurring op). */
  runTime: number;
  /** Epoch seconds when the exit code last changed (0 if never). */
  rcChangeTime: number;
  execTimeMs: number;
  queueTimeMs: number;
  rscId: string;
  action: string;
  userData?: string;
  exitReason?: string;
  output?: string;
  /** Parameters echoed in `<attributes>`, in the order given. Undefined: no `<attributes>` child. */
  params?: Array<[string, string]>;
}

/** `send_cmd_complete_notify()` (samples session-07..15). */
export function execCompleteNotify(f: ExecCompleteFields): XmlElement {
  const children: XmlElement[] = [];
  if (f.params) {
    const attrs: Record<string, string> = {};
    const params: XmlElement[] = [];
    for (const [k, v] of f.params) {
      // hash2smartfield: names that cannot be attributes become <param name value/> children.
      if (/^[A-Za-z_][A-Za-z0-9._:-]*$/.test(k)) attrs[k] = v;
      else params.push(el('param', { name: k, value: v }));
    }
    children.push({ name: 'attributes', attrs, children: params });
  }
  return el(
    'lrmd_notify',
    {
      lrmd_origin: 'send_cmd_complete_notify',
      lrmd_timeout: f.timeoutMs,
      lrmd_rsc_interval: f.intervalMs,
      lrmd_rsc_start_delay: f.startDelayMs,
      lrmd_exec_rc: f.exitRc,
      lrmd_exec_op_status: f.execStatus,
      lrmd_callid: f.callId,
      lrmd_rsc_deleted: f.rscDeleted ? 1 : 0,
      lrmd_run_time: f.runTime,
      lrmd_rcchange_time: f.rcChangeTime,
      lrmd_exec_time: f.execTimeMs,
      lrmd_queue_time: f.queueTimeMs,
      lrmd_op: Op.RSC_EXEC,
      lrmd_rsc_id: f.rscId,
      lrmd_rsc_action: f.action,
      lrmd_rsc_userdata_str: f.userData,
      lrmd_rsc_exit_reason: f.exitReason,
      lrmd_rsc_output: f.output,
    },
    children,
  );
}

/** One resource in a `lrmd_get_recurring` reply. */
export interface RecurringListing {
  rscId: string;
  ops: Array<{ action: string; intervalMs: number; timeoutMs: number }>;
}

/** The `lrmd_get_recurring` reply (`process_lrmd_get_recurring`, sample session-10). */
export function getRecurringReply(rc: number, callId: number, listing: RecurringListing[]): XmlElement {
  const children = listing.map((r) =>
    el(
      'lrmd_rsc',
      { lrmd_rsc_id: r.rscId },
      r.ops.map((o) => el('lrmd_rsc_op', { lrmd_rsc_action: o.action, lrmd_rsc_interval: o.intervalMs, lrmd_timeout: o.timeoutMs })),
    ),
  );
  return daemonReply('process_lrmd_get_recurring', rc, callId, {}, children);
}

/** `shutdown_req` to the newest IPC provider (sample event-sigterm-shutdown_req). */
export function shutdownRequest(): XmlElement {
  return el('lrmd_ipc_proxy', { lrmd_ipc_op: IpcOp.SHUTDOWN_REQ, lrmd_ipc_session: '0' });
}

/** `destroy` of a proxied IPC session, daemon → provider. */
export function ipcDestroyNotify(session: string): XmlElement {
  return el('lrmd_ipc_proxy', { lrmd_ipc_op: IpcOp.DESTROY, lrmd_ipc_session: session });
}

/**
 * 2.1.5–2.1.7 attribute escaping (`crm_xml_escape`) applied before normal XML escaping: newline and CR
 * become the two characters `\n` / `\r`, TAB four spaces (protocol.md §2.2).
 */
export function legacyEscapeValue(value: string): string {
  return value.replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '    ');
}

/** The `lrmd_rsc` (or `lrmd_alert`) data of a request. */
export interface RequestResourceData {
  rscId?: string;
  standard?: string;
  provider?: string;
  type?: string;
  action?: string;
  userData?: string;
  intervalMs: number;
  timeoutMs: number;
  startDelayMs: number;
  /** `<attributes>` parameters, in document order (attributes, then `<param>` children). */
  params: Array<[string, string]>;
}

/** A request as the daemon sees it. */
export interface DaemonRequest {
  /** The root element name: `lrmd_command` or `lrmd_ipc_proxy` (anything else is kept as is). */
  element: string;
  /** `t` attribute (`lrmd` on commands). */
  t?: string;
  op?: string;
  /** `lrmd_remote_msg_id` as the daemon reads it: 0 when absent, -1 when not numeric. */
  msgId: number;
  msgType?: string;
  callOptions: number;
  clientName?: string;
  protocolVersion?: string;
  ipcProvider: boolean;
  /** `lrmd_ipc_op` of proxy messages. */
  ipcOp?: string;
  ipcSession?: string;
  /** `//lrmd_rsc` data, when present. */
  rsc?: RequestResourceData;
  /** Exactly `lrmd_calldata/lrmd_rsc` is present (what `lrmd_get_recurring` requires). */
  hasCalldataRsc: boolean;
  /** `//lrmd_alert` data, when present. */
  alert?: { id?: string; path?: string; timeoutMs: number; params: Array<[string, string]> };
  /** The parsed element. */
  xml: XmlElement;
}

/** `crm_element_value_int`: leading integer, 0 when absent; -1 when not numeric (as Pacemaker does for ids). */
function intOf(v: string | undefined, whenInvalid = 0): number {
  if (v === undefined) return 0;
  const m = /^\s*(-?\d+)/.exec(v);
  return m?.[1] !== undefined ? Number.parseInt(m[1], 10) : whenInvalid;
}

function readParams(parent: XmlElement): Array<[string, string]> {
  const attrs = child(parent, 'attributes');
  if (!attrs) return [];
  const out: Array<[string, string]> = Object.entries(attrs.attrs);
  for (const p of attrs.children) {
    const name = p.attrs.name;
    if (p.name === 'param' && name !== undefined && !out.some(([k]) => k === name)) out.push([name, p.attrs.value ?? '']);
  }
  return out;
}

/** Reads a request the way the daemon does (attribute lookups, `//lrmd_rsc` XPath). */
export function parseDaemonRequest(xml: XmlElement): DaemonRequest {
  const a = xml.attrs;
  const rscEl = descendant(xml, 'lrmd_rsc');
  const alertEl = descendant(xml, 'lrmd_alert');
  const calldata = child(xml, 'lrmd_calldata');
  const req: DaemonRequest = {
    element: xml.name,
    msgId: intOf(a.lrmd_remote_msg_id, -1),
    callOptions: intOf(a.lrmd_callopt),
    ipcProvider: /^(true|yes|on|y|1)$/i.test(a.lrmd_is_ipc_provider ?? ''),
    hasCalldataRsc: !!(calldata && child(calldata, 'lrmd_rsc')),
    xml,
  };
  if (a.t !== undefined) req.t = a.t;
  if (a.lrmd_op !== undefined) req.op = a.lrmd_op;
  if (a.lrmd_remote_msg_type !== undefined) req.msgType = a.lrmd_remote_msg_type;
  if (a.lrmd_clientname !== undefined) req.clientName = a.lrmd_clientname;
  if (a.lrmd_protocol_version !== undefined) req.protocolVersion = a.lrmd_protocol_version;
  if (a.lrmd_ipc_op !== undefined) req.ipcOp = a.lrmd_ipc_op;
  if (a.lrmd_ipc_session !== undefined) req.ipcSession = a.lrmd_ipc_session;
  if (rscEl) {
    const r = rscEl.attrs;
    const rsc: RequestResourceData = {
      intervalMs: Math.max(0, intOf(r.lrmd_rsc_interval)),
      timeoutMs: intOf(r.lrmd_timeout),
      startDelayMs: Math.max(0, intOf(r.lrmd_rsc_start_delay)),
      params: readParams(rscEl),
    };
    if (r.lrmd_rsc_id !== undefined) rsc.rscId = r.lrmd_rsc_id;
    if (r.lrmd_class !== undefined) rsc.standard = r.lrmd_class;
    if (r.lrmd_provider !== undefined) rsc.provider = r.lrmd_provider;
    if (r.lrmd_type !== undefined) rsc.type = r.lrmd_type;
    if (r.lrmd_rsc_action !== undefined) rsc.action = r.lrmd_rsc_action;
    if (r.lrmd_rsc_userdata_str !== undefined) rsc.userData = r.lrmd_rsc_userdata_str;
    req.rsc = rsc;
  }
  if (alertEl) {
    const r = alertEl.attrs;
    req.alert = { timeoutMs: intOf(r.lrmd_timeout), params: readParams(alertEl) };
    if (r.lrmd_alert_id !== undefined) req.alert.id = r.lrmd_alert_id;
    if (r.lrmd_alert_path !== undefined) req.alert.path = r.lrmd_alert_path;
  }
  return req;
}

/**
 * Compares dotted version strings numerically, part by part (missing parts are 0), as Pacemaker's
 * `compare_version` does. A missing version is lower than any other.
 */
export function compareDottedVersions(a: string | undefined, b: string | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  const pa = a.trim().split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.trim().split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}
