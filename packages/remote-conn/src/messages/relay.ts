/**
 * Wire shapes of the IPC relay (`lrmd_ipc_proxy`, protocol.md §3.6): what the daemon sends about the
 * local tools it tunnels (`new`, `request`, `destroy`) and what a provider answers (`response`, `event`,
 * `destroy`), each answer being an `ipc_fwd` request of its own.
 */
import { ErrorCodes, RemoteConnError } from '../errors.js';
import { IpcOp } from './constants.js';
import { ipcProxyRequest } from './requests.js';
import { child, type XmlElement } from './xml.js';

/** `lrmd_ipc_msg_flags` bits (`enum crm_ipc_flags`). */
export const IpcFlags = {
  NONE: 0,
  /** Legacy compressed payload. */
  COMPRESSED: 0x1,
  /** The request came through the remote daemon's proxy (always set on relayed requests). */
  PROXIED: 0x100,
  /** The local tool waits for a response to this request. */
  CLIENT_RESPONSE: 0x200,
  SERVER_EVENT: 0x10000,
  SERVER_FREE: 0x20000,
  PROXIED_RELAY_RESPONSE: 0x40000,
} as const;

/** The local IPC servers a remote daemon impersonates (`cib_shm` is reported as `cib_rw`). */
export const RELAY_CHANNELS = ['attrd', 'cib_ro', 'cib_rw', 'crmd', 'stonith-ng'] as const;

/** A channel name. Channels outside {@link RELAY_CHANNELS} may appear with other daemon versions. */
export type RelayChannel = (typeof RELAY_CHANNELS)[number] | (string & {});

/** The element that wraps a tunnelled IPC message. */
export const IPC_MSG = 'lrmd_ipc_msg';

/** A daemon → provider relay message, validated. */
export type ProxyMessage =
  | { op: 'new'; session: string; channel: string }
  | {
      op: 'request';
      session: string;
      /** libqb request id of the local tool: a response must carry it back. */
      msgId: number;
      flags: number;
      /** Unix user of the local tool, as the daemon saw it. */
      user?: string;
      /** `proxy-<channel>-<pid>-<uuid prefix>`. */
      client?: string;
      message: XmlElement;
    }
  | { op: 'destroy'; session: string };

function malformed(what: string, e: XmlElement): RemoteConnError {
  return new RemoteConnError(ErrorCodes.PROTOCOL_ERROR, `Malformed relay message: ${what}`, {
    details: { op: 'lrmd_ipc_proxy', ipcOp: e.attrs.lrmd_ipc_op ?? '', session: e.attrs.lrmd_ipc_session },
  });
}

const INT_RE = /^-?\d+$/;

/**
 * Reads a relay message from the daemon (anything but `shutdown_req`).
 * @throws RemoteConnError `PROTOCOL_ERROR` for an unknown `lrmd_ipc_op`, a missing session, or a
 *   request without message, id or valid flags
 */
export function parseProxyMessage(e: XmlElement): ProxyMessage {
  const op = (e.attrs.lrmd_ipc_op ?? '').toLowerCase();
  const session = e.attrs.lrmd_ipc_session;
  if (!session) throw malformed(`${op || 'message'} without lrmd_ipc_session`, e);
  switch (op) {
    case IpcOp.NEW: {
      const channel = e.attrs.lrmd_ipc_server;
      if (!channel) throw malformed('new without lrmd_ipc_server', e);
      return { op: 'new', session, channel };
    }
    case IpcOp.DESTROY:
      return { op: 'destroy', session };
    case IpcOp.REQUEST: {
      const idText = e.attrs.lrmd_ipc_msg_id ?? '';
      const flagsText = e.attrs.lrmd_ipc_msg_flags ?? '0';
      if (!INT_RE.test(idText)) throw malformed(`request without a numeric lrmd_ipc_msg_id (${JSON.stringify(idText)})`, e);
      if (!INT_RE.test(flagsText)) throw malformed(`request with non-numeric lrmd_ipc_msg_flags (${JSON.stringify(flagsText)})`, e);
      const holder = child(e, IPC_MSG);
      const message = holder?.children[0];
      if (!message) throw malformed('request without a message in lrmd_ipc_msg', e);
      const out: ProxyMessage = { op: 'request', session, msgId: Number.parseInt(idText, 10), flags: Number.parseInt(flagsText, 10) >>> 0, message };
      if (e.attrs.lrmd_ipc_user !== undefined) out.user = e.attrs.lrmd_ipc_user;
      if (e.attrs.lrmd_ipc_client !== undefined) out.client = e.attrs.lrmd_ipc_client;
      return out;
    }
    default:
      throw malformed(`unknown lrmd_ipc_op ${JSON.stringify(e.attrs.lrmd_ipc_op ?? '')}`, e);
  }
}

/** Provider → daemon: the response to request `msgId` of a tunnelled tool (`remote_proxy_relay_response`). */
export function ipcResponse(session: string, msgId: number, message: XmlElement): XmlElement {
  return ipcProxyRequest(IpcOp.RESPONSE, { lrmd_ipc_session: session, lrmd_ipc_msg_id: msgId }, [
    { name: IPC_MSG, attrs: {}, children: [message] },
  ]);
}

/** Provider → daemon: an asynchronous event for a tunnelled tool (`remote_proxy_relay_event`). */
export function ipcEvent(session: string, message: XmlElement): XmlElement {
  return ipcProxyRequest(IpcOp.EVENT, { lrmd_ipc_session: session }, [{ name: IPC_MSG, attrs: {}, children: [message] }]);
}

/** Daemon → provider `new` (for simulators and tests). */
export function ipcNewNotify(session: string, channel: string): XmlElement {
  return { name: 'lrmd_ipc_proxy', attrs: { lrmd_ipc_op: IpcOp.NEW, lrmd_ipc_server: channel, lrmd_ipc_session: session }, children: [] };
}

/** Daemon → provider `request` (for simulators and tests), in the daemon's attribute order. */
export function ipcRequestNotify(r: { session: string; client: string; user: string; msgId: number; flags: number; message: XmlElement }): XmlElement {
  return {
    name: 'lrmd_ipc_proxy',
    attrs: {
      lrmd_ipc_op: IpcOp.REQUEST,
      lrmd_ipc_session: r.session,
      lrmd_ipc_client: r.client,
      lrmd_ipc_user: r.user,
      lrmd_ipc_msg_id: String(r.msgId),
      lrmd_ipc_msg_flags: String(r.flags),
    },
    children: [{ name: IPC_MSG, attrs: {}, children: [r.message] }],
  };
}

/** The message inside a provider's `response`/`event` (for simulators and tests). */
export function ipcPayload(e: XmlElement): XmlElement | undefined {
  return child(e, IPC_MSG)?.children[0];
}

/**
 * The answer Pacemaker's controller sends when it cannot relay a request (`<nack function line rc>`):
 * the tool stops waiting and reports the error.
 */
export function relayNack(rc: number, fn = 'pcmk_remote_relay'): XmlElement {
  return { name: 'nack', attrs: { function: fn, line: '0', rc: String(rc) }, children: [] };
}
