/**
 * `pcmk-remote probe HOST[:PORT]`: step-by-step diagnosis of one pacemaker-remoted.
 *
 * Safe mode (the default) stops before the TLS handshake completes (see `probe-handshake.ts`): TCP, then
 * whether the daemon answers a TLS 1.2 PSK ClientHello with a suite we support. `--full` completes the
 * handshake with the key, registers, pokes and queries the executor; it can make a cluster that owns the
 * node drop it ("unexpected client takeover"), so it prints a warning first.
 *
 * Exit codes: 0 every step succeeded; 1 the target answered but a check failed (TLS refused: wrong key or
 * no cipher in common, protocol refused, poke unanswered, malformed answer); 2 usage error, local problem
 * (key file missing, unreadable, insecure) or the target never answered (DNS, refused, TCP timeout,
 * silence after the ClientHello).
 */
import { ErrorCodes, RemoteConnError, isRemoteConnError } from '@pcmk-remote/remote-conn';
import { RemoteSession } from '@pcmk-remote/remote-conn';
import { defaultRemotePort } from '@pcmk-remote/remote-conn';
import { DEFAULT_AUTHKEY_PATH, loadAuthKey } from '@pcmk-remote/remote-conn';
import { openTransport, selectEngine } from '@pcmk-remote/remote-conn/internal';
import { NODE_TLS_MAX_PSK_BYTES } from '@pcmk-remote/remote-conn';
import { parseCliDuration } from './duration.js';
import { parseHostPort } from './format.js';
import { ExitCode, type CliIo } from './io.js';
import { probeServerHello } from './probe-handshake.js';
import { probeExitCode, probeHint } from './probe-hints.js';

/** Options of `probe` as the command line gives them. */
export interface ProbeCliOptions {
  key?: string;
  timeout?: string;
  json?: boolean;
  full?: boolean;
}

/** Options of {@link probe}. */
export interface ProbeOptions {
  host: string;
  port: number;
  /** Key file for `--full` (default `$PCMK_authkey_location`, else /etc/pacemaker/authkey). */
  keyFile?: string;
  /** Budget of the connection (and of each request in `--full`), ms. */
  timeoutMs: number;
  /** Complete the handshake, register, poke (may disturb a cluster that owns the node). */
  full: boolean;
}

/** One step of a probe. */
export interface ProbeStep {
  /** `key`, `tcp`, `tls-hello` (safe mode), `tls`, `register`, `poke`, `executor`. */
  step: string;
  ok: boolean;
  /** Time taken, ms (absent for local steps and failed steps of unknown length). */
  ms?: number;
  /** What was found. */
  detail?: Record<string, unknown>;
  error?: { code: string; message: string };
  hint?: string;
}

/** The result of a probe. */
export interface ProbeReport {
  host: string;
  port: number;
  mode: 'safe' | 'full';
  ok: boolean;
  /** 0, 1 or 2 (see the module documentation). */
  exitCode: number;
  /** Whether we completed a TLS handshake with the daemon (never in safe mode). */
  handshakeCompleted: boolean;
  steps: ProbeStep[];
  /** What was not checked, and why. */
  note?: string;
}

/** The text `--full` prints (stderr) before it connects. */
export const FULL_PROBE_WARNING =
  'WARNING: --full completes the TLS handshake and registers with the daemon. If a Pacemaker cluster owns this ' +
  'node, its controller sees an "unexpected client takeover", drops its connection and may fence the node. ' +
  'Use --full only on nodes no live cluster manages.';

/** The note of a safe-mode probe. */
export const SAFE_PROBE_NOTE =
  'TLS handshake stopped early on purpose (after the server\'s hello, before our key exchange): the key, ' +
  'registration, poke and executor were NOT checked. Use --full for those, only on a node no live cluster ' +
  'owns (a completed handshake makes the owning cluster drop the node, which may be fenced).';

const round = (ms: number) => Math.round(ms * 10) / 10;

function asConnError(err: unknown): RemoteConnError {
  if (isRemoteConnError(err)) return err;
  return new RemoteConnError(ErrorCodes.PROTOCOL_ERROR, (err as Error)?.message ?? String(err), { cause: err });
}

function failedStep(step: string, err: RemoteConnError, ctx: Parameters<typeof probeHint>[1], ms?: number): ProbeStep {
  const s: ProbeStep = { step, ok: false, error: { code: err.code, message: err.message } };
  if (ms !== undefined) s.ms = round(ms);
  const hint = probeHint(err, ctx);
  if (hint) s.hint = hint;
  return s;
}

