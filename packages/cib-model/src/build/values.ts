/**
 * Argument checks shared by the builders. Every failure is a {@link CibModelError} with code
 * `PCMK_CIB_INVALID_ARGUMENT`.
 *
 * @packageDocumentation
 */
import { CibModelError, CibModelErrorCodes } from '../errors.js';
import { tryParseDuration } from '../parse/duration.js';
import { isValidId } from './ids.js';

/**
 * A duration argument: a Pacemaker duration string (`"30s"`, `"1m"`, `"500ms"`, `"PT1M"`; written to the
 * CIB as given) or a number of milliseconds (written as `"<n>s"` when whole seconds, else `"<n>ms"`).
 */
export type DurationInput = string | number;

function invalid(message: string): CibModelError {
  return new CibModelError(CibModelErrorCodes.INVALID_ARGUMENT, message);
}

/**
 * Checks a duration argument and returns the text to write to the CIB.
 * @param what name of the argument, for the message
 * @param iso8601 whether Pacemaker reads this field with `crm_parse_interval_spec` (ISO 8601 allowed)
 */
export function durationText(what: string, value: DurationInput, iso8601: boolean): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw invalid(`${what} must be a whole, non-negative number of milliseconds, got ${value}`);
    }
    return value % 1000 === 0 ? `${value / 1000}s` : `${value}ms`;
  }
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalid(`${what} must be a Pacemaker duration such as "30s" or a number of milliseconds`);
  }
  const ms = tryParseDuration(value, { iso8601 });
  if (ms === undefined) {
    throw invalid(`${what} is not a valid Pacemaker duration: ${JSON.stringify(value)}`);
  }
  return value;
}

/** Checks a TCP port (an integer 1-65535, or its decimal text) and returns it as text. */
export function portText(what: string, value: number | string): string {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^[0-9]{1,5}$/.test(text)) {
    throw invalid(`${what} must be a port number (1-65535), got ${JSON.stringify(value)}`);
  }
  const n = Number(text);
  if (n < 1 || n > 65535) throw invalid(`${what} must be a port number (1-65535), got ${n}`);
  return String(n);
}

/**
 * Characters no XML 1.0 document can hold, not even as a character reference (`&#1;` is as malformed as
 * a raw U+0001 for libxml2, which Pacemaker uses, and for `parseCib`): C0 controls other than tab, newline
 * and carriage return, U+FFFE, U+FFFF and unpaired surrogates.
 */
const NOT_XML = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Checks that a string can be written to the CIB and read back (see {@link NOT_XML}). */
export function xmlText(what: string, value: string): string {
  const bad = NOT_XML.exec(value);
  if (bad) {
    const code = (bad[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0');
    throw invalid(`${what} contains U+${code} at offset ${bad.index}, a character XML cannot represent`);
  }
  return value;
}

/** Checks a non-empty string without surrounding whitespace problems (pcs strips before checking). */
export function nonEmpty(what: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalid(`${what} must be a non-empty string`);
  }
  return xmlText(what, value);
}

/**
 * The longest node name the builders write. Node names are host names in practice (at most 253
 * characters); a longer one is a mistake, and names far beyond this (libxml2 refuses names over 50,000
 * characters) would make documents Pacemaker cannot load.
 */
export const MAX_NODE_NAME_LENGTH = 255;

/**
 * Checks the name of a new remote or guest node: it becomes a CIB id (the connection resource of a remote
 * node; the implicit one of a guest node), so it must be a valid id, and at most
 * {@link MAX_NODE_NAME_LENGTH} characters. One rule for both kinds of node.
 */
export function nodeName(what: string, value: unknown): string {
  const name = nonEmpty(what, value);
  if (!isValidId(name)) {
    throw invalid(`Invalid node name ${JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}...` : name)}: it is used as a CIB id and must match [A-Za-z_][A-Za-z0-9_.-]*`);
  }
  if (name.length > MAX_NODE_NAME_LENGTH) {
    throw invalid(`Invalid node name: ${name.length} characters, more than ${MAX_NODE_NAME_LENGTH}`);
  }
  return name;
}

/** Checks an optional host/address argument. */
export function optionalHost(what: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || /\s/.test(value)) {
    throw invalid(`${what} must be a non-empty host name or address without whitespace, got ${JSON.stringify(value)}`);
  }
  return xmlText(what, value);
}

/** Checks a `Record<string, string>` of attribute names and values. */
export function attributeRecord(what: string, value: unknown): Array<[string, string]> {
  if (value === undefined) return [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`${what} must be an object of string names to string values`);
  }
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === '' || typeof v !== 'string') {
      throw invalid(`${what}: ${JSON.stringify(k)} must be a non-empty name with a string value`);
    }
    out.push([xmlText(`${what}: the name ${JSON.stringify(k)}`, k), xmlText(`${what}.${k}`, v)]);
  }
  return out;
}
