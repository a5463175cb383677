/**
 * Validation of a parsed CIB.
 * @packageDocumentation
 */
export { validateCib } from './validate.js';
