import { FencingError, FencingErrorCodes } from '../errors.js';
import { log } from '../log.js';
import type { FenceAction, FenceOutcome, FenceRequest, Fencer } from '../types.js';
import { assertNodeName, assertNumber, hasControlChars } from '../validate.js';
import { runProcess } from './run-process.js';

/** Options of {@link StonithAdminFencer}. */
export interface StonithAdminFencerOptions {
  /** The command: `stonith_admin` (looked up in `PATH` of `env`) or an absolute path. */
  command?: string;
  /** Environment (default: the parent's). Its `PATH` is used to find a bare command name. */
  env?: NodeJS.ProcessEnv;
  /** `--tag` identifying our requests in Pacemaker's logs. Default `pcmk-remote`; `null` to omit. */
  tag?: string | null;
  /** `--tolerance` in seconds: do nothing if an equivalent fence succeeded this recently. */
  toleranceSec?: number;
  /** `--delay` in seconds (added to any configured `pcmk_delay_*`). */
  delaySec?: number;
}

/** `stonith_admin` exit code for a timeout (`CRM_EX_TIMEOUT`). */
const CRM_EX_TIMEOUT = 124;

/** The `stonith_admin` option for each fence action (there is no `--off`/`--on`: they are `--fence`/`--unfence`). */
export const STONITH_ADMIN_FLAGS: Readonly<Record<FenceAction, string>> = {
  reboot: '--reboot',
  off: '--fence',
  on: '--unfence',
};

/**
 * Delegates fencing to a real Pacemaker cluster's fencer with `stonith_admin --reboot|--fence|--unfence
 * NODE --timeout SECONDS [--tag T] [--tolerance S] [--delay S]`. The cluster picks the device and topology;
 * exit code 0 = success.
 */
export class StonithAdminFencer implements Fencer {
  readonly name = 'stonith_admin';
  readonly #o: StonithAdminFencerOptions;

  /** @throws FencingError `PCMK_FENCE_INVALID_ARGUMENT` on bad options. */
  constructor(options: StonithAdminFencerOptions = {}) {
    const command = options.command ?? 'stonith_admin';
    if (typeof command !== 'string' || command.length === 0 || hasControlChars(command) || command.startsWith('-')) {
      throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, `Invalid command ${JSON.stringify(command)}`);
    }
    if (options.tag !== undefined && options.tag !== null && (typeof options.tag !== 'string' || !/^[A-Za-z0-9_.:@-]{1,64}$/.test(options.tag))) {
      throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, `Invalid tag ${JSON.stringify(options.tag)}`);
    }
    if (options.toleranceSec !== undefined) assertNumber(options.toleranceSec, 'toleranceSec', 0, true);
    if (options.delaySec !== undefined) assertNumber(options.delaySec, 'delaySec', 0, true);
    this.#o = { ...options, command };
  }

  /** The argv (without the command) for a request; exposed for logging and tests. */
  args(request: Pick<FenceRequest, 'target' | 'action' | 'timeoutMs'>): string[] {
    assertNodeName(request.target, 'fence target');
    const flag = STONITH_ADMIN_FLAGS[request.action];
    if (!flag) throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, `Invalid fence action ${JSON.stringify(request.action)}`);
    const args = [flag, request.target, '--timeout', String(Math.max(1, Math.floor(request.timeoutMs / 1000)))];
    const tag = this.#o.tag === undefined ? 'pcmk-remote' : this.#o.tag;
    if (tag !== null) args.push('--tag', tag);
    if (this.#o.toleranceSec !== undefined) args.push('--tolerance', String(this.#o.toleranceSec));
    if (this.#o.delaySec !== undefined) args.push('--delay', String(this.#o.delaySec));
    return args;
  }

  /** {@link Fencer.fence}: runs `stonith_admin`; rejects `PCMK_FENCE_AGENT_FAILED` (or `_TIMEOUT` for exit 124). */
  async fence(request: FenceRequest): Promise<FenceOutcome> {
    const args = this.args(request);
    const command = this.#o.command!;
    log('stonith_admin: %s %s', command, args.join(' '));
    const result = await runProcess(command, {
      args,
      timeoutMs: request.timeoutMs,
      signal: request.signal,
      ...(this.#o.env ? { env: this.#o.env } : {}),
    });
    log('stonith_admin: exit=%s signal=%s in %d ms', result.exitCode, result.signal, Math.round(result.durationMs));
    if (result.exitCode === 0) return { exitCode: 0, stdout: result.stdout, device: 'stonith_admin' };
    const stderr = result.stderr.trim().slice(-2000);
    const last = stderr.split('\n').filter(Boolean).pop();
    throw new FencingError(
      result.exitCode === CRM_EX_TIMEOUT ? FencingErrorCodes.TIMEOUT : FencingErrorCodes.AGENT_FAILED,
      `stonith_admin ${args[0]} ${request.target} failed with exit code ${result.exitCode ?? result.signal}${last ? `: ${last}` : ''}`,
      { details: { target: request.target, action: request.action, exitCode: result.exitCode, signal: result.signal, stderr } },
    );
  }
}
