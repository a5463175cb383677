/**
 * The public surface of every entry point of every workspace package (each `exports` subpath with a
 * `source` condition), one line per exported name with its kind, from the TypeScript compiler's view of
 * the sources. Committed under `api/` and checked by `test/api-report.test.ts`, so a change of any
 * package's public surface shows up in review.
 *
 * Usage: node --conditions=source --import tsx scripts/api-report.ts [--write]   (npm run api:update)
 */
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

export const ROOT = resolve(import.meta.dirname, '..');
export const API_DIR = join(ROOT, 'api');

interface EntryPoint {
  /** `remote-conn`, `remote-conn.protocol`, ... (the report's file name without `.api.txt`). */
  id: string;
  /** The import specifier users write. */
  specifier: string;
  file: string;
}

/** Every entry point of every package under packages/. */
export function entryPoints(): EntryPoint[] {
  const out: EntryPoint[] = [];
  for (const dir of readdirSync(join(ROOT, 'packages')).sort()) {
    const pkgDir = join(ROOT, 'packages', dir);
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { name: string; exports?: Record<string, unknown> };
    for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
      const source = typeof target === 'object' && target !== null ? (target as Record<string, unknown>)['source'] : undefined;
      if (typeof source !== 'string') continue;
      const sub = subpath === '.' ? '' : subpath.slice(2);
      out.push({ id: sub ? `${dir}.${sub}` : dir, specifier: sub ? `${pkg.name}/${sub}` : pkg.name, file: join(pkgDir, source) });
    }
  }
  return out;
}

function kindOf(symbol: ts.Symbol, checker: ts.TypeChecker): string {
  const s = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const f = s.flags;
  if (f & ts.SymbolFlags.Class) return 'class';
  if (f & ts.SymbolFlags.Enum) return 'enum';
  if (f & ts.SymbolFlags.Function) return 'function';
  if (f & ts.SymbolFlags.Variable) return (f & ts.SymbolFlags.TypeAlias) || (f & ts.SymbolFlags.Interface) ? 'const+type' : 'const';
  if (f & ts.SymbolFlags.Interface) return 'interface';
  if (f & ts.SymbolFlags.TypeAlias) return 'type';
  if (f & ts.SymbolFlags.Namespace) return 'namespace';
  return 'other';
}

/** The report of each entry point: `id` → text (a header line, then `name kind` lines, sorted). */
export function apiReports(): Map<string, string> {
  const entries = entryPoints();
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!config) throw new Error('api-report: cannot read tsconfig.json');
  const program = ts.createProgram(entries.map((e) => e.file), { ...config.options, noEmit: true });
  const checker = program.getTypeChecker();
  const reports = new Map<string, string>();
  for (const e of entries) {
    const sf = program.getSourceFile(e.file);
    const moduleSymbol = sf && checker.getSymbolAtLocation(sf);
    if (!moduleSymbol) throw new Error(`api-report: no module symbol for ${e.file}`);
    const lines = checker
      .getExportsOfModule(moduleSymbol)
      .map((s) => `${s.getName()} ${kindOf(s, checker)}`)
      .sort();
    reports.set(e.id, `# ${e.specifier}: ${lines.length} exports\n${lines.join('\n')}\n`);
  }
  return reports;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const reports = apiReports();
  if (process.argv.includes('--write')) {
    mkdirSync(API_DIR, { recursive: true });
    for (const [id, text] of reports) writeFileSync(join(API_DIR, `${id}.api.txt`), text);
  }
  for (const [id, text] of reports) process.stdout.write(`${id}: ${text.split('\n')[0]}\n`);
}
