/**
 * Helpers of the examples' tests: scraping and parsing Prometheus text, waiting for conditions, listening
 * sockets that count connections (to prove nothing was contacted), and running the documented commands.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');
/** Pacemaker's scheduler regression CIBs, beside the repository. */
export const CTS_DIR = resolve(ROOT, '../shared/cts-scheduler');
/** The mini controller's sample CIB. */
export const SAMPLE_CIB = resolve(ROOT, 'examples/mini-controller/sample-cib.xml');

/** One sample of the text exposition format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition (the subset prom-client writes). */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[3] ?? '';
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
    let l: RegExpExecArray | null;
    while ((l = re.exec(body))) labels[l[1] as string] = (l[2] as string).replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    const v = m[4] as string;
    out.push({ name: m[1] as string, labels, value: v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v) });
  }
  return out;
}

/** Samples of `name` whose labels include `labels`. */
export function select(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of the one sample of `name` with `labels` (undefined when absent; throws when ambiguous). */
export function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = select(samples, name, labels);
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

/** GETs a URL and returns status, content type and body. */
export async function scrape(url: string): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** Polls `check` every 25 ms until it returns a truthy value; rejects after `timeoutMs`. */
export async function waitUntil<T>(check: () => T | Promise<T>, timeoutMs: number, what: string): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A TCP listener on 127.0.0.1 that counts (and immediately closes) connections. */
export class CountingListener {
  connections = 0;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<CountingListener> {
    const server = createServer();
    const l = new CountingListener(server);
    server.on('connection', (s) => {
      l.connections++;
      l.#sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => l.#sockets.delete(s));
      s.destroy();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return l;
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A child process started by {@link runCommand}, with its output so far. */
export interface Running {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or signal name) once the process exited and its output pipes closed. */
  exited: Promise<number | string>;
  /** Sends a signal to the whole process group (npm, sh and node). */
  signal(sig: NodeJS.Signals): void;
}

/** Runs a command in its own process group from the repository root. */
export function runCommand(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Running {
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  else child.stdin?.end();
  // 'close', not 'exit': it also waits for the output pipes to close, i.e. for every process of the group
  // that holds them (npm's child) to finish writing.
  let closed = false;
  const exited = new Promise<number | string>((r) =>
    child.on('close', (code, sig) => {
      closed = true;
      r(code ?? sig ?? -1);
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    signal: (sig) => {
      // Until the pipes closed, some process of the group may live (even after npm, the leader, exited).
      if (child.pid !== undefined && !closed) {
        try {
          process.kill(-child.pid, sig);
        } catch {
          // already gone
        }
      }
    },
  };
}

/** Waits for the process to exit; after `timeoutMs` kills its group with SIGKILL and rejects. */
export async function waitExit(run: Running, timeoutMs: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      run.signal('SIGKILL');
      reject(new Error(`the process did not exit within ${timeoutMs} ms\nstdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([run.exited, limit]);
  } finally {
    clearTimeout(timer);
  }
}
