import { FencingError, FencingErrorCodes } from './errors.js';
import { FENCE_ACTIONS, type FenceAction } from './types.js';

// Control characters (C0, DEL, C1): never allowed in names that end up in argv or on an agent's stdin.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Throws unless `name` is a plausible node name (non-empty, ≤ 255 chars, no control chars, no leading `-`). */
export function assertNodeName(name: unknown, what = 'node name'): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255 || CONTROL.test(name) || name.startsWith('-')) {
    throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, `Invalid ${what}: ${JSON.stringify(name)}`);
  }
}

/** Throws unless `action` is one of {@link FENCE_ACTIONS}. */
export function assertFenceAction(action: unknown): asserts action is FenceAction {
  if (!FENCE_ACTIONS.includes(action as FenceAction)) {
    throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, `Invalid fence action ${JSON.stringify(action)} (expected reboot, off or on)`);
  }
}

/** Throws unless `value` is a finite number ≥ `min` (and an integer when asked). */
export function assertNumber(value: unknown, what: string, min = 0, integer = false): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new FencingError(FencingErrorCodes.INVALID_ARGUMENT, `${what} must be a${integer ? 'n integer' : ' number'} ≥ ${min}, got ${String(value)}`);
  }
}

/** True when `text` holds a control character. */
export function hasControlChars(text: string): boolean {
  return CONTROL.test(text);
}
