/**
 * Pacemaker's `pcmk__readable_interval()` (2.1.x): how the daemon words durations in exit reasons such as
 * `Resource agent did not complete within 20s`. Each unit is used only when the remainder is strictly
 * greater than one of it, so 1000 ms reads `1000ms` and 60 000 ms reads `60s` (as the real daemon words them).
 */
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

/** `20000` → `20s`, `1500` → `1.500s`, `1000` → `1000ms`, `150000` → `2m30s`, `0` → `0s`. */
export function readableInterval(ms: number): string {
  let rest = Math.max(0, Math.floor(ms));
  let out = '';
  for (const [unit, size] of [['d', D], ['h', H], ['m', M]] as const) {
    if (rest > size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  if (rest > S) {
    out += String(Math.floor(rest / S));
    rest %= S;
    if (rest > 0) out += `.${String(rest).padStart(3, '0')}`;
    out += 's';
  } else if (rest > 0) {
    out += `${rest}ms`;
  } else if (out === '') {
    out = '0s';
  }
  return out;
}

/** The exit reason the real daemon gives an operation that ran past its timeout. */
export function timeoutExitReason(timeoutMs: number): string {
  return `Resource agent did not complete within ${readableInterval(timeoutMs)}`;
}
