/**
 * Durations as Pacemaker 2.1.5 parses them.
 *
 * - `crm_get_msec` (timeouts, intervals): optional leading whitespace, digits (a fractional part is
 *   truncated, as `strtoll` stops at the dot), optional whitespace, then a unit matched by case-insensitive
 *   prefix: `ms`/`msec`, `us`/`usec`, `s`/`sec`, `m`/`min`, `h`/`hr`; no unit means seconds.
 * - `crm_parse_interval_spec` (e.g. `reconnect_interval`): the above, or an ISO 8601 duration when the
 *   value starts with `P` (`P10S`, `PT1M`, `P1DT2H`; the `T` only separates months from minutes).
 *
 * Pacemaker turns an unparsable value into a warning and a fallback; this module reports it instead:
 * {@link parseDuration} throws a typed error, {@link tryParseDuration} returns `undefined`. Never NaN.
 */
import { CibModelError, CibModelErrorCodes } from '../errors.js';

/** Options of {@link parseDuration}. */
export interface DurationOptions {
  /** Unit of a bare number. Pacemaker's time fields take seconds. Default `'s'`. */
  defaultUnit?: 'ms' | 's';
  /** Accept ISO 8601 durations (`P...`), as interval fields do. Default `true`. */
  iso8601?: boolean;
}

const WHITESPACE = ' \t\n\r\f';
const DAY_S = 86_400;

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function parseIso(text: string): number | undefined {
  if (text.length < 2 || WHITESPACE.includes(text[1] as string)) return undefined;
  let seconds = 0;
  let defined = false;
  let isTime = false;
  let i = 1;
  while (i < text.length && text[i] !== '/' && !WHITESPACE.includes(text[i] as string)) {
    if (text[i] === 'T') { isTime = true; i++; continue; }
    const start = i;
    if (text[i] === '-' || text[i] === '+') i++;
    while (isDigit(text[i])) i++;
    if (i === start || !isDigit(text[i - 1])) return undefined;
    const n = Number(text.slice(start, i));
    switch (text[i]) {
      case 'Y': seconds += n * 365 * DAY_S; break;
      case 'M': seconds += isTime ? n * 60 : n * 30 * DAY_S; break;
      case 'W': seconds += n * 7 * DAY_S; break;
      case 'D': seconds += n * DAY_S; break;
      case 'H': seconds += n * 3600; break;
      case 'S': seconds += n; break;
      default: return undefined;
    }
    defined = true;
    i++;
  }
  if (!defined || seconds < 0) return undefined;
  return seconds * 1000;
}

function parseMsec(text: string, defaultUnit: 'ms' | 's'): number | undefined {
  let i = 0;
  while (i < text.length && WHITESPACE.includes(text[i] as string)) i++;
  const numStart = i;
  while (i < text.length && (isDigit(text[i]) || text[i] === '.')) i++;
  if (i === numStart) return undefined;
  const numText = text.slice(numStart, i);
  while (i < text.length && WHITESPACE.includes(text[i] as string)) i++;
  const units = text.slice(i).toLowerCase();
  let multiplier = defaultUnit === 's' ? 1000 : 1;
  let divisor = 1;
  if (units.startsWith('ms')) multiplier = 1;
  else if (units.startsWith('us')) { multiplier = 1; divisor = 1000; }
  else if (units.startsWith('s')) multiplier = 1000;
  else if (units.startsWith('m')) multiplier = 60_000;
  else if (units.startsWith('h')) multiplier = 3_600_000;
  else if (units !== '' && units[0] !== '\n' && units[0] !== '\r') return undefined;
  const intPart = /^\d+/.exec(numText);
  if (!intPart) return undefined; // ".5s": strtoll reads nothing
  const n = Number(intPart[0]);
  if (!Number.isSafeInteger(n * multiplier)) return undefined;
  return Math.trunc((n * multiplier) / divisor);
}

/**
 * Parses a Pacemaker duration into milliseconds, or returns `undefined` when Pacemaker would reject it.
 *
 * @example tryParseDuration('1m') === 60000; tryParseDuration('P10S') === 10000; tryParseDuration('x') === undefined
 */
export function tryParseDuration(text: string, options: DurationOptions = {}): number | undefined {
  if (typeof text !== 'string') return undefined;
  if (text[0] === 'P') return options.iso8601 === false ? undefined : parseIso(text);
  return parseMsec(text, options.defaultUnit ?? 's');
}

/**
 * Parses a Pacemaker duration into milliseconds.
 *
 * @throws {@link CibModelError} `PCMK_CIB_INVALID_ARGUMENT` when the value does not parse.
 */
export function parseDuration(text: string, options: DurationOptions = {}): number {
  const ms = tryParseDuration(text, options);
  if (ms === undefined) {
    throw new CibModelError(CibModelErrorCodes.INVALID_ARGUMENT, `Not a valid duration: ${JSON.stringify(text)}`);
  }
  return ms;
}
