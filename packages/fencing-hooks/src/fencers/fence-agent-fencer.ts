import { isAbsolute, join } from 'node:path';
import { FencingError, FencingErrorCodes } from '../errors.js';
import { log } from '../log.js';
import type { FenceOutcome, FenceRequest, Fencer } from '../types.js';
import { assertNumber, hasControlChars } from '../validate.js';
import { buildAgentStdin, validateAgentStdinOptions, type AgentAction, type AgentStdinOptions } from './agent-stdin.js';
import { runProcess, type ProcessResult } from './run-process.js';

/** Options of {@link FenceAgentFencer}. */
export interface FenceAgentFencerOptions extends AgentStdinOptions {
  /**
   * The agent: a bare `fence_*` name, looked up in `agentDir` as Pacemaker does, or an absolute path to an
   * executable that speaks the same stdin protocol.
   */
  agent: string;
  /** Directory of bare agent names (Pacemaker's fence bindir). Default `/usr/sbin`. */
  agentDir?: string;
  /** Environment of the agent (default: the parent's). */
  env?: NodeJS.ProcessEnv;
  /** Timeout of `run()`/`monitor()`/`list()` calls that give none. Default 20 000 ms. */
  defaultTimeoutMs?: number;
  /** Cap for the stdout/stderr kept from one run (the tail is kept). Default 64 KiB. */
  maxOutputBytes?: number;
  /** Name used in logs and history. Default: the agent's base name. */
  name?: string;
}

/** The outcome of one agent run (any exit code). */
export interface AgentRunResult extends ProcessResult {
  /** The agent action run. */
  action: AgentAction;
}

/** A port reported by `list`. */
export interface AgentPort {
  port: string;
  alias?: string;
}

const AGENT_NAME = /^fence_[A-Za-z0-9_.-]{1,64}$/;

/**
 * Runs a fence agent of the fence-agents project (or anything speaking its protocol) the way Pacemaker's
 * fencer does: no shell, no arguments, options as `name=value` lines on standard input, exit code 0 =
 * success, and on timeout the agent (and its process group) is killed with SIGKILL.
 *
 * @example
 * ```ts
 * const fencer = new FenceAgentFencer({ agent: 'fence_ipmilan', params: { ip: '10.0.0.5', username: 'admin', password: 's3cret', lanplus: true }, hostArgument: 'none' });
 * await fencer.monitor();
 * ```
 */
export class FenceAgentFencer implements Fencer {
  readonly name: string;
  /** Absolute path of the agent that runs. */
  readonly agentPath: string;
  readonly #o: FenceAgentFencerOptions;
  readonly #defaultTimeoutMs: number;

  /** @throws FencingError `PCMK_FENCE_INVALID_ARGUMENT` / `PCMK_FENCE_INVALID_PARAMETER` on bad options. */
  constructor(options: FenceAgentFencerOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, 'FenceAgentFencer needs options');
    }
    const { agent } = options;
    if (typeof agent !== 'string' || hasControlChars(agent)) {
      throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, `Invalid agent ${JSON.stringify(agent)}`);
    }
    if (isAbsolute(agent)) {
      this.agentPath = agent;
    } else if (AGENT_NAME.test(agent)) {
      const dir = options.agentDir ?? '/usr/sbin';
      if (!isAbsolute(dir)) throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, 'agentDir must be an absolute path');
      this.agentPath = join(dir, agent);
    } else {
      throw new FencingError(
        FencingErrorCodes.INVALID_ARGUMENT,
        `Invalid agent ${JSON.stringify(agent)}: expected a fence_* name or an absolute path`,
      );
    }
    validateAgentStdinOptions(options);
    if (options.defaultTimeoutMs !== undefined) assertNumber(options.defaultTimeoutMs, 'defaultTimeoutMs', 1);
    if (options.maxOutputBytes !== undefined) assertNumber(options.maxOutputBytes, 'maxOutputBytes', 1, true);
    this.#o = { ...options, params: { ...(options.params ?? {}) } };
    this.#defaultTimeoutMs = options.defaultTimeoutMs ?? 20_000;
    this.name = options.name ?? this.agentPath.split('/').pop() ?? agent;
  }

  /**
   * Runs one agent action and resolves with its exit code and output, whatever the exit code.
   * Rejects with `PCMK_FENCE_TIMEOUT` (killed), `PCMK_FENCE_ABORTED`, or `PCMK_FENCE_AGENT_NOT_FOUND`.
   */
  async run(action: AgentAction, options: { target?: string; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<AgentRunResult> {
    const timeoutMs = options.timeoutMs ?? this.#defaultTimeoutMs;
    assertNumber(timeoutMs, 'timeoutMs', 1);
    const stdin = buildAgentStdin(action, options.target, this.#o);
    log('agent %s: action=%s target=%s timeout=%d ms', this.name, action, options.target ?? '-', timeoutMs);
    const result = await runProcess(this.agentPath, {
      stdin,
      timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(this.#o.env ? { env: this.#o.env } : {}),
      ...(this.#o.maxOutputBytes ? { maxOutputBytes: this.#o.maxOutputBytes } : {}),
    });
    log('agent %s: action=%s exit=%s signal=%s in %d ms', this.name, action, result.exitCode, result.signal, Math.round(result.durationMs));
    return { ...result, action };
  }

  /** {@link Fencer.fence}: runs `reboot`/`off`/`on` for the target; rejects `PCMK_FENCE_AGENT_FAILED` on a non-zero exit. */
  async fence(request: FenceRequest): Promise<FenceOutcome> {
    const result = await this.run(request.action, {
      target: request.target,
      timeoutMs: request.timeoutMs,
      signal: request.signal,
    });
    this.#check(result, request.target);
    return { exitCode: 0, stdout: result.stdout, device: this.name };
  }

  /** Runs `monitor` (is the device reachable?); rejects `PCMK_FENCE_AGENT_FAILED` unless it exits 0. */
  async monitor(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    this.#check(await this.run('monitor', options));
  }

  /** Runs `list` and parses its `port,alias` lines; rejects `PCMK_FENCE_AGENT_FAILED` unless it exits 0. */
  async list(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<AgentPort[]> {
    const result = await this.run('list', options);
    this.#check(result);
    return result.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length > 0 && l !== 'N/A')
      .map((l) => {
        const [port = '', alias] = l.split(',');
        return alias ? { port, alias } : { port };
      });
  }

  #check(result: AgentRunResult, target?: string): void {
    if (result.exitCode === 0) return;
    const stderr = result.stderr.trim().slice(-2000);
    throw new FencingError(
      FencingErrorCodes.AGENT_FAILED,
      `${this.name} ${result.action}${target ? ` of ${target}` : ''} failed with exit code ${result.exitCode ?? result.signal}${
        stderr ? `: ${stderr.split('\n').filter(Boolean).pop() ?? ''}` : ''
      }`,
      {
        details: {
          action: result.action,
          exitCode: result.exitCode,
          signal: result.signal,
          stderr,
          ...(target ? { target } : {}),
        },
      },
    );
  }
}
