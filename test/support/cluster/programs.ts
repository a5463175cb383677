/**
 * Runs one of the project's own TypeScript programs (the CLI, an example) inside a cluster node's
 * namespaces, as a person would run it on that node, and collects its output lines with arrival times.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { ClusterHandle } from './cluster.js';
import { alive, signal, waitGone } from './namespaces.js';

const repoRoot = resolve(import.meta.dirname, '../../..');

/** The `pcmk-remote` CLI entry (from source). */
export const CLI_MAIN = resolve(repoRoot, 'packages/cli/src/main.ts');
/** The monitoring agent example's entry. */
export const MONITORING_AGENT_MAIN = resolve(repoRoot, 'examples/monitoring-agent/main.ts');

/** One output line and when it arrived (`Date.now()`). */
export interface TimedLine {
  at: number;
  line: string;
  stream: 'stdout' | 'stderr';
}

/** A program running inside a node. */
export interface NodeProgram {
  readonly child: ChildProcess;
  readonly lines: TimedLine[];
  /** Resolves with the first stdout line at or after `since` that matches, or rejects after `timeoutMs`. */
  waitLine(match: (line: string) => boolean, opts?: { since?: number; timeoutMs?: number }): Promise<TimedLine>;
  /** All output so far (for failure messages). */
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves when gone. */
  stop(): Promise<void>;
}

/** Starts `script` with `args` in `node`'s namespaces (Node from source through tsx, cwd = repository). */
export function runInNode(cluster: ClusterHandle, node: string, script: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): NodeProgram {
  const argv = [...cluster.enter(node, repoRoot), process.execPath, '--conditions=source', '--import', 'tsx', script, ...args];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const lines: TimedLine[] = [];
  const waiters = new Set<() => void>();
  for (const stream of ['stdout', 'stderr'] as const) {
    let buf = '';
    child[stream]!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push({ at: Date.now(), line: buf.slice(0, i), stream });
        buf = buf.slice(i + 1);
      }
      for (const w of waiters) w();
    });
  }
  const output = () => lines.map((l) => `${l.stream === 'stderr' ? '! ' : ''}${l.line}`).join('\n');
  return {
    child,
    lines,
    output,
    waitLine: (match, opts = {}) =>
      new Promise((resolveLine, reject) => {
        const since = opts.since ?? 0;
        const check = () => {
          const hit = lines.find((l) => l.stream === 'stdout' && l.at >= since && match(l.line));
          if (hit) {
            done();
            resolveLine(hit);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`${script} exited (${child.exitCode ?? child.signalCode}) before the expected line; output:\n${output()}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no expected line from ${script} within ${opts.timeoutMs ?? 10_000} ms; output:\n${output()}`));
        }, opts.timeoutMs ?? 10_000);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off('exit', check);
        };
        waiters.add(check);
        child.on('exit', check);
        check();
      }),
    stop: async () => {
      const pid = child.pid;
      if (!pid || child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      signal(pid, 'SIGTERM');
      if (!(await waitGone(pid, 5000)) && alive(pid)) signal(pid, 'SIGKILL');
      await exited;
    },
  };
}
