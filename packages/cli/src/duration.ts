/**
 * Durations of CLI options (`--timeout`, `--duration`, `--reconnect-interval`, ...).
 *
 * Stricter than Pacemaker's own parser (`parseDuration` of `@pcmk-remote/cib-model`, which reads `10sxyz` as
 * 10 s and `1.5s` as 1 s, as `crm_get_msec` does): a command line typo is an error here, never a guess.
 */
import { ErrorCodes, RemoteConnError } from '@pcmk-remote/remote-conn';

const UNITS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/**
 * Parses `500ms`, `10s`, `1.5s`, `1m`, `2min`, `1h`, or a bare number of seconds, into milliseconds
 * (rounded to a whole millisecond). `undefined` stays `undefined` (an option that was not given).
 *
 * @param what the option name, for the error message
 * @throws RemoteConnError `INVALID_ARGUMENT` for anything else (negative, empty, unknown unit, NaN)
 */
export function parseCliDuration(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const factor = m ? UNITS[(m[2] || 's').toLowerCase()] : undefined;
  if (!m || factor === undefined) {
    throw new RemoteConnError(
      ErrorCodes.INVALID_ARGUMENT,
      `${what}: cannot parse duration ${JSON.stringify(text)} (use e.g. 500ms, 10s, 1.5s, 5m, 1h; a bare number is seconds)`,
    );
  }
  const ms = Math.round(Number(m[1]) * factor);
  if (!Number.isSafeInteger(ms) || ms > 2 ** 31 - 1) {
    throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `${what}: duration ${JSON.stringify(text)} is too long`);
  }
  return ms;
}

/** Like {@link parseCliDuration}, for an option with a default. */
export function cliDuration(text: string | undefined, what: string, fallbackMs: number): number {
  return parseCliDuration(text, what) ?? fallbackMs;
}
