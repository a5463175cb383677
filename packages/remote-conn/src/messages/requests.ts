/**
 * Builders for the messages a cluster-side client sends (protocol.md §3.3–§3.6). The transport attributes
 * `lrmd_remote_msg_id` and `lrmd_remote_msg_type` are appended by the session when it sends.
 */
import { ErrorCodes, RemoteConnError } from '../errors.js';
import { CallOptions, DEFAULT_PROTOCOL_VERSION, IpcOp, Op } from './constants.js';
import { el, isXmlName, type XmlElement } from './xml.js';

function invalid(message: string): RemoteConnError {
  return new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, message);
}

function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(`${what} must be a non-empty string`);
  return value;
}

function requireMs(value: unknown, what: string, { min = 0 } = {}): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 0x7fffffff) {
    throw invalid(`${what} must be an integer number of milliseconds from ${min} to 2147483647`);
  }
  return value;
}

/** Options of the register handshake. */
export interface RegisterRequest {
  clientName: string;
  protocolVersion?: string;
  /** Declare this client an IPC proxy provider (as Pacemaker's controller does): enables shutdown requests. */
  ipcProvider?: boolean;
}

/** `register`: the first message of a session. Built without calldata, like Pacemaker's client. */
export function registerRequest(r: RegisterRequest): XmlElement {
  const version = r.protocolVersion ?? DEFAULT_PROTOCOL_VERSION;
  if (!/^\d+(\.\d+)*$/.test(version)) throw invalid(`protocolVersion must look like "1.1", got ${JSON.stringify(version)}`);
  return el('lrmd_command', {
    t: 'lrmd',
    lrmd_op: Op.REGISTER,
    lrmd_clientname: requireString(r.clientName, 'clientName'),
    lrmd_protocol_version: version,
    lrmd_is_ipc_provider: r.ipcProvider ? 'true' : undefined,
  });
}

/** A generic `lrmd_command` with one calldata element (newest style: no `__name__`, no `lrmd_async_id`). */
export function command(op: string, data?: XmlElement, options: { timeoutMs?: number; callOptions?: number } = {}): XmlElement {
  return el(
    'lrmd_command',
    { t: 'lrmd', lrmd_op: op, lrmd_timeout: options.timeoutMs ?? 0, lrmd_callopt: options.callOptions ?? 0 },
    data ? [el('lrmd_calldata', {}, [data])] : [],
  );
}

/** `lrmd_rsc_poke`: liveness probe. */
export function pokeRequest(): XmlElement {
  return command(Op.POKE, el('lrmd_rsc', { lrmd_origin: 'lrmd_api_poke_connection' }));
}

/** A resource definition. */
export interface ResourceDefinition {
  /** Resource id on the node. */
  id: string;
  /** Resource class: `ocf`, `lsb`, `systemd`, `service`, `stonith`, ... */
  standard: string;
  /** OCF provider (required for `ocf`). */
  provider?: string;
  /** Agent name, e.g. `Dummy`. */
  type: string;
}

/** `lrmd_rsc_register`, with drop-recurring as the controller does. */
export function registerResourceRequest(d: ResourceDefinition, callOptions: number = CallOptions.DROP_RECURRING): XmlElement {
  requireString(d.id, 'resource id');
  requireString(d.standard, 'standard');
  requireString(d.type, 'type');
  if (d.standard === 'ocf' && !d.provider) throw invalid('provider is required for ocf resources');
  return command(
    Op.RSC_REGISTER,
    el('lrmd_rsc', {
      lrmd_origin: 'lrmd_api_register_rsc',
      lrmd_rsc_id: d.id,
      lrmd_class: d.standard,
      lrmd_provider: d.provider,
      lrmd_type: d.type,
    }),
    { callOptions },
  );
}

/** `lrmd_rsc_unregister`. */
export function unregisterResourceRequest(id: string): XmlElement {
  return command(Op.RSC_UNREGISTER, el('lrmd_rsc', { lrmd_origin: 'lrmd_api_unregister_rsc', lrmd_rsc_id: requireString(id, 'resource id') }));
}

/** `lrmd_rsc_info`. */
export function resourceInfoRequest(id: string): XmlElement {
  return command(Op.RSC_INFO, el('lrmd_rsc', { lrmd_origin: 'lrmd_api_get_rsc_info', lrmd_rsc_id: requireString(id, 'resource id') }));
}

/** `lrmd_get_recurring`, for one resource or all. */
export function getRecurringRequest(id?: string): XmlElement {
  return command(
    Op.GET_RECURRING,
    id === undefined ? undefined : el('lrmd_rsc', { lrmd_rsc_id: requireString(id, 'resource id') }),
  );
}

