/**
 * The executor part of the simulated daemon: registered resources, queued and running operations,
 * recurring operations, cancellation and completion notifications, following
 * `daemons/execd/execd_commands.c` of Pacemaker 2.1.5 (protocol.md §3.4):
 *
 * - one action at a time per resource, in arrival order; a start delay holds the queue head;
 * - exec replies carry the call id; results arrive later as `send_cmd_complete_notify`;
 * - recurring ops re-run every interval with the same call id; later runs report run/exec time 0;
 *   callopt 4 notifies only changes; a duplicate recurring exec is merged (takes the new call id);
 * - `stop` first cancels the resource's recurring ops, each with a status-1 notify;
 * - cancel of a waiting recurring op notifies synchronously (before the cancel reply);
 * - unregister cancels queued and recurring ops (their notifies carry `lrmd_rsc_deleted="1"`);
 * - when the last client leaves, recurring ops of drop-recurring resources are cancelled.
 */
import { ExecStatus, OcfExitCode, type RecurringListing, type RequestResourceData } from '@pcmk-remote/remote-conn/protocol';
import { agentKey, runAgent, type AgentContext, type AgentResult } from './agents.js';
import {
  completionNotify,
  newCmd,
  nowMs,
  nowSec,
  resourceInfo,
  same,
  type Cmd,
  type CmdResult,
  type ExecutorHost,
  type Rsc,
  type SimResourceInfo,
} from './executor-model.js';
import { timeoutExitReason } from './readable-interval.js';

export type { ExecutorHost, SimResourceInfo, TimerHandle } from './executor-model.js';

/** The simulated executor: resources and operations of one daemon instance. */
export class Executor {
  readonly #host: ExecutorHost;
  readonly #rscs = new Map<string, Rsc>();

  constructor(host: ExecutorHost) {
    this.#host = host;
  }

