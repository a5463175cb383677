/**
 * The executor's data: resources, commands (queued, running and recurring operations) and how a command
 * becomes an `lrmd_rsc_exec` completion notification (execd_commands.c `send_cmd_complete_notify`).
 */
import { ExecStatus, execCompleteNotify, legacyEscapeValue, type RequestResourceData, type XmlElement } from '@pcmk-remote/remote-conn/protocol';
import type { AgentRegistry } from './agents.js';
import { glibTableOrder } from './hash-order.js';

/** A cancellable timer of the daemon's main loop. */
export interface TimerHandle {
  cancel(): void;
}

/** What the executor needs from the daemon. */
export interface ExecutorHost {
  /** A main-loop timer (deferred while the daemon is frozen). */
  timer(ms: number, fn: () => void): TimerHandle;
  /** Sends a notification to every named client. */
  broadcast(notify: XmlElement): void;
  /** Sends a notification to one client (notify-orig-only). */
  notifyClient(clientId: string, notify: XmlElement): void;
  readonly agents: AgentRegistry;
  /** Send newlines in output as `\n` (2.1.5–2.1.7). */
  readonly legacyEscape: boolean;
  /** Call-option bits meaning drop-recurring at resource registration. */
  readonly dropRecurringMask: number;
  /** Resource "running" state (the Dummy state files), kept across daemon restarts. */
  readonly running: Map<string, boolean>;
  /** The node's files (agent state), kept across daemon restarts. */
  readonly files: Map<string, string>;
  /** The node's name (`uname -n`). */
  readonly nodeName: string;
  /** Draws the fork+exec time of one agent run, ms. */
  runTimeMs(): number;
  /** An agent set or deleted a promotion score; `params` are the action's parameters (`CRM_meta_on_node`). */
  promotionScore(resource: string, score: number | undefined, params: Readonly<Record<string, string>>): void;
}

export interface CmdResult {
  rc: number;
  status: number;
  exitReason?: string | undefined;
  output?: string | undefined;
  /** The agent's word on whether the resource runs afterwards. */
  running?: boolean | undefined;
}

export interface Cmd {
  callId: number;
  clientId: string;
  callOpts: number;
  rscId: string;
  action: string;
  intervalMs: number;
  timeoutMs: number;
  startDelayMs: number;
  userData: string | undefined;
  params: Array<[string, string]>;
  result: CmdResult;
  firstNotifySent: boolean;
  lastNotifyRc: number;
  lastNotifyStatus: number;
  epochLastRun: number;
  epochRcchange: number;
  tRun: number;
  tQueue: number;
  rscDeleted: boolean;
  iteration: number;
  /** Start-delay, run or interval timer. */
  timer: TimerHandle | undefined;
  /** The running agent's end-of-run callback. */
  after: ((outcome: 'done' | 'timeout' | 'cancelled') => void) | undefined;
  delayed: boolean;
  /** Queued on an idle resource: the real daemon starts it within the same main-loop pass (queue-time 0). */
  atOnce: boolean;
  running: boolean;
  done: boolean;
}

export interface Rsc {
  id: string;
  standard: string;
  provider: string | undefined;
  type: string;
  callOpts: number;
  pending: Cmd[];
  recurring: Cmd[];
  active: Cmd | undefined;
  kick: TimerHandle | undefined;
}

/** A registered resource, as {@link Executor.snapshot} reports it. */
export interface SimResourceInfo {
  id: string;
  standard: string;
  provider?: string;
  type: string;
  /** `lrmd_callopt` given at registration. */
  callOptions: number;
  /** The simulator's idea of whether the resource runs. */
  running: boolean;
  /** Queued and running one-shot operations. */
  pending: Array<{ action: string; callId: number; intervalMs: number }>;
  /** Recurring operations. */
  recurring: Array<{ action: string; intervalMs: number; timeoutMs: number; callId: number }>;
}

export const nowSec = () => Math.floor(Date.now() / 1000);
export const nowMs = () => performance.now();
export const same = (a: string | undefined, b: string | undefined) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

/** A new command for `lrmd_rsc_exec` of `d` (which has a resource id). */
export function newCmd(d: RequestResourceData & { rscId: string }, callId: number, clientId: string, callOpts: number): Cmd {
  return {
    callId,
    clientId,
    callOpts,
    rscId: d.rscId,
    action: d.action ?? '',
    intervalMs: d.intervalMs,
    timeoutMs: d.timeoutMs,
    startDelayMs: d.startDelayMs,
    userData: d.userData,
    params: glibTableOrder(d.params),
    result: { rc: 0, status: ExecStatus.DONE },
    firstNotifySent: false,
    lastNotifyRc: 0,
    lastNotifyStatus: 0,
    epochLastRun: 0,
    epochRcchange: 0,
    tRun: 0,
    tQueue: 0,
    rscDeleted: false,
    iteration: 0,
    timer: undefined,
    after: undefined,
    delayed: false,
    atOnce: false,
    running: false,
    done: false,
  };
}

/** A registered resource as {@link SimResourceInfo} (`running`: the simulator's belief). */
export function resourceInfo(r: Rsc, running: boolean): SimResourceInfo {
  const info: SimResourceInfo = {
    id: r.id,
    standard: r.standard,
    type: r.type,
    callOptions: r.callOpts,
    running,
    pending: [...(r.active && r.active.intervalMs === 0 ? [r.active] : []), ...r.pending].map((c) => ({
      action: c.action,
      callId: c.callId,
      intervalMs: c.intervalMs,
    })),
    recurring: r.recurring.map((c) => ({ action: c.action, intervalMs: c.intervalMs, timeoutMs: c.timeoutMs, callId: c.callId })),
  };
  if (r.provider !== undefined) info.provider = r.provider;
  return info;
}

/** The completion notification of `cmd`'s current result (run/queue times measured now). */
export function completionNotify(cmd: Cmd, legacyEscape: boolean): XmlElement {
  const now = nowMs();
  const esc = (v: string | undefined) => (v !== undefined && legacyEscape ? legacyEscapeValue(v) : v);
  const fields: Parameters<typeof execCompleteNotify>[0] = {
    timeoutMs: cmd.timeoutMs,
    intervalMs: cmd.intervalMs,
    startDelayMs: cmd.startDelayMs,
    exitRc: cmd.result.rc,
    execStatus: cmd.result.status,
    callId: cmd.callId,
    rscDeleted: cmd.rscDeleted,
    runTime: cmd.epochLastRun,
    rcChangeTime: cmd.epochRcchange,
    execTimeMs: cmd.tRun > 0 ? Math.floor(now - cmd.tRun) : 0,
    queueTimeMs: cmd.tRun > 0 && cmd.tQueue > 0 ? Math.floor(cmd.tRun - cmd.tQueue) : 0,
    rscId: cmd.rscId,
    action: cmd.action,
    params: cmd.params,
  };
  if (cmd.userData !== undefined) fields.userData = cmd.userData;
  const reason = esc(cmd.result.exitReason);
  if (reason !== undefined) fields.exitReason = reason;
  const output = esc(cmd.result.output);
  if (output !== undefined) fields.output = output;
  return execCompleteNotify(fields);
}
