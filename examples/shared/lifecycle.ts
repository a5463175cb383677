/**
 * How the example programs run: until a signal or a duration, and as a command with an exit status.
 */
import { pathToFileURL } from 'node:url';

/**
 * Resolves when SIGINT/SIGTERM arrives or `limitMs` (when > 0) has passed, saying why. The signal handlers
 * stay installed after that, so a second signal while the program cleans up (npm forwards the group's
 * signal once more) does not kill it mid-cleanup: call the returned function once cleanup is done.
 */
export async function untilStopped(limitMs: number, say: (line: string) => void): Promise<() => void> {
  let stopping = false;
  let stop: (why: string) => void = () => undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (!stopping) stop(sig);
  };
  await new Promise<void>((resolve) => {
    stop = (why: string) => {
      stopping = true;
      clearTimeout(timer);
      say(`${why}: stopping`);
      resolve();
    };
    const timer = limitMs > 0 ? setTimeout(() => stop('duration reached'), limitMs) : undefined;
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/**
 * Runs `main` when `moduleUrl` is the program node was started with: its result becomes the exit status;
 * an error is printed as `name: message [code]` with status 2.
 */
export function runAsProgram(moduleUrl: string, name: string, main: (argv: string[]) => Promise<number>): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const code = (err as { code?: unknown }).code;
      process.stderr.write(`${name}: ${(err as Error).message}${typeof code === 'string' ? ` [${code}]` : ''}\n`);
      process.exitCode = 2;
    },
  );
}