  /** `lrmd_rsc_register`: always 0; an identical registration is ignored, a different one replaces. */
  register(d: RequestResourceData | undefined, callOpts: number): number {
    const id = d?.rscId;
    if (!d || id === undefined) return 0;
    const dup = this.#rscs.get(id);
    if (dup && same(dup.standard, d.standard) && same(dup.provider, d.provider) && same(dup.type, d.type)) return 0;
    if (dup) {
      this.#rscs.delete(id);
      this.#free(dup);
    }
    this.#rscs.set(id, {
      id,
      standard: d.standard ?? '',
      provider: d.provider,
      type: d.type ?? '',
      callOpts,
      pending: [],
      recurring: [],
      active: undefined,
      kick: undefined,
    });
    return 0;
  }

  /** `lrmd_rsc_info`. */
  info(id: string | undefined): { id: string; standard: string; provider: string | undefined; type: string } | undefined {
    return id === undefined ? undefined : this.#rscs.get(id);
  }

  /** `lrmd_rsc_unregister`: 0 (also when unknown), -115 when an op is in flight, -19 without id. */
  unregister(id: string | undefined): number {
    if (id === undefined) return -19;
    const rsc = this.#rscs.get(id);
    if (!rsc) return 0;
    const rc = rsc.active ? -115 : 0;
    this.#rscs.delete(id);
    this.#free(rsc);
    return rc;
  }

  /** `lrmd_rsc_exec`: the call id, or -22 / -19. */
  exec(d: RequestResourceData | undefined, callId: number, clientId: string, callOpts: number): number {
    if (!d?.rscId) return -22;
    const rsc = this.#rscs.get(d.rscId);
    if (!rsc) return -19;
    const cmd = newCmd({ ...d, rscId: d.rscId }, callId, clientId, callOpts);
    if (this.#mergeDuplicate(rsc, cmd)) return callId;
    if (same(cmd.action, 'stop')) this.#cancelAllRecurring(rsc, undefined);
    cmd.atOnce = !rsc.active && rsc.pending.length === 0 && cmd.startDelayMs === 0;
    rsc.pending.push(cmd);
    cmd.tQueue = nowMs();
    if (cmd.startDelayMs > 0) {
      cmd.delayed = true;
      cmd.timer = this.#host.timer(cmd.startDelayMs, () => {
        cmd.timer = undefined;
        cmd.delayed = false;
        this.#kick(rsc);
      });
    }
    this.#kick(rsc);
    return callId;
  }

  /** `lrmd_rsc_cancel`: 0, -95 (no such op), -19 (unknown resource), -22 (missing id or action). */
  cancel(id: string | undefined, action: string | undefined, intervalMs: number): number {
    if (id === undefined || action === undefined) return -22;
    const rsc = this.#rscs.get(id);
    if (!rsc) return -19;
    return this.#cancelOp(rsc, action, intervalMs);
  }

  /** `lrmd_get_recurring`: resource listing (all resources when `id` is undefined). */
  recurring(id: string | undefined): { rc: number; listing: RecurringListing[] } {
    const list = (r: Rsc): RecurringListing => ({
      rscId: r.id,
      ops: r.recurring.map((c) => ({ action: c.action, intervalMs: c.intervalMs, timeoutMs: c.timeoutMs })),
    });
    if (id === undefined) return { rc: 0, listing: [...this.#rscs.values()].map(list) };
    const rsc = this.#rscs.get(id);
    return rsc ? { rc: 0, listing: [list(rsc)] } : { rc: -19, listing: [] };
  }

  /** The last client left: cancel the recurring ops of drop-recurring resources. */
  lastClientGone(): void {
    const mask = this.#host.dropRecurringMask;
    for (const rsc of [...this.#rscs.values()]) {
      if ((rsc.callOpts & mask) === mask) this.#cancelAllRecurring(rsc, undefined);
    }
  }

  /** Registered resources. */
  snapshot(): SimResourceInfo[] {
    return [...this.#rscs.values()].map((r) => resourceInfo(r, this.#host.running.get(r.id) ?? false));
  }

  /** Forgets everything without notifying (daemon exit). Timers are cancelled by the daemon. */
  clear(): void {
    this.#rscs.clear();
  }

  #mergeDuplicate(rsc: Rsc, cmd: Cmd): boolean {
    if (cmd.intervalMs === 0) return false;
    const match = (c: Cmd) => c.intervalMs === cmd.intervalMs && same(c.action, cmd.action);
    let dup = rsc.pending.find(match);
    const pending = dup !== undefined;
    dup ??= rsc.recurring.find(match);
    if (!dup) return false;
    dup.firstNotifySent = false;
    dup.userData = cmd.userData;
    dup.callId = cmd.callId;
    if (!pending && !dup.running) {
      // waiting in its interval: run it now (services_action_kick)
      dup.timer?.cancel();
      dup.timer = undefined;
      const d = dup;
      d.timer = this.#host.timer(0, () => {
        d.timer = undefined;
        this.#runRecurring(d);
      });
    }
    return true;
  }

  #kick(rsc: Rsc): void {
    if (rsc.kick) return;
    rsc.kick = this.#host.timer(0, () => {
      rsc.kick = undefined;
      this.#dispatch(rsc);
    });
  }

  #dispatch(rsc: Rsc): void {
    if (rsc.active || this.#rscs.get(rsc.id) !== rsc) return;
    const cmd = rsc.pending[0];
    if (!cmd || cmd.delayed) return;
    rsc.pending.shift();
    rsc.active = cmd;
    cmd.tRun = nowMs();
    // the simulator's own scheduling turn is not queue time
    if (cmd.atOnce) cmd.tQueue = cmd.tRun;
    cmd.epochLastRun = nowSec();
    const script = this.#host.agents.get(agentKey(rsc.standard, rsc.provider, rsc.type));
    if (!script) {
      // services__create_resource_action failed: finalized at once, never "ran"
      const r = runAgent(undefined, rsc.type, this.#ctx(rsc, cmd));
      cmd.result = { rc: r.rc, status: r.status, exitReason: r.exitReason };
      this.#finalize(cmd);
      return;
    }
    if (cmd.intervalMs > 0) rsc.recurring.push(cmd);
    this.#start(rsc, cmd);
  }

  #start(rsc: Rsc, cmd: Cmd): void {
    const script = this.#host.agents.get(agentKey(rsc.standard, rsc.provider, rsc.type));
    let r: AgentResult & { rc: number; status: number; delayMs: number };
    try {
      r = runAgent(script, rsc.type, this.#ctx(rsc, cmd));
    } catch (err) {
      r = { rc: OcfExitCode.ERR_GENERIC, status: ExecStatus.ERROR, delayMs: 0, exitReason: `simulated agent threw: ${String(err)}` };
    }
    let delay = r.delayMs;
    let result: CmdResult = { rc: r.rc, status: r.status, exitReason: r.exitReason, output: r.output, running: r.running };
    let outcome: 'done' | 'timeout' = 'done';
    if (cmd.timeoutMs > 0 && delay > cmd.timeoutMs) {
      // the real daemon kills the agent at the timeout and words it with pcmk__readable_interval
      delay = cmd.timeoutMs;
      outcome = 'timeout';
      result = { rc: OcfExitCode.ERR_GENERIC, status: ExecStatus.TIMEOUT, exitReason: timeoutExitReason(cmd.timeoutMs) };
    }
    cmd.running = true;
    cmd.after = r.after;
    cmd.timer = this.#host.timer(delay, () => {
      cmd.timer = undefined;
      cmd.running = false;
      this.#ended(cmd, outcome);
      this.#complete(cmd, result);
    });
  }

  #ended(cmd: Cmd, outcome: 'done' | 'timeout' | 'cancelled'): void {
    const after = cmd.after;
    cmd.after = undefined;
    after?.(outcome);
  }

  #ctx(rsc: Rsc, cmd: Cmd): AgentContext {
    const host = this.#host;
    const params: Record<string, string> = Object.fromEntries(cmd.params);
    return {
      resource: rsc.id,
      agent: agentKey(rsc.standard, rsc.provider, rsc.type),
      action: cmd.action,
      intervalMs: cmd.intervalMs,
      timeoutMs: cmd.timeoutMs,
      callId: cmd.callId,
      params,
      running: this.#host.running.get(rsc.id) ?? false,
      iteration: cmd.iteration,
      node: host.nodeName,
      files: host.files,
      runTimeMs: host.runTimeMs(),
      setPromotionScore: (score) => host.promotionScore(rsc.id, score, params),
    };
  }

  /** `action_complete`. */
  #complete(cmd: Cmd, result: CmdResult): void {
    if (cmd.done) return;
    if (cmd.result.rc !== result.rc) cmd.epochRcchange = nowSec();
    cmd.result = result;
    if (result.status === ExecStatus.DONE && result.running !== undefined) {
      this.#host.running.set(cmd.rscId, result.running);
    } else if (result.status === ExecStatus.DONE && result.rc === OcfExitCode.OK) {
      const a = cmd.action.toLowerCase();
      if (a === 'start' || a === 'migrate_from' || a === 'reload-agent' || a === 'promote' || a === 'demote') this.#host.running.set(cmd.rscId, true);
      else if (a === 'stop' || a === 'migrate_to') this.#host.running.set(cmd.rscId, false);
    }
    this.#finalize(cmd);
  }

  /** `cmd_finalize`. */
  #finalize(cmd: Cmd): void {
    const rsc = this.#rscs.get(cmd.rscId);
    if (rsc && rsc.active === cmd) {
      rsc.active = undefined;
      this.#kick(rsc);
    }
    if (!rsc) cmd.rscDeleted = true;
    this.#notify(cmd);
    if (cmd.intervalMs > 0 && cmd.result.status === ExecStatus.CANCELLED) {
      this.#retire(cmd, rsc);
    } else if (cmd.intervalMs === 0) {
      this.#retire(cmd, rsc);
    } else if (!cmd.done) {
      // cmd_reset, then the service library re-arms the interval timer
      cmd.tRun = 0;
      cmd.tQueue = 0;
      cmd.epochLastRun = 0;
      // pcmk__reset_result frees the strings but keeps the exit status (the real daemon's cancel
      // notify repeats the last run's rc)
      cmd.result = { rc: cmd.result.rc, status: ExecStatus.DONE };
      cmd.iteration++;
      cmd.timer?.cancel();
      cmd.timer = this.#host.timer(cmd.intervalMs, () => {
        cmd.timer = undefined;
        this.#runRecurring(cmd);
      });
    }
  }

  #retire(cmd: Cmd, rsc: Rsc | undefined): void {
    cmd.done = true;
    cmd.timer?.cancel();
    cmd.timer = undefined;
    if (rsc) {
      rsc.pending = rsc.pending.filter((c) => c !== cmd);
      rsc.recurring = rsc.recurring.filter((c) => c !== cmd);
    }
  }

  #runRecurring(cmd: Cmd): void {
    if (cmd.done) return;
    const rsc = this.#rscs.get(cmd.rscId);
    if (!rsc || !rsc.recurring.includes(cmd)) return;
    if (rsc.active) {
      // the service library blocks ops of a busy resource: try again shortly
      cmd.timer = this.#host.timer(5, () => {
        cmd.timer = undefined;
        this.#runRecurring(cmd);
      });
      return;
    }
    this.#start(rsc, cmd);
  }

  #notify(cmd: Cmd): void {
    if (cmd.firstNotifySent && cmd.callOpts & 4) {
      if (cmd.lastNotifyRc === cmd.result.rc && cmd.lastNotifyStatus === cmd.result.status) return;
    }
    cmd.firstNotifySent = true;
    cmd.lastNotifyRc = cmd.result.rc;
    cmd.lastNotifyStatus = cmd.result.status;
    const notify = completionNotify(cmd, this.#host.legacyEscape);
    if (cmd.callOpts & 2) this.#host.notifyClient(cmd.clientId, notify);
    else this.#host.broadcast(notify);
  }

  #cancelOp(rsc: Rsc, action: string, intervalMs: number): number {
    const match = (c: Cmd) => c.intervalMs === intervalMs && same(c.action, action);
    const queued = rsc.pending.find(match);
    if (queued) {
      queued.timer?.cancel();
      queued.timer = undefined;
      queued.delayed = false;
      queued.result = { ...queued.result, status: ExecStatus.CANCELLED };
      this.#finalize(queued);
      return 0;
    }
    const rec = rsc.recurring.find(match);
    if (rec) {
      this.#cancelRecurring(rec);
      return 0;
    }
    return -95;
  }

  /** `services_action_cancel`: waiting ops complete as cancelled at once, running ones when killed. */
  #cancelRecurring(cmd: Cmd): void {
    cmd.timer?.cancel();
    cmd.timer = undefined;
    const finish = () => this.#complete(cmd, { rc: cmd.result.rc, status: ExecStatus.CANCELLED });
    if (cmd.running) {
      cmd.running = false;
      this.#ended(cmd, 'cancelled');
      cmd.timer = this.#host.timer(0, () => {
        cmd.timer = undefined;
        finish();
      });
    } else {
      finish();
    }
  }

  #cancelAllRecurring(rsc: Rsc, clientId: string | undefined): void {
    for (const cmd of [...rsc.recurring, ...rsc.pending]) {
      if (cmd.intervalMs === 0 || cmd.done) continue;
      if (clientId !== undefined && cmd.clientId !== clientId) continue;
      this.#cancelOp(rsc, cmd.action, cmd.intervalMs);
    }
  }

  /** `free_rsc`: queued ops complete as cancelled, recurring ops are cancelled (resource already removed). */
  #free(rsc: Rsc): void {
    rsc.kick?.cancel();
    rsc.kick = undefined;
    for (const cmd of rsc.pending) {
      cmd.timer?.cancel();
      cmd.timer = undefined;
      cmd.result = { ...cmd.result, status: ExecStatus.CANCELLED };
      this.#finalize(cmd);
    }
    rsc.pending = [];
    for (const cmd of [...rsc.recurring]) {
      if (cmd === rsc.active) continue; // first run still in flight: completes later with deleted=1
      this.#cancelRecurring(cmd);
    }
    rsc.recurring = [];
  }
}
