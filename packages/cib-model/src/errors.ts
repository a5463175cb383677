/**
 * The error family of `@pcmk-remote/cib-model`.
 *
 * Every error this package throws is a {@link CibModelError} with a stable {@link CibModelErrorCode} in
 * `code`. Match on `code`, not on the message. `instanceof` works across duplicate installs of the package
 * (the class is branded with a `Symbol.for` key).
 *
 * Problems found in a well-formed CIB are not thrown: `validate()` returns them as diagnostics.
 *
 * @packageDocumentation
 */

/** Stable error codes. */
export const CibModelErrorCodes = {
  /** The input is not well-formed XML, or not a string. */
  XML_PARSE: 'PCMK_CIB_XML_PARSE',
  /** The XML is well-formed but is not a CIB (the root is not `<cib>`, or a required section is missing). */
  NOT_A_CIB: 'PCMK_CIB_NOT_A_CIB',
  /** The input exceeds the parser's limits (size, nesting depth). */
  TOO_LARGE: 'PCMK_CIB_TOO_LARGE',
  /** An argument is invalid (a duration that does not parse, a bad port, an empty name, ...). */
  INVALID_ARGUMENT: 'PCMK_CIB_INVALID_ARGUMENT',
  /** A builder refused a change because it would break a rule (name already used, resource not found, ...). */
  CONFLICT: 'PCMK_CIB_CONFLICT',
  /** A builder was asked to change something that does not exist. */
  NOT_FOUND: 'PCMK_CIB_NOT_FOUND',
  /** `@pcmk-remote/cib-model/live`: the live cluster's CIB could not be read (tool missing, failed, timed out) or the source is closed. */
  LIVE_SOURCE: 'PCMK_CIB_LIVE_SOURCE',
} as const;

/** One of the values of {@link CibModelErrorCodes}. */
export type CibModelErrorCode = (typeof CibModelErrorCodes)[keyof typeof CibModelErrorCodes];

const brand = Symbol.for('pcmk-remote.cib-model.error');

/** Base class of every error raised by this package. */
export class CibModelError extends Error {
  /** Stable machine-readable code. */
  readonly code: CibModelErrorCode;
  /** Ids of the CIB elements concerned, when known. */
  readonly ids: readonly string[];

  constructor(code: CibModelErrorCode, message: string, options: { cause?: unknown; ids?: readonly string[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CibModelError';
    this.code = code;
    this.ids = options.ids ?? [];
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}
Object.defineProperty(CibModelError.prototype, brand, { value: true });

/** True when `err` is a {@link CibModelError}, optionally with the given code. */
export function isCibModelError(err: unknown, code?: CibModelErrorCode): err is CibModelError {
  return err instanceof CibModelError && (code === undefined || err.code === code);
}
