/** Test helpers: run the CLI in-process on memory streams, or as a child process. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../src/program.js';
import type { CliIo } from '../src/io.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Memory streams for one run. */
export function memoryIo(stdin = '', signal?: AbortSignal): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d: Buffer) => (o += d.toString()));
  stderr.on('data', (d: Buffer) => (e += d.toString()));
  const io: CliIo = { stdout, stderr, stdin: Readable.from([Buffer.from(stdin)]), ...(signal ? { signal } : {}) };
  return { io, out: () => o, err: () => e };
}

/** Runs the CLI in this process. */
export async function cli(args: string[], stdin = ''): Promise<CliRun> {
  const m = memoryIo(stdin);
  const code = await runCli(args, m.io);
  await new Promise((r) => setImmediate(r));
  return { code, stdout: m.out(), stderr: m.err() };
}

const ROOT = resolve(import.meta.dirname, '../../..');

/** Runs `npm run cli`'s command line (node + tsx + main.ts) as a child process, killed after `timeoutMs`. */
export function cliChild(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<CliRun & { signal: NodeJS.Signals | null }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'packages/cli/src/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(options.stdin ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      done({ code: code ?? -1, signal, stdout, stderr });
    });
  });
}

/**
 * A temporary directory holding `key` as `authkey` (mode 0600), for the tests of one describe block: made
 * in `before`, removed in `after`. Read `dir` and `keyFile` inside tests and hooks only.
 */
export function tempKeyDir(prefix: string, key: Buffer): { readonly dir: string; readonly keyFile: string } {
  const t = { dir: '', keyFile: '' };
  before(() => {
    t.dir = mkdtempSync(join(tmpdir(), prefix));
    t.keyFile = join(t.dir, 'authkey');
    writeFileSync(t.keyFile, key, { mode: 0o600 });
  });
  after(() => rmSync(t.dir, { recursive: true, force: true }));
  return t;
}
