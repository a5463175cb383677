/**
 * `ocf:pacemaker:Dummy` as Pacemaker 2.1.5 ships it, action by action (rc, exit reason, output, duration),
 * so that a controller sees the same results from a simulated node as from a real one:
 *
 * - `fake`, `passwd`: reloadable parameters without effect (a change makes the controller reload the agent);
 * - `op_sleep`: start, stop, monitor, migrate_* and reload-agent sleep that many seconds; while one sleeps a
 *   `.serialized` marker exists, and an op that times out leaves it behind, so the next sleeping monitor
 *   fails with `alternate universe collision` until a stop clears it; a value that is not an integer makes
 *   the shell complain (`[: Illegal number`) and skips the sleep;
 * - `fail_start_on`: start, migrate_from and reload-agent fail (rc 1) on the node of that name, yet the
 *   resource runs (later monitors find it running);
 * - `envfile`: every call appends its environment to that file;
 * - `state`: accepted (the simulator keeps the state per resource).
 */
import { OcfExitCode } from '@pcmk-remote/remote-conn/protocol';
import type { AgentContext, AgentResult, AgentScript } from './agents.js';
import { agentPath, dumpEnv, exitReasonOutput, stateFile } from './ocf-shell.js';

/** The meta-data of `ocf:pacemaker:Dummy` 2.1.5 (the state default for `resource`). */
export function dummyMetadata(resource = 'RESOURCE_ID'): string {
  const p = (name: string, reloadable: boolean, longdesc: string, shortdesc: string, def: string, extra = '') =>
    `<parameter name="${name}"${extra}${reloadable ? ' reloadable="1"' : ''}>
<longdesc lang="en">
${longdesc}
</longdesc>
<shortdesc lang="en">${shortdesc}</shortdesc>
<content type="string" default="${def}" />
</parameter>
`;
  return `<?xml version="1.0"?>
<resource-agent name="Dummy" version="2.1">
<version>1.1</version>

<longdesc lang="en">
This is a dummy OCF resource agent. It does absolutely nothing except keep track
of whether it is running or not, and can be configured so that actions fail or
take a long time. Its purpose is primarily for testing, and to serve as a
template for resource agent writers.
</longdesc>
<shortdesc lang="en">Example stateless resource agent</shortdesc>

<parameters>
${p('state', false, 'Location to store the resource state in.', 'State file', `/run/Dummy-${resource}.state`, ' unique-group="state"')}
${p('passwd', true, 'Fake password field', 'Password', '')}
${p('fake', true, 'Fake attribute that can be changed to cause an agent reload', 'Fake attribute that can be changed to cause an agent reload', 'dummy')}
${p(
  'op_sleep',
  true,
  'Number of seconds to sleep during operations.  This can be used to test how\nthe cluster reacts to operation timeouts.',
  'Operation sleep duration in seconds.',
  '0',
)}
${p(
  'fail_start_on',
  true,
  'Start, migrate_from, and reload-agent actions will return failure if running on\nthe host specified here, but the resource will run successfully anyway (future\nmonitor calls will find it running). This can be used to test on-fail=ignore.',
  'Report bogus start failure on specified host',
  '',
)}
${p('envfile', true, 'If this is set, the environment will be dumped to this file for every call.', 'Environment dump file', '')}
</parameters>

<actions>
<action name="start"        timeout="20s" />
<action name="stop"         timeout="20s" />
<action name="monitor"      timeout="20s" interval="10s" depth="0"/>
<action name="reload"       timeout="20s" />
<action name="reload-agent" timeout="20s" />
<action name="migrate_to"   timeout="20s" />
<action name="migrate_from" timeout="20s" />
<action name="validate-all" timeout="20s" />
<action name="meta-data"    timeout="5s" />
</actions>
</resource-agent>
`;
}

/** The meta-data XML of the simulated Dummy agent. */
export const DUMMY_METADATA = dummyMetadata();

function usage(ctx: AgentContext): string {
  return `usage: ${agentPath(ctx)} {start|stop|monitor|reload|reload-agent|migrate_to|migrate_from|validate-all|meta-data}\n\nExpects to have a fully populated OCF RA-compliant environment set.\n`;
}

