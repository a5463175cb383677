import { FencingError, FencingErrorCodes } from '../errors.js';
import type { FenceAction } from '../types.js';
import { assertNodeName, hasControlChars } from '../validate.js';

/** Every action a fence agent of the fence-agents project understands (FenceAgentAPI). */
export type AgentAction = FenceAction | 'status' | 'monitor' | 'list' | 'list-status' | 'metadata' | 'validate-all';

/** The agent actions, for validation. */
export const AGENT_ACTIONS: readonly AgentAction[] = [
  'reboot',
  'off',
  'on',
  'status',
  'monitor',
  'list',
  'list-status',
  'metadata',
  'validate-all',
];

/** A device parameter value; booleans are written `1`/`0`. */
export type AgentParamValue = string | number | boolean;

/** How the target and device parameters are put on the agent's standard input. */
export interface AgentStdinOptions {
  /** Device parameters (`ip`, `username`, `password`, `status_file`...), as in the stonith resource. */
  params?: Readonly<Record<string, AgentParamValue>>;
  /**
   * Parameter that receives the target (Pacemaker's `pcmk_host_argument`). Default `plug` (fence-agents
   * also accept `port`). `none`: the target is only passed as `nodename`.
   */
  hostArgument?: string;
  /** Target name → device port/plug (Pacemaker's `pcmk_host_map`). Unmapped targets are passed as is. */
  hostMap?: Readonly<Record<string, string>>;
  /** Replacement agent action per fence action (Pacemaker's `pcmk_reboot_action`, `pcmk_off_action`...). */
  actionMap?: Readonly<Partial<Record<FenceAction, string>>>;
}

const PARAM_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const ACTION_NAME = /^[a-z][a-z-]{0,31}$/;

function invalid(message: string): FencingError {
  return new FencingError(FencingErrorCodes.INVALID_PARAMETER, message);
}

/** Checks a parameter value and renders it for a `name=value` line. */
function renderValue(name: string, value: unknown): string {
  let text: string;
  if (typeof value === 'boolean') text = value ? '1' : '0';
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else if (typeof value === 'string') text = value;
  else throw invalid(`Parameter ${name} must be a string, a finite number or a boolean`);
  // A newline would inject another option line; other control characters have no business there either.
  if (/[\r\n\0]/.test(text)) throw invalid(`Parameter ${name} must not contain line breaks or NUL`);
  return text;
}

/**
 * Validates stdin options once (at construction), throwing `PCMK_FENCE_INVALID_PARAMETER` on the first
 * problem: bad names, values with line breaks, and parameters Pacemaker itself owns (`action`, `nodename`,
 * `pcmk_*`, `crm_meta*`), which the fencer sets or filters out.
 */
export function validateAgentStdinOptions(options: AgentStdinOptions): void {
  const params = options.params ?? {};
  if (typeof params !== 'object' || params === null) throw invalid('params must be an object');
  for (const [name, value] of Object.entries(params)) {
    if (!PARAM_NAME.test(name)) throw invalid(`Invalid parameter name ${JSON.stringify(name)}`);
    const lower = name.toLowerCase();
    if (lower === 'action' || lower === 'nodename') {
      throw invalid(`Parameter ${name} is set by the fencer for each request and cannot be configured`);
    }
    if (lower.startsWith('pcmk_') || lower.startsWith('crm_meta')) {
      throw invalid(`Parameter ${name} is a Pacemaker option, not an agent parameter; use the fencer's options instead`);
    }
    renderValue(name, value);
  }
  const host = options.hostArgument;
  if (host !== undefined && host !== 'none' && !PARAM_NAME.test(host)) {
    throw invalid(`Invalid hostArgument ${JSON.stringify(host)}`);
  }
  for (const [target, port] of Object.entries(options.hostMap ?? {})) {
    if (typeof port !== 'string' || port.length === 0 || hasControlChars(port) || hasControlChars(target)) {
      throw invalid(`Invalid hostMap entry for ${JSON.stringify(target)}`);
    }
  }
  for (const [action, replacement] of Object.entries(options.actionMap ?? {})) {
    if (typeof replacement !== 'string' || !ACTION_NAME.test(replacement)) {
      throw invalid(`Invalid actionMap entry ${action} → ${JSON.stringify(replacement)}`);
    }
  }
}

/**
 * Builds the agent's standard input the way Pacemaker's fencer does (`make_args()` in
 * `lib/fencing/st_actions.c`, written by `pipe_in_action_stdin_parameters()`): one `name=value` line each
 * for `action` (after `actionMap`), and when there is a target, `nodename=<target>` plus
 * `<hostArgument>=<mapped target>` (unless `hostArgument` is `none` or the parameter is configured with a
 * value other than `dynamic`), then every device parameter.
 */
export function buildAgentStdin(action: AgentAction, target: string | undefined, options: AgentStdinOptions): string {
  if (!AGENT_ACTIONS.includes(action)) {
    throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, `Invalid agent action ${JSON.stringify(action)}`);
  }
  const params = options.params ?? {};
  const lines: string[] = [];
  const mapped = (options.actionMap as Partial<Record<string, string>> | undefined)?.[action] ?? action;
  lines.push(`action=${mapped}`);
  const hostArg = options.hostArgument ?? 'plug';
  let hostConfigured = false;
  if (target !== undefined) {
    assertNodeName(target, 'fence target');
    lines.push(`nodename=${target}`);
    if (hostArg !== 'none') {
      const configured = params[hostArg];
      if (configured === undefined || (typeof configured === 'string' && configured.toLowerCase() === 'dynamic')) {
        lines.push(`${hostArg}=${options.hostMap?.[target] ?? target}`);
        hostConfigured = true;
      }
    }
  }
  for (const [name, value] of Object.entries(params)) {
    if (hostConfigured && name === hostArg) continue; // replaced by the target ("dynamic")
    lines.push(`${name}=${renderValue(name, value)}`);
  }
  return lines.join('\n') + '\n';
}
