/**
 * `ocf:pacemaker:Stateful` as Pacemaker 2.1.5 ships it: a promotable agent whose state (absent,
 * `Unpromoted`, `Promoted`) lives in a state file on the node, and which sets its promotion score with
 * `crm_attribute --promotion` (5 when unpromoted, 10 when promoted, deleted on stop).
 *
 * Setting the score goes through {@link StatefulAgentOptions.setPromotionScore} (default: the daemon's,
 * which emits `promotion-score`, calls `SimulatedRemoteDaemon.promotionScoreHook` and, with an IPC provider
 * connected, sends the `crm_attribute --promotion` traffic a real node sends through the daemon's IPC
 * proxy to the node's owner). Each such call costs another `runTimeMs`, as the real agent forks
 * `crm_attribute`.
 */
import { OcfExitCode } from '@pcmk-remote/remote-conn/protocol';
import type { AgentContext, AgentResult, AgentScript } from './agents.js';
import { agentPath, dumpEnv, stateFile } from './ocf-shell.js';

/** Promotion score of an unpromoted instance. */
export const SCORE_UNPROMOTED = 5;
/** Promotion score of a promoted instance. */
export const SCORE_PROMOTED = 10;

/** Options of {@link statefulAgent}. */
export interface StatefulAgentOptions {
  /**
   * Sets (a number) or deletes (`undefined`) the promotion score of `ctx.resource` on `ctx.node`, where
   * the real agent runs `crm_attribute --promotion -v SCORE` / `-D`. Default: `ctx.setPromotionScore`.
   */
  setPromotionScore?: (ctx: AgentContext, score: number | undefined) => void;
}

/** The meta-data of `ocf:pacemaker:Stateful` 2.1.5. */
export function statefulMetadata(resource = 'RESOURCE_ID'): string {
  return `<?xml version="1.0"?>
<resource-agent name="Stateful" version="1.2">
<version>1.1</version>

<longdesc lang="en">
This is an example resource agent that implements Promoted and Unpromoted roles
</longdesc>
<shortdesc lang="en">Example stateful resource agent</shortdesc>

<parameters>

<parameter name="state" unique-group="state">
<longdesc lang="en">
Location to store the resource state in
</longdesc>
<shortdesc lang="en">State file</shortdesc>
<content type="string" default="/run/Stateful-${resource}.state" />
</parameter>

<parameter name="envfile" reloadable="1">
<longdesc lang="en">
If this is set, the environment will be dumped to this file for every call.
</longdesc>
<shortdesc lang="en">Environment dump file</shortdesc>
<content type="string" default="" />
</parameter>

<parameter name="notify_delay" reloadable="1">
<longdesc lang="en">
The notify action will sleep for this many seconds before returning,
to simulate a long-running notify.
</longdesc>
<shortdesc lang="en">Notify delay in seconds</shortdesc>
<content type="string" default="" />
</parameter>

</parameters>

<actions>
<action name="start"   timeout="20s" />
<action name="stop"    timeout="20s" />
<action name="monitor" depth="0" timeout="20s" interval="10s" role="Promoted"/>
<action name="monitor" depth="0" timeout="20s" interval="11s" role="Unpromoted"/>
<action name="promote" timeout="10s" />
<action name="demote"  timeout="10s" />
<action name="notify"  timeout="5s" />
<action name="meta-data"  timeout="5s" />
<action name="reload-agent"  timeout="10s" />
<action name="validate-all"  timeout="30s" />
</actions>
</resource-agent>
`;
}

function usage(ctx: AgentContext): string {
  return `Usage: ${agentPath(ctx)} <action>\n\nwhere <action> is one of: meta-data validate-all start stop monitor\n                          promote demote notify reload-agent\n\nThis conforms to the OCF Resource Agent API version 1.1, and expects\nto have OCF-compliant environment variables provided.\n`;
}

type Role = 'Promoted' | 'Unpromoted';

/** The Stateful agent script. */
export function statefulAgent(options: StatefulAgentOptions = {}): AgentScript {
  const run = (ctx: AgentContext): AgentResult => {
    dumpEnv(ctx);
    const file = stateFile(ctx, 'Stateful');
    const role = ctx.files.get(file) as Role | undefined;
    let delayMs = ctx.runTimeMs;
    const score = (value: number | undefined) => {
      delayMs += ctx.runTimeMs;
      (options.setPromotionScore ?? ((c, v) => c.setPromotionScore(v)))(ctx, value);
    };
    const write = (r: Role) => ctx.files.set(file, r);
    const done = (rc: number, extra: Partial<AgentResult> = {}): AgentResult => {
      const now = ctx.files.get(file);
      return { rc, delayMs, running: now !== undefined, ...extra };
    };
    switch (ctx.action) {
      case 'meta-data':
        return { rc: OcfExitCode.OK, output: statefulMetadata(ctx.resource), delayMs };
      case 'start':
        if (role === 'Promoted') return done(OcfExitCode.RUNNING_PROMOTED);
        write('Unpromoted');
        score(SCORE_UNPROMOTED);
        return done(OcfExitCode.OK);
      case 'demote':
        if (role === undefined) return done(OcfExitCode.NOT_RUNNING);
        write('Unpromoted');
        score(SCORE_UNPROMOTED);
        return done(OcfExitCode.OK);
      case 'promote':
        if (role === undefined) return done(OcfExitCode.NOT_RUNNING);
        write('Promoted');
        score(SCORE_PROMOTED);
        return done(OcfExitCode.OK);
      case 'stop':
        score(undefined);
        if (role === 'Promoted') return done(OcfExitCode.RUNNING_PROMOTED);
        ctx.files.delete(file);
        return done(OcfExitCode.OK);
      case 'monitor':
        if (role === 'Promoted') {
          if (ctx.intervalMs === 0) score(SCORE_PROMOTED); // probes restore the score
          return done(OcfExitCode.RUNNING_PROMOTED);
        }
        if (role === 'Unpromoted') {
          if (ctx.intervalMs === 0) score(SCORE_UNPROMOTED);
          return done(OcfExitCode.OK);
        }
        return done(OcfExitCode.NOT_RUNNING);
      case 'notify': {
        const s = Number.parseInt(ctx.params.notify_delay ?? '0', 10);
        if (Number.isFinite(s) && s > 0) delayMs += s * 1000;
        return done(OcfExitCode.OK);
      }
      case 'validate-all':
      case 'reload-agent':
        return done(OcfExitCode.OK);
      case 'usage':
      case 'help':
        return done(OcfExitCode.OK, { output: usage(ctx) });
      default:
        return done(OcfExitCode.ERR_UNIMPLEMENTED, { output: usage(ctx) });
    }
  };
  return { '*': run };
}