/** One run of the script, built up as the shell would execute it. */
class Run {
  rc: number = OcfExitCode.OK;
  sleepMs = 0;
  exitReason: string | undefined;
  output = '';
  running: boolean | undefined;
  /** Whether this run holds the `.serialized` marker while it sleeps. */
  holdsMarker = false;

  constructor(readonly ctx: AgentContext) {}

  get marker(): string {
    return `${stateFile(this.ctx, 'Dummy')}.serialized`;
  }

  /** `dummy_monitor [--force]`: rc 0 or 7 (or 1 on a collision). */
  monitor(force: boolean): number {
    const raw = this.ctx.params.op_sleep ?? '0';
    const trimmed = raw.trim();
    if (!/^[+-]?\d+$/.test(trimmed)) {
      // `[ $OCF_RESKEY_op_sleep -ne 0 ]` is an error (status 2): no sleep
      this.output += `${agentPath(this.ctx)}: 199: [: Illegal number: ${raw}\n`;
    } else if (Number.parseInt(trimmed, 10) !== 0) {
      if (!force && this.ctx.files.has(this.marker)) {
        this.exitReason = 'alternate universe collision';
        this.output += exitReasonOutput(this.exitReason);
        return OcfExitCode.ERR_GENERIC;
      }
      this.ctx.files.set(this.marker, '');
      this.holdsMarker = true;
      this.sleepMs += Math.max(0, Number.parseInt(trimmed, 10)) * 1000;
    }
    return this.isRunning() ? OcfExitCode.OK : OcfExitCode.NOT_RUNNING;
  }

  isRunning(): boolean {
    return this.running ?? this.ctx.running;
  }

  start(): number {
    const failHere = this.ctx.params.fail_start_on !== undefined && this.ctx.params.fail_start_on === this.ctx.node;
    const rc = this.monitor(false);
    if (rc === OcfExitCode.OK) return failHere ? OcfExitCode.ERR_GENERIC : rc;
    // not running, or a collision (its exit reason stays): `touch` the state file either way
    this.running = true;
    return failHere ? OcfExitCode.ERR_GENERIC : OcfExitCode.OK;
  }

  stop(): number {
    if (this.monitor(true) === OcfExitCode.OK) this.running = false;
    // `rm -f` of the marker: the stop clears a marker a timed-out op left behind
    this.ctx.files.delete(this.marker);
    this.holdsMarker = false;
    return OcfExitCode.OK;
  }

  validate(): number {
    const v = this.ctx.params.op_sleep ?? '0';
    return v === '' || /[0-9]/.test(v) ? OcfExitCode.OK : OcfExitCode.ERR_CONFIGURED;
  }

  result(): AgentResult {
    const r: AgentResult = { rc: this.rc, delayMs: this.ctx.runTimeMs + this.sleepMs };
    if (this.exitReason !== undefined) r.exitReason = this.exitReason;
    if (this.output !== '') r.output = this.output;
    if (this.running !== undefined) r.running = this.running;
    if (this.holdsMarker) {
      // the marker goes with the sleep that completes; a killed (timed-out) run leaves it
      const files = this.ctx.files;
      const marker = this.marker;
      r.after = (outcome) => {
        if (outcome === 'done') files.delete(marker);
      };
    }
    return r;
  }
}

/** Runs one Dummy action. */
export function runDummy(ctx: AgentContext): AgentResult {
  dumpEnv(ctx);
  const run = new Run(ctx);
  switch (ctx.action) {
    case 'meta-data':
      return { rc: OcfExitCode.OK, output: dummyMetadata(ctx.resource), delayMs: ctx.runTimeMs };
    case 'start':
    case 'migrate_from':
    case 'reload-agent':
      run.rc = run.start();
      break;
    case 'stop':
    case 'migrate_to':
      run.rc = run.stop();
      break;
    case 'monitor':
      run.rc = run.monitor(false);
      break;
    case 'reload':
      run.rc = OcfExitCode.OK;
      break;
    case 'validate-all':
      run.rc = run.validate();
      break;
    case 'usage':
    case 'help':
      run.output = usage(ctx);
      run.rc = OcfExitCode.OK;
      break;
    default:
      run.output = usage(ctx);
      run.rc = OcfExitCode.ERR_UNIMPLEMENTED;
  }
  return run.result();
}

/** The Dummy agent script (every action goes through {@link runDummy}). */
export function dummyAgent(): AgentScript {
  return { '*': runDummy };
}