async function safeProbe(o: ProbeOptions, steps: ProbeStep[]): Promise<ProbeReport> {
  const report: ProbeReport = { host: o.host, port: o.port, mode: 'safe', ok: false, exitCode: 0, handshakeCompleted: false, steps };
  const ctx = { port: o.port, safe: true };
  let tcpOk = false;
  const started = performance.now();
  try {
    const r = await probeServerHello({
      host: o.host,
      port: o.port,
      timeoutMs: o.timeoutMs,
      onTcpConnected: (info) => {
        tcpOk = true;
        steps.push({ step: 'tcp', ok: true, ms: round(info.ms), detail: { remote: `${info.remoteAddress ?? o.host}:${o.port}`, local: `${info.localAddress ?? '?'}:${info.localPort ?? '?'}` } });
      },
    });
    const detail: Record<string, unknown> = {
      version: r.version,
      suite: r.suite,
      extendedMasterSecret: r.extendedMasterSecret,
      secureRenegotiation: r.secureRenegotiation,
      serverHelloDone: r.helloDone,
      stoppedBefore: 'ClientKeyExchange',
    };
    if (r.dhBits !== undefined) detail.dhBits = r.dhBits;
    if (r.identityHint !== undefined) detail.identityHint = r.identityHint;
    steps.push({ step: 'tls-hello', ok: true, ms: round(r.helloMs), detail });
    report.ok = true;
    report.note = SAFE_PROBE_NOTE;
  } catch (err) {
    const e = asConnError(err);
    const step = tcpOk ? 'tls-hello' : 'tcp';
    steps.push(failedStep(step, e, ctx, tcpOk ? undefined : performance.now() - started));
    report.exitCode = probeExitCode(e);
    report.note = 'safe mode: the TLS handshake was not completed; the key, registration, poke and executor were not checked.';
  }
  return report;
}

async function fullProbe(o: ProbeOptions, steps: ProbeStep[]): Promise<ProbeReport> {
  const report: ProbeReport = { host: o.host, port: o.port, mode: 'full', ok: false, exitCode: 0, handshakeCompleted: false, steps };
  let key: Buffer;
  const ctx: Parameters<typeof probeHint>[1] = { port: o.port, safe: false, ...(o.keyFile ? { keyFile: o.keyFile } : {}) };
  try {
    key = await loadAuthKey(o.keyFile);
  } catch (err) {
    const e = asConnError(err);
    steps.push(failedStep('key', e, ctx));
    report.exitCode = probeExitCode(e);
    return report;
  }
  ctx.keyBytes = key.length;
  const engine = selectEngine({ key });
  steps.push({
    step: 'key',
    ok: true,
    detail: {
      path: String((o.keyFile ?? process.env.PCMK_authkey_location) || DEFAULT_AUTHKEY_PATH),
      bytes: key.length,
      engine,
      ...(engine === 'js-tls12' ? { note: `over ${NODE_TLS_MAX_PSK_BYTES} bytes: the built-in TLS 1.2 engine is used (Node's TLS stops at ${NODE_TLS_MAX_PSK_BYTES})` } : {}),
    },
  });

  const started = performance.now();
  let tcpAt: number | undefined;
  let tlsAt: number | undefined;
  let session: RemoteSession | undefined;
  try {
    session = await RemoteSession.connect({
      host: o.host,
      port: o.port,
      key,
      connectTimeoutMs: o.timeoutMs,
      requestTimeoutMs: o.timeoutMs,
      clientName: 'pcmk-remote-probe',
      ipcProvider: false,
      connector: async (opts) => {
        const t = await openTransport({
          ...opts,
          onTcpConnected: () => {
            tcpAt = performance.now();
            steps.push({ step: 'tcp', ok: true, ms: round(tcpAt - started), detail: { remote: `${o.host}:${o.port}` } });
            opts.onTcpConnected?.();
          },
        });
        tlsAt = performance.now();
        report.handshakeCompleted = true;
        const i = t.info;
        steps.push({ step: 'tls', ok: true, ms: round(tlsAt - (tcpAt ?? started)), detail: { version: i.protocol, suite: i.cipher, engine: i.engine, auth: i.auth } });
        return t;
      },
    });
  } catch (err) {
    const e = asConnError(err);
    const step = tcpAt === undefined ? 'tcp' : tlsAt === undefined ? 'tls' : 'register';
    const since = step === 'tcp' ? started : step === 'tls' ? (tcpAt as number) : (tlsAt as number);
    // A timeout in the TLS phase counts as silence (exit 2) only before the handshake had any answer; from
    // the session we cannot tell, so a TLS-phase timeout is reported as unreachable.
    steps.push(failedStep(step, e, ctx, performance.now() - since));
    report.exitCode = probeExitCode(e);
    return report;
  }
  try {
    const d = session.daemon;
    steps.push({
      step: 'register',
      ok: true,
      ms: round(session.timings.registerMs),
      detail: {
        protocolVersion: d.protocolVersion,
        ...(d.uptimeS !== undefined ? { daemonUptimeS: d.uptimeS } : {}),
        ...(d.nodeStartState !== undefined ? { nodeStartState: d.nodeStartState } : {}),
        pacemakerVersion: 'not sent by the daemon (the register reply carries the executor protocol version only)',
      },
    });
    let step = 'poke';
    try {
      const p = await session.poke({ timeoutMs: o.timeoutMs });
      steps.push({ step: 'poke', ok: true, ms: round(p.rttMs), detail: { rttMs: round(p.rttMs) } });
      step = 'executor';
      const t0 = performance.now();
      const ops = await session.recurringOps(undefined, { timeoutMs: o.timeoutMs });
      steps.push({
        step: 'executor',
        ok: true,
        ms: round(performance.now() - t0),
        detail: {
          recurringOps: ops.length,
          agents: 'not countable remotely: listing agents is not an operation of the executor protocol (Pacemaker lists them locally on the node)',
        },
      });
      report.ok = true;
    } catch (err) {
      const e = asConnError(err);
      steps.push(failedStep(step, e, ctx));
      report.exitCode = probeExitCode(e);
    }
  } finally {
    await session.close().catch(() => undefined);
  }
  return report;
}

