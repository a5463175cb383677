/**
 * Integer and port values read the way Pacemaker 2.1.5 reads them.
 *
 * - `atoi` (C): optional leading whitespace, optional sign, digits; anything after is ignored, no digits is
 *   0. The controller reads the `port` of a remote connection this way (`controld_remote_ra.c`), and a port
 *   of 0 means the default, 3121 (`lrmd__new`).
 * - `pcmk__scan_min_int`: `strtoll` with a default when no digits are found, clipped to a minimum.
 */

/** Pacemaker Remote's default TCP port (`DEFAULT_REMOTE_PORT`). */
export const DEFAULT_REMOTE_PORT = 3121;

const INT_PREFIX = /^[ \t\n\v\f\r]*([+-]?)(\d+)/;

/** C `atoi` on a string (saturating rather than overflowing); `undefined` in, 0 out. */
export function atoi(text: string | undefined): number {
  if (text === undefined) return 0;
  const m = INT_PREFIX.exec(text);
  if (m === null) return 0;
  const n = Number(m[2]);
  const v = m[1] === '-' ? -n : n;
  if (v > 2147483647) return 2147483647;
  if (v < -2147483648) return -2147483648;
  return v;
}

/** `pcmk__scan_min_int`: the integer prefix of `text` (or `minimum` when none), at least `minimum`. */
export function scanMinInt(text: string | undefined, minimum: number): number {
  if (text === undefined) return minimum;
  const m = INT_PREFIX.exec(text);
  if (m === null) return minimum;
  const n = Number(m[2]);
  const v = m[1] === '-' ? -n : n;
  if (v < minimum) return minimum;
  return Math.min(v, 2147483647);
}

/** Result of {@link readPort}. */
export interface PortReading {
  /** The port the controller connects to. */
  port: number;
  /** `ok`: a plain number 1-65535 (or unset). `lenient`: Pacemaker reads a number out of text that is not
   * one (e.g. `3121x`). `invalid`: no usable port (0, garbage, out of range); `port` is then 3121. */
  quality: 'ok' | 'lenient' | 'invalid';
}

/**
 * A remote connection port as the controller uses it: `atoi(text)`, 0 meaning 3121. Values outside
 * 1-65535 cannot be connected to; they are reported `invalid` and replaced by the default.
 */
export function readPort(text: string | undefined): PortReading {
  if (text === undefined) return { port: DEFAULT_REMOTE_PORT, quality: 'ok' };
  const n = atoi(text);
  if (n === 0) return { port: DEFAULT_REMOTE_PORT, quality: 'invalid' };
  if (n < 0 || n > 65535) return { port: DEFAULT_REMOTE_PORT, quality: 'invalid' };
  return { port: n, quality: /^\d+$/.test(text) ? 'ok' : 'lenient' };
}
