/**
 * What the simulated daemon does with each request (`process_lrmd_message` of Pacemaker 2.1.5, with the
 * version switches of {@link VersionFeatures}): which reply, which notification, in which order.
 */
import createDebug from 'debug';
import { IpcOp, Op } from '@pcmk-remote/remote-conn/protocol';
import {
  compareDottedVersions,
  daemonReply,
  genericNotify,
  getRecurringReply,
  registerReply,
  type DaemonRequest,
} from '@pcmk-remote/remote-conn/protocol';
import type { XmlElement } from '@pcmk-remote/remote-conn/protocol';
import type { Executor } from './executor.js';
import { parseMsec } from './faults.js';
import type { SimConnection } from './sim-connection.js';
import type { VersionFeatures } from './versions.js';

const debug = createDebug('pcmk-remote:sim');

/** What request processing needs from the daemon. */
export interface DispatchHost {
  readonly label: string;
  readonly features: VersionFeatures;
  readonly executor: Executor;
  /** Seconds since the daemon (re)started. */
  readonly uptimeSeconds: number;
  readonly nodeStartState: string | undefined;
  /** Sends a reply (transport attributes added) to the requesting client. */
  reply(c: SimConnection, req: DaemonRequest, reply: XmlElement): void;
  /** Sends a notification to every named client. */
  broadcast(notify: XmlElement): void;
  /** Sends a notification to one client. */
  notifyOne(c: SimConnection, notify: XmlElement): void;
  /** The client registered with the IPC provider flag: it becomes the newest provider. */
  addProvider(c: SimConnection): void;
  /** `register` was answered. */
  registered(c: SimConnection): void;
  /** A provider's `response` / `event` / `destroy` of a tunnelled session (the IPC proxy). */
  ipcForward(c: SimConnection, message: XmlElement): void;
  /** A provider answered a shutdown request. */
  shutdownAnswer(c: SimConnection, ack: boolean): void;
  /** The daemon process exits. */
  exit(reason: string): void;
}

/** Processes one request that has been assigned `callId`. */
export function dispatchRequest(h: DispatchHost, c: SimConnection, req: DaemonRequest, callId: number): void {
  const generic = (rc: number) => h.reply(c, req, daemonReply('process_lrmd_message', rc, callId));
  const ex = h.executor;
  const rscId = req.rsc?.rscId;
  switch (req.op) {
    case Op.IPC_FWD:
      ipcForward(h, c, req);
      generic(0);
      return;
    case Op.REGISTER: {
      let rc = 0;
      if (compareDottedVersions(req.protocolVersion, h.features.minClientProtocol) < 0) {
        debug('%s: Cluster API version must be greater than or equal to %s, not %s', h.label, h.features.minClientProtocol, req.protocolVersion);
        rc = -71;
      }
      if (req.ipcProvider) h.addProvider(c);
      if (rc !== 0 && h.features.silentRejects) return;
      const fields: Parameters<typeof registerReply>[0] = {
        origin: h.features.signonOrigin,
        rc,
        callId,
        clientId: c.id,
        protocolVersion: h.features.protocolVersion,
      };
      if (h.features.uptime) fields.uptime = h.uptimeSeconds;
      if (h.features.nodeStartState && h.nodeStartState !== undefined) fields.nodeStartState = h.nodeStartState;
      h.reply(c, req, registerReply(fields));
      h.registered(c);
      return;
    }
    case Op.RSC_REGISTER: {
      const rc = ex.register(req.rsc, req.callOptions);
      generic(rc);
      h.broadcast(genericNotify(Op.RSC_REGISTER, rc, callId, rscId));
      return;
    }
    case Op.RSC_INFO: {
      const r = ex.info(rscId);
      const extra = r ? { lrmd_rsc_id: r.id, lrmd_class: r.standard, lrmd_provider: r.provider, lrmd_type: r.type } : {};
      h.reply(c, req, daemonReply('process_lrmd_get_rsc_info', r ? 0 : -19, callId, extra));
      return;
    }
    case Op.RSC_UNREGISTER: {
      const rc = ex.unregister(rscId);
      generic(rc);
      if (rc === 0 || rc === -115) h.broadcast(genericNotify(Op.RSC_UNREGISTER, rc, callId, rscId));
      return;
    }
    case Op.RSC_EXEC:
      generic(ex.exec(req.rsc, callId, c.id, req.callOptions));
      return;
    case Op.RSC_CANCEL:
      generic(ex.cancel(rscId, req.rsc?.action, req.rsc?.intervalMs ?? 0));
      return;
    case Op.POKE:
      generic(0);
      h.broadcast(genericNotify(Op.POKE, 0, callId));
      return;
    case Op.CHECK: {
      // never answered; a positive watchdog timeout without SBD makes the real daemon exit (CRM_EX_FATAL)
      const data = req.xml.children.find((e) => e.name === 'lrmd_calldata')?.children[0];
      const watchdog = data?.attrs.lrmd_watchdog;
      if (watchdog !== undefined && parseMsec(watchdog) > 0) {
        debug('%s: lrmd_check with lrmd_watchdog=%s but SBD is not running: exiting (100)', h.label, watchdog);
        h.exit('lrmd_check watchdog without SBD (exit 100)');
      }
      return;
    }
    case Op.ALERT_EXEC:
      // run and logged by the real daemon; never notified
      generic(req.alert?.id === undefined || req.alert.path === undefined ? -22 : 0);
      return;
    case Op.GET_RECURRING: {
      const { rc, listing } = ex.recurring(req.hasCalldataRsc ? rscId : undefined);
      h.reply(c, req, getRecurringReply(rc, callId, listing));
      return;
    }
    default:
      debug('%s: Unknown IPC request %s from client %s', h.label, req.op, c.name ?? c.id);
      if (!h.features.silentRejects) generic(-95);
      return;
  }
}

function ipcForward(h: DispatchHost, c: SimConnection, req: DaemonRequest): void {
  switch (req.ipcOp) {
    case IpcOp.SHUTDOWN_ACK:
    case IpcOp.SHUTDOWN_NACK:
      h.shutdownAnswer(c, req.ipcOp === IpcOp.SHUTDOWN_ACK);
      return;
    case IpcOp.RESPONSE:
    case IpcOp.EVENT:
    case IpcOp.DESTROY:
      h.ipcForward(c, req.xml);
      return;
    default:
      return;
  }
}