/** Runs a probe and returns its report (never throws for target failures). */
export async function probe(o: ProbeOptions): Promise<ProbeReport> {
  const steps: ProbeStep[] = [];
  const report = o.full ? await fullProbe(o, steps) : await safeProbe(o, steps);
  if (report.ok) report.exitCode = ExitCode.OK;
  return report;
}

function describe(s: ProbeStep): string {
  const d = s.detail ?? {};
  switch (s.step) {
    case 'tcp':
      return `connected to ${String(d.remote)}${d.local ? ` from ${String(d.local)}` : ''}`;
    case 'tls-hello':
      return `the daemon answers a TLS 1.2 PSK hello: ${String(d.version)} ${String(d.suite)}${d.dhBits ? `, ${String(d.dhBits)}-bit DH` : ''}${d.extendedMasterSecret ? ', extended master secret' : ''}; stopped before the key exchange`;
    case 'key':
      return `${String(d.path)}: ${String(d.bytes)} bytes, TLS engine ${String(d.engine)}${d.note ? ` (${String(d.note)})` : ''}`;
    case 'tls':
      return `${String(d.version)} ${String(d.suite)} (engine ${String(d.engine)}, ${String(d.auth)})`;
    case 'register':
      return `executor protocol ${String(d.protocolVersion)}${d.daemonUptimeS !== undefined ? `, daemon up ${String(d.daemonUptimeS)} s` : ''}${d.nodeStartState ? `, start state ${String(d.nodeStartState)}` : ''}`;
    case 'poke':
      return `round trip ${String(d.rttMs)} ms`;
    case 'executor':
      return `${String(d.recurringOps)} recurring operation(s); agents: not countable over the wire`;
    default:
      return JSON.stringify(d);
  }
}

/** Renders a report as text. */
export function renderProbeReport(r: ProbeReport): string {
  const lines = [`probe ${r.host}:${r.port} (${r.mode === 'safe' ? 'safe mode: the TLS handshake is not completed' : 'full'})`];
  for (const s of r.steps) {
    const ms = s.ms === undefined ? '' : `${s.ms.toFixed(1)} ms`;
    const head = `  ${(s.ok ? 'ok' : 'FAIL').padEnd(5)} ${s.step.padEnd(10)} ${ms.padStart(9)}  `;
    if (s.ok) lines.push(head + describe(s));
    else {
      lines.push(`${head}${s.error?.code}: ${s.error?.message}`);
      if (s.hint) lines.push(`${' '.repeat(head.length)}hint: ${s.hint}`);
    }
  }
  if (r.note) lines.push(r.note);
  lines.push(r.ok ? 'result: ok (exit 0)' : `result: failed at step ${r.steps.at(-1)?.step ?? '?'} (exit ${r.exitCode})`);
  return `${lines.join('\n')}\n`;
}

/** Runs `probe` for the command line; resolves with the exit code. */
export async function runProbe(target: string, o: ProbeCliOptions, io: CliIo): Promise<number> {
  let options: ProbeOptions;
  try {
    if (!target || target.trim() === '') throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, 'probe needs HOST[:PORT]');
    const { host, port } = parseHostPort(target.trim(), defaultRemotePort());
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `invalid port in ${JSON.stringify(target)}`);
    const timeoutMs = parseCliDuration(o.timeout, '--timeout') ?? 10_000;
    if (timeoutMs < 1) throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, '--timeout must be positive');
    options = { host, port, timeoutMs, full: !!o.full, ...(o.key ? { keyFile: o.key } : {}) };
  } catch (err) {
    const e = asConnError(err);
    io.stderr.write(`pcmk-remote probe: ${e.message} [${e.code}]\n`);
    return ExitCode.USAGE_OR_UNREACHABLE;
  }
  if (options.full) io.stderr.write(`${FULL_PROBE_WARNING}\n`);
  const report = await probe(options);
  io.stdout.write(o.json ? `${JSON.stringify(report)}\n` : renderProbeReport(report));
  return report.exitCode;
}
