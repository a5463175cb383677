/**
 * Runs a TypeScript file in a child Node process (from source, through tsx) and waits for it to exit by
 * itself: the way the tests check that nothing is left behind (no timer or socket keeps the loop alive).
 */
import { spawn } from 'node:child_process';

/** Exit code (or signal) of the child, `'hung'` when it had to be killed after `timeoutMs`, and its output. */
export interface ChildRun {
  code: number | string;
  out: string;
}

/** Runs `script` with `env`; kills it with SIGKILL after `timeoutMs` (then `code` is `'hung'`). */
export async function runTsChild(script: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ChildRun> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | string>((resolve) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('hung');
    }, timeoutMs);
    child.on('exit', (c, s) => {
      clearTimeout(t);
      resolve(c ?? s ?? -1);
    });
  });
  return { code, out };
}
