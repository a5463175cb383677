/**
 * What the OCF shell agents of Pacemaker share: the agent path, `ocf_exit_reason` output, the environment
 * an agent sees and the `envfile` dump of `ocf:pacemaker:Dummy` and `ocf:pacemaker:Stateful`.
 */
import { appendFileSync } from 'node:fs';
import type { AgentContext } from './agents.js';

/** `OCF_ROOT` of a Debian/Red Hat install. */
export const OCF_ROOT = '/usr/lib/ocf';

/** The path the executor runs for `ocf:<provider>:<type>`. */
export function agentPath(ctx: AgentContext): string {
  const [, provider, type] = ctx.agent.split(':');
  return `${OCF_ROOT}/resource.d/${provider ?? 'pacemaker'}/${type ?? ''}`;
}

/** `ocf_exit_reason` writes the reason with this prefix to stderr, which the executor captures as output too. */
export function exitReasonOutput(reason: string): string {
  return `ocf-exit-reason:${reason}\n`;
}

/** The OCF part of the environment the executor gives an agent (`env | sort` of the agent shows these). */
export function ocfEnvironment(ctx: AgentContext): string[] {
  const [, provider, type] = ctx.agent.split(':');
  const env: Record<string, string> = {
    OCF_EXIT_REASON_PREFIX: 'ocf-exit-reason:',
    OCF_RA_VERSION_MAJOR: '1',
    OCF_RA_VERSION_MINOR: '1',
    OCF_RESOURCE_INSTANCE: ctx.resource,
    OCF_RESOURCE_TYPE: type ?? '',
    OCF_ROOT,
  };
  if (provider) env.OCF_RESOURCE_PROVIDER = provider;
  for (const [k, v] of Object.entries(ctx.params)) env[`OCF_RESKEY_${k}`] = v;
  return Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .sort();
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `date` in the C locale, UTC (`Mon Dec  7 03:07:00 UTC 2026`). */
export function cDate(d = new Date()): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/**
 * `dump_env` of Dummy and Stateful: with the `envfile` parameter set, every call appends
 * `### <action> @ <date> ###`, the sorted environment and `###` to that file (on the machine running the
 * simulator, which is the simulated node's file system). A file that cannot be written is skipped, as the
 * shell's failed redirection is.
 */
export function dumpEnv(ctx: AgentContext): void {
  const file = ctx.params.envfile;
  if (!file) return;
  try {
    appendFileSync(file, `### ${ctx.action} @ ${cDate()} ###\n${['LC_ALL=C', ...ocfEnvironment(ctx)].sort().join('\n')}\n###\n`);
  } catch {
    /* like `>> file` failing: the agent goes on */
  }
}

/** The state file a Dummy/Stateful instance uses by default: the clone suffix is dropped unless globally unique. */
export function stateFile(ctx: AgentContext, type: string): string {
  const given = ctx.params.state;
  if (given) return given;
  const path = `/run/${type}-${ctx.resource}.state`;
  return ctx.params.CRM_meta_globally_unique === 'true' ? path : path.replace(/:[0-9]+\.state$/, '.state');
}
