/**
 * Each package declares exactly the packages its published code imports: no CLI framework in a library,
 * no workspace package it does not use, nothing missing.
 */
import { expect } from 'chai';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) sourceFiles(full, out);
    else if (name.endsWith('.ts')) out.push(full);
  }
  return out;
}

/** The packages a source tree imports (bare specifiers, reduced to package names; node: builtins left out). */
function importedPackages(srcDir: string): Set<string> {
  const found = new Set<string>();
  const re = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|require\(\s*'([^']+)'\s*\)/g;
  for (const file of sourceFiles(srcDir)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(re)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? '';
      if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) continue;
      const parts = spec.split('/');
      found.add(spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string));
    }
  }
  return found;
}

describe('package manifests', () => {
  for (const dir of readdirSync(join(ROOT, 'packages')).sort()) {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    it(`${pkg.name} depends on exactly what its src/ imports`, () => {
      const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]);
      const imported = importedPackages(join(ROOT, 'packages', dir, 'src'));
      imported.delete(pkg.name);
      expect([...declared].sort(), `${pkg.name}: declared vs imported`).to.deep.equal([...imported].sort());
    });
  }

  it('no library package depends on commander or on the simulator or the CLI', () => {
    for (const dir of ['remote-conn', 'cib-model', 'fencing-hooks']) {
      const pkg = JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      const deps = Object.keys(pkg.dependencies ?? {});
      expect(deps, dir).not.to.include.members(['commander']);
      expect(deps, dir).not.to.include('@pcmk-remote/simulator');
      expect(deps, dir).not.to.include('pcmk-remote');
    }
  });
});
