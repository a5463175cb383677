/**
 * Scripted resource agents of the simulated daemon. An agent is a table from action name to a fixed result
 * or a function of the call context. The defaults, `ocf:pacemaker:Dummy` and `ocf:pacemaker:Stateful`,
 * behave like the real agents (dummy-agent.ts, stateful-agent.ts).
 */
import { ErrorCodes, RemoteConnError } from '@pcmk-remote/remote-conn/protocol';
import { ExecStatus, OcfExitCode } from '@pcmk-remote/remote-conn/protocol';
import { dummyAgent } from './dummy-agent.js';
import { statefulAgent } from './stateful-agent.js';

/** The result of one agent run. */
export interface AgentResult {
  /** OCF exit code (default 0). */
  rc?: number;
  /** Execution status (default 0, done). Use 2 for a timeout, 1 for cancelled, 7 for not installed... */
  status?: number;
  /** How long the run takes, in ms (default 0). Longer than the op timeout gives a timeout result. */
  delayMs?: number;
  /** `lrmd_rsc_exit_reason`. */
  exitReason?: string;
  /** Agent output (`lrmd_rsc_output`). */
  output?: string;
  /**
   * Whether the resource runs once the action completed (applied only when it completes, not on a timeout
   * or cancel). Default: successful start / migrate_from / reload-agent / promote / demote mean running,
   * stop / migrate_to not running.
   */
  running?: boolean;
  /** Called when the run ends: `done` (completed), `timeout` (killed at the op timeout) or `cancelled`. */
  after?: (outcome: 'done' | 'timeout' | 'cancelled') => void;
}

/** What a scripted action sees. */
export interface AgentContext {
  /** Resource id. */
  resource: string;
  /** Agent key, e.g. `ocf:pacemaker:Dummy`. */
  agent: string;
  action: string;
  intervalMs: number;
  timeoutMs: number;
  callId: number;
  /** Parameters sent with the op (`<attributes>`). */
  params: Readonly<Record<string, string>>;
  /** Whether the simulator believes the resource runs (set by successful start/stop, or `setRunning`). */
  running: boolean;
  /** How many times this op has run (0 on the first run; recurring ops count up). */
  iteration: number;
  /** The simulated node's name (its `uname -n`). */
  node: string;
  /**
   * The node's files (state files, markers), path → content; kept across daemon restarts like a disk.
   */
  files: Map<string, string>;
  /**
   * How long a fork and exec of the agent takes on this node for this run, ms (the daemon's
   * `agentRunTimeMs`). The built-in agents take this long for every action (plus their sleeps).
   */
  runTimeMs: number;
  /**
   * Sets (a number) or deletes (`undefined`) the resource's promotion score on this node, as
   * `crm_attribute --promotion` does on a real node (see `SimulatedRemoteDaemon.promotionScoreHook`).
   */
  setPromotionScore(score: number | undefined): void;
}

/** One action's script: a fixed result, or a function of the context. */
export type ActionScript = AgentResult | ((ctx: AgentContext) => AgentResult);

/**
 * An agent: action name → script. `*` is the fallback for actions without their own entry; without one,
 * such actions complete with rc 3 (unimplemented), as an OCF agent's usage branch does. Successful
 * (rc 0) start / migrate_from / reload-agent mark the resource running, stop / migrate_to not running.
 */
export type AgentScript = Record<string, ActionScript>;

/** Key of an agent for a resource definition: `class:provider:type`, or `class:type` without provider. */
export function agentKey(standard: string, provider: string | undefined, type: string): string {
  return provider ? `${standard}:${provider}:${type}` : `${standard}:${type}`;
}

/**
 * The agents a simulated daemon knows. Resources whose agent is not here behave like a missing agent on
 * the real daemon: registration succeeds, every exec completes with rc 5, status 7 and the exit reason
 * `<type>: No such file or directory`.
 */
export class AgentRegistry {
  readonly #agents = new Map<string, AgentScript>();

  constructor(withDefaults = true) {
    if (withDefaults) this.reset();
  }

  /** Installs (or replaces) an agent, e.g. `set('ocf:pacemaker:Dummy', {...})`. Returns this. */
  set(key: string, script: AgentScript): this {
    if (typeof key !== 'string' || !key.includes(':')) {
      throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `agent key must look like "ocf:pacemaker:Dummy", got ${JSON.stringify(key)}`);
    }
    if (typeof script !== 'object' || script === null) {
      throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'agent script must be an object of action scripts');
    }
    this.#agents.set(key, script);
    return this;
  }

  /** The script of an agent, if installed. */
  get(key: string): AgentScript | undefined {
    return this.#agents.get(key);
  }

  has(key: string): boolean {
    return this.#agents.has(key);
  }

  /** Removes an agent (its resources then fail like a missing agent). */
  delete(key: string): boolean {
    return this.#agents.delete(key);
  }

  /** Installed agent keys. */
  keys(): string[] {
    return [...this.#agents.keys()];
  }

  /** Back to the defaults: `ocf:pacemaker:Dummy`, `ocf:heartbeat:Dummy` and `ocf:pacemaker:Stateful`. */
  reset(): void {
    this.#agents.clear();
    this.#agents.set('ocf:pacemaker:Dummy', dummyAgent());
    this.#agents.set('ocf:heartbeat:Dummy', dummyAgent());
    this.#agents.set('ocf:pacemaker:Stateful', statefulAgent());
  }
}

/** Runs an agent script for one action; the result of a missing agent when `script` is undefined. */
export function runAgent(script: AgentScript | undefined, type: string, ctx: AgentContext): Required<Pick<AgentResult, 'rc' | 'status' | 'delayMs'>> & AgentResult {
  if (!script) {
    return { rc: OcfExitCode.ERR_INSTALLED, status: ExecStatus.NOT_INSTALLED, delayMs: 0, exitReason: `${type}: No such file or directory` };
  }
  const entry = script[ctx.action] ?? script['*'];
  if (entry === undefined) return { rc: OcfExitCode.ERR_UNIMPLEMENTED, status: ExecStatus.DONE, delayMs: 0 };
  const r = typeof entry === 'function' ? entry(ctx) : entry;
  const out: Required<Pick<AgentResult, 'rc' | 'status' | 'delayMs'>> & AgentResult = {
    rc: r.rc ?? OcfExitCode.OK,
    status: r.status ?? ExecStatus.DONE,
    delayMs: Math.max(0, r.delayMs ?? 0),
  };
  if (r.exitReason !== undefined) out.exitReason = r.exitReason;
  if (r.output !== undefined) out.output = r.output;
  if (r.running !== undefined) out.running = r.running;
  if (r.after !== undefined) out.after = r.after;
  return out;
}
