/**
 * Docs that run: every TypeScript/JavaScript code block of the READMEs (root, packages/*, examples/,
 * docs/) is executed here, as a user would run it (`node --conditions=source --import tsx file.ts`),
 * unless the line before it says `<!-- not runnable: <reason> -->`. Simulated daemons stand in for the
 * hosts the READMEs name (node3, 10.0.0.5, and the nodes of examples/mini-controller/sample-cib.xml,
 * which is the `cib.xml` in the block's working directory); `$PCMK_authkey_location` points at their key.
 * A block must exit 0 by itself (everything it opened closed) within 30 s, with nothing on stderr.
 *
 * Shell blocks are not run here: they are commands of the repository, each covered by its own test
 * (demo, CLI, examples).
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { join, relative, resolve } from 'node:path';
import { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';

const ROOT = resolve(import.meta.dirname, '..');
const RUNNABLE_LANGS = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);
/** The hosts (host:port) the READMEs name, each served by its own simulated daemon. */
const HOSTS = ['node3:3121', '10.0.0.5:3121', '192.0.2.11:3121', '192.0.2.12:3122', '192.0.2.13:3121', '192.0.2.21:3121'];

interface Block {
  file: string;
  line: number;
  lang: string;
  code: string;
  notRunnable?: string;
}

function readmes(): string[] {
  const files = [join(ROOT, 'README.md'), join(ROOT, 'examples', 'README.md')];
  for (const dir of readdirSync(join(ROOT, 'packages')).sort()) files.push(join(ROOT, 'packages', dir, 'README.md'));
  if (existsSync(join(ROOT, 'docs'))) for (const f of readdirSync(join(ROOT, 'docs')).sort()) if (f.endsWith('.md')) files.push(join(ROOT, 'docs', f));
  return files.filter((f) => existsSync(f));
}

/** The fenced code blocks of a markdown file, with the `not runnable` marker of the line before each. */
export function codeBlocks(file: string): Block[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i] as string);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i] as string).startsWith('```'); i++) body.push(lines[i] as string);
    const marker = /^<!-- not runnable: (.+?) -->$/.exec((lines[start - 1] ?? '').trim());
    blocks.push({ file, line: start + 1, lang: open[1] ?? '', code: body.join('\n'), ...(marker ? { notRunnable: marker[1] } : {}) });
  }
  return blocks;
}

function run(file: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    // tsx by its resolved URL: the working directory (with cib.xml and the key) is outside the repository.
    const tsx = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
    const child = spawn(process.execPath, ['--conditions=source', '--import', tsx, '--import', join(ROOT, 'test/readme/redirect.ts'), file], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      stderr += '\n(killed after 30 s: the block did not exit by itself)';
      child.kill('SIGKILL');
    }, 30_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      fail(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

describe('README code blocks run', function () {
  this.timeout(60_000);
  const key = randomBytes(256);
  const tmpCode = join(ROOT, '.tmp', `readme-${process.pid}`);
  let cwd = '';
  let sims: SimulatedRemoteDaemon[] = [];
  let map: Record<string, number> = {};

  before(() => {
    mkdirSync(tmpCode, { recursive: true });
    cwd = mkdtempSync(join(tmpdir(), 'pcmk-readme-'));
    writeFileSync(join(cwd, 'authkey'), key, { mode: 0o600 });
    copyFileSync(join(ROOT, 'examples/mini-controller/sample-cib.xml'), join(cwd, 'cib.xml'));
  });
  after(() => {
    rmSync(tmpCode, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  });
  beforeEach(async () => {
    sims = await Promise.all(HOSTS.map((h) => SimulatedRemoteDaemon.start({ key, nodeName: h.split(':')[0] as string })));
    map = Object.fromEntries(HOSTS.map((h, i) => [h, (sims[i] as SimulatedRemoteDaemon).port]));
  });
  afterEach(async () => {
    await Promise.all(sims.map((s) => s.stop()));
  });

  const all = readmes().flatMap(codeBlocks);
  const code = all.filter((b) => RUNNABLE_LANGS.has(b.lang));

  it('finds the README code blocks', () => {
    expect(code.length).to.be.greaterThan(5);
  });

  for (const b of code) {
    const where = `${relative(ROOT, b.file)}:${b.line}`;
    const reason = b.notRunnable;
    if (reason !== undefined) {
      it(`${where} says why it is not runnable`, () => {
        expect(reason.length, where).to.be.greaterThan(10);
      });
      continue;
    }
    it(`${where} runs`, async () => {
      const file = join(tmpCode, `${relative(ROOT, b.file).replaceAll('/', '_')}-${b.line}.${b.lang.startsWith('j') || b.lang === 'mjs' ? 'mjs' : 'ts'}`);
      writeFileSync(file, `${b.code}\nexport {};\n`);
      const r = await run(file, cwd, { PCMK_authkey_location: join(cwd, 'authkey'), README_SIMULATORS: JSON.stringify(map), NODE_NO_WARNINGS: '' });
      expect(r.stderr, `${where} stderr`).to.equal('');
      expect(r.code, `${where} exit code; stdout:\n${r.stdout}`).to.equal(0);
    });
  }
});
