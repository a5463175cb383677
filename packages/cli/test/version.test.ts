/** `pcmk-remote --version`, and a closed standard output. */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cli } from './cli-io.js';

const PKG = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string };
const ROOT = resolve(import.meta.dirname, '../../..');

describe('pcmk-remote --version', () => {
  it('prints the version of the pcmk-remote package and exits 0 (--version and -V)', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await cli([flag]);
      expect(r.code, flag).to.equal(0);
      expect(r.stdout, flag).to.equal(`${PKG.version}\n`);
    }
  });

  it('ends quietly with exit 0 when its standard output is closed (| head)', async function () {
    this.timeout(30_000);
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'packages/cli/src/main.ts', '--help'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // the reader is gone before the command writes
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((done) => child.once('close', (c) => done(c)));
    expect(stderr).to.equal('');
    expect(code).to.equal(0);
  });
});
