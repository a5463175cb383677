/**
 * Scripted resource agents of the simulated daemon. An agent is a table from action name to a fixed result
 * or a function of the call context. The default `ocf:pacemaker:Dummy` behaves like the real one: it
 * tracks whether the resource runs, so `monitor` gives 0 after `start` and 7 after `stop`.
 */
import { ErrorCodes, RemoteConnError } from '@pcmk-remote/remote-conn/protocol';
import { ExecStatus, OcfExitCode } from '@pcmk-remote/remote-conn/protocol';

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

/** The meta-data XML of the simulated Dummy agent (shortened from the real one). */
export const DUMMY_METADATA = `<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="Dummy" version="2.0">
<version>1.1</version>
<longdesc lang="en">
This is a dummy OCF resource agent. It does absolutely nothing except keep track
of whether it is running or not, and can be configured so that actions fail or
take a long time. Its purpose is primarily for testing, and to serve as a
template for resource agent writers.
</longdesc>
<shortdesc lang="en">Example stateless resource agent</shortdesc>
<parameters>
<parameter name="state" unique-group="state">
<longdesc lang="en">Location to store the resource state in.</longdesc>
<shortdesc lang="en">State file</shortdesc>
<content type="string" default="/run/resource-agents/Dummy-RESOURCE_ID.state" />
</parameter>
<parameter name="fake" reloadable="1">
<longdesc lang="en">Fake parameter that can be changed to force a reload.</longdesc>
<shortdesc lang="en">Fake attribute that can be changed to cause a reload</shortdesc>
<content type="string" default="dummy" />
</parameter>
</parameters>
<actions>
<action name="start"        timeout="20s" />
<action name="stop"         timeout="20s" />
<action name="monitor"      timeout="20s" interval="10s" depth="0"/>
<action name="reload"       timeout="20s" />
<action name="reload-agent" timeout="20s" />
<action name="migrate_to"   timeout="20s" />
<action name="migrate_from" timeout="20s" />
<action name="validate-all" timeout="20s" depth="0" />
<action name="meta-data"    timeout="5s" />
</actions>
</resource-agent>
`;

/** Like the real Dummy: its internal monitor sleeps `op_sleep` whole seconds (default 0). */
function opSleep(ctx: AgentContext): number {
  const s = Number.parseInt(ctx.params.op_sleep ?? '0', 10);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 0;
}

/**
 * The default Dummy agent, like Pacemaker's `ocf:pacemaker:Dummy` (2.1.5): start/stop track state,
 * monitor reports it (0 or 7), meta-data prints XML; start, stop, monitor, migrate_* and reload-agent
 * first sleep `op_sleep` seconds; unknown actions give 3 (unimplemented).
 */
export function dummyAgent(): AgentScript {
  const slow = (ctx: AgentContext): AgentResult => ({ rc: OcfExitCode.OK, delayMs: opSleep(ctx) });
  return {
    start: slow,
    stop: slow,
    monitor: (ctx) => ({ rc: ctx.running ? OcfExitCode.OK : OcfExitCode.NOT_RUNNING, delayMs: opSleep(ctx) }),
    migrate_to: slow,
    migrate_from: slow,
    'reload-agent': slow,
    reload: { rc: OcfExitCode.OK },
    'validate-all': { rc: OcfExitCode.OK },
    'meta-data': { rc: OcfExitCode.OK, output: DUMMY_METADATA },
    '*': { rc: OcfExitCode.ERR_UNIMPLEMENTED },
  };
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

  /** Back to the defaults: `ocf:pacemaker:Dummy` and `ocf:heartbeat:Dummy`. */
  reset(): void {
    this.#agents.clear();
    this.#agents.set('ocf:pacemaker:Dummy', dummyAgent());
    this.#agents.set('ocf:heartbeat:Dummy', dummyAgent());
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
  return out;
}
