/**
 * Runs every mocha suite of the workspace in one process and prints mocha's summary followed by a plain
 * `mocha: N passed, N failed, N skipped` line that CI reads.
 *
 * Usage: node --conditions=source --import tsx scripts/run-mocha.ts [--exclude-real | --only-real] [--grep RE] [files...]
 *
 * Property tests (fast-check) run with a new random seed each time; a failure prints its `seed` and `path`.
 * To replay one: FC_SEED=<seed> FC_PATH=<path> ... scripts/run-mocha.ts --grep '<its title>' <its file>
 * (tests that pin their own seed keep it).
 */
import Mocha from 'mocha';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const excludeReal = args.includes('--exclude-real');
const onlyReal = args.includes('--only-real');
const grepAt = args.indexOf('--grep');
const grep = grepAt >= 0 ? args[grepAt + 1] : undefined;
const explicit = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--grep');

function walk(dir: string, out: string[]): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

/** Real-daemon suites live in folders named `real` (e.g. `test/real/`). */
const isReal = (file: string) => relative(root, file).split('/').includes('real');

let files = explicit.length
  ? explicit.map((f) => resolve(f))
  : [join(root, 'packages'), join(root, 'test'), join(root, 'examples')].flatMap((d) => walk(d, []));
if (excludeReal) files = files.filter((f) => !isReal(f));
if (onlyReal) files = files.filter(isReal);
files.sort();

if (process.env.FC_SEED) {
  const { configureGlobal } = await import('fast-check');
  const seed = Number(process.env.FC_SEED);
  if (!Number.isInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${process.env.FC_SEED}`);
  configureGlobal({ seed, ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}) });
  process.stdout.write(`fast-check: replaying seed ${seed}${process.env.FC_PATH ? ` path ${process.env.FC_PATH}` : ''}\n`);
}

const mocha = new Mocha({ timeout: 10_000, reporter: 'spec', ...(grep ? { grep } : {}) });
for (const f of files) mocha.addFile(f);
await mocha.loadFilesAsync();
const runner = mocha.run();
runner.on('end', () => {
  const s = runner.stats;
  const passed = s?.passes ?? 0;
  const failed = s?.failures ?? 0;
  const skipped = s?.pending ?? 0;
  process.stdout.write(`\nmocha: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  // Skipped tests are not allowed to count as passing: treat them as a failure of the run.
  process.exitCode = failed > 0 || skipped > 0 || passed === 0 ? 1 : 0;
  // Everything a test started must have been cleaned up; give stray handles 5 s, then fail loudly.
  setTimeout(() => {
    process.stderr.write(
      `run-mocha: the event loop did not drain within 5 s after the run (leaked handles: ${process.getActiveResourcesInfo().join(', ')})\n`,
    );
    process.exit(2);
  }, 5000).unref();
});