/** An agent action to run. */
export interface ExecRequest {
  resource: string;
  action: string;
  /** 0 (default): one-shot. >0: recurring at this interval. */
  intervalMs?: number;
  /** Op timeout, > 0 (0 would mean "no timeout" to the daemon). */
  timeoutMs: number;
  startDelayMs?: number;
  /** Agent parameters (OCF_RESKEY_*). */
  params?: Record<string, string | number | boolean>;
  /** Opaque string echoed in every result. */
  userData?: string;
  /** `lrmd_callopt`; default notify-changes-only (4), as the controller sends. */
  callOptions?: number;
}

/** `<attributes>` with parameters; names that are not XML names go in `<param name value>` children. */
export function attributesElement(params: Record<string, string | number | boolean>): XmlElement {
  const attrs: Record<string, string> = {};
  const children: XmlElement[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (name.length === 0) throw invalid('parameter names must not be empty');
    if (isXmlName(name)) attrs[name] = String(value);
    else if (/^[0-9][A-Za-z0-9._:-]*$/.test(name)) children.push(el('param', { name, value: String(value) }));
    else throw invalid(`parameter name ${JSON.stringify(name)} is not usable in Pacemaker's message format`);
  }
  return { name: 'attributes', attrs, children };
}

/** `lrmd_rsc_exec`. */
export function execRequest(r: ExecRequest): XmlElement {
  requireString(r.resource, 'resource');
  requireString(r.action, 'action');
  const interval = requireMs(r.intervalMs ?? 0, 'intervalMs');
  const timeout = requireMs(r.timeoutMs, 'timeoutMs', { min: 1 });
  const delay = requireMs(r.startDelayMs ?? 0, 'startDelayMs');
  const params = { ...(r.params ?? {}), CRM_meta_timeout: timeout, ...(interval > 0 ? { CRM_meta_interval: interval } : {}) };
  return command(
    Op.RSC_EXEC,
    el(
      'lrmd_rsc',
      {
        lrmd_origin: 'lrmd_api_exec',
        lrmd_rsc_id: r.resource,
        lrmd_rsc_action: r.action,
        lrmd_rsc_userdata_str: r.userData,
        lrmd_rsc_interval: interval,
        lrmd_timeout: timeout,
        lrmd_rsc_start_delay: delay,
      },
      [attributesElement(params)],
    ),
    { timeoutMs: timeout, callOptions: r.callOptions ?? CallOptions.NOTIFY_CHANGES_ONLY },
  );
}

/** `lrmd_rsc_cancel` of a recurring op. */
export function cancelRequest(resource: string, action: string, intervalMs: number): XmlElement {
  return command(
    Op.RSC_CANCEL,
    el('lrmd_rsc', {
      lrmd_origin: 'lrmd_api_cancel',
      lrmd_rsc_id: requireString(resource, 'resource'),
      lrmd_rsc_action: requireString(action, 'action'),
      lrmd_rsc_interval: requireMs(intervalMs, 'intervalMs'),
    }),
  );
}

/** An alert agent run. */
export interface AlertExecRequest {
  id: string;
  path: string;
  timeoutMs: number;
  params?: Record<string, string | number | boolean>;
}

/** `lrmd_alert_exec` (no completion notify ever comes). */
export function alertExecRequest(r: AlertExecRequest): XmlElement {
  const timeout = requireMs(r.timeoutMs, 'timeoutMs', { min: 1 });
  return command(
    Op.ALERT_EXEC,
    el(
      'lrmd_alert',
      { lrmd_origin: 'lrmd_api_exec_alert', lrmd_alert_id: requireString(r.id, 'alert id'), lrmd_alert_path: requireString(r.path, 'alert path'), lrmd_timeout: timeout },
      [attributesElement(r.params ?? {})],
    ),
    { timeoutMs: timeout, callOptions: CallOptions.NOTIFY_ORIG_ONLY },
  );
}

/**
 * `lrmd_check` without `lrmd_watchdog`. Sending a positive watchdog value makes a daemon without SBD exit
 * (protocol.md §3.4.9), so this builder has no way to send one.
 */
export function checkRequest(): XmlElement {
  return command(Op.CHECK, el('lrmd_op', { lrmd_origin: 'lrmd__validate_remote_settings' }));
}

/** Provider → daemon proxy message (`lrmd_op="ipc_fwd"`, no `t`). */
export function ipcProxyRequest(ipcOp: string, attrs: Record<string, string | number | undefined> = {}, children: XmlElement[] = []): XmlElement {
  return el('lrmd_ipc_proxy', { lrmd_ipc_op: ipcOp, ...attrs, lrmd_op: Op.IPC_FWD }, children);
}

/** `shutdown_ack` / `shutdown_nack` answers to a shutdown request. */
export function shutdownAnswer(ack: boolean): XmlElement {
  return ipcProxyRequest(ack ? IpcOp.SHUTDOWN_ACK : IpcOp.SHUTDOWN_NACK);
}

/** `destroy` of a proxied IPC session we do not serve. */
export function ipcDestroy(session: string): XmlElement {
  return ipcProxyRequest(IpcOp.DESTROY, { lrmd_ipc_session: session });
}
