/**
 * Pacemaker's scheduler regression CIBs (`../shared/cts-scheduler`, beside the repository), the oracle input
 * of several suites. They are looked up when a test runs, never while mocha loads the files: without them,
 * each suite that needs them fails with {@link ctsMissingMessage}, and everything else still runs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The directory, beside the repository root (`PCMK_CTS_DIR` overrides it: the test of the missing case). */
export const CTS_DIR = process.env.PCMK_CTS_DIR ?? resolve(import.meta.dirname, '../../../shared/cts-scheduler');

/** The number of CIBs in the set. */
export const CTS_FILE_COUNT = 108;

/** What a suite reports when the directory is missing. */
export const ctsMissingMessage = `The cts-scheduler CIBs are missing: expected ${CTS_FILE_COUNT} .xml files in ${CTS_DIR} (../shared/cts-scheduler beside the repository)`;

/** The file names (sorted). @throws Error {@link ctsMissingMessage} when the directory is missing or empty */
export function ctsFiles(): string[] {
  const files = existsSync(CTS_DIR) ? readdirSync(CTS_DIR).filter((f) => f.endsWith('.xml')).sort() : [];
  if (files.length === 0) throw new Error(ctsMissingMessage);
  return files;
}

/** The file names, or none when the directory is missing (for suites that declare one test per file). */
export function ctsFilesIfPresent(): string[] {
  return existsSync(CTS_DIR) ? readdirSync(CTS_DIR).filter((f) => f.endsWith('.xml')).sort() : [];
}

/** The path of one file. @throws Error {@link ctsMissingMessage} when the directory is missing */
export function ctsPath(name: string): string {
  if (!existsSync(CTS_DIR)) throw new Error(ctsMissingMessage);
  return join(CTS_DIR, name);
}

/** The text of one file. @throws Error {@link ctsMissingMessage} when the directory is missing */
export function ctsFile(name: string): string {
  return readFileSync(ctsPath(name), 'utf8');
}
