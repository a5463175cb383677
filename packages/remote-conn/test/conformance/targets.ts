/**
 * Daemon targets for the conformance suites: the same tests run against the real pacemaker-remoted and
 * against the simulator, so the simulator cannot drift from the real thing.
 */
import type { Server } from 'node:net';

/** A daemon a suite can talk to and control. */
export interface DaemonTarget {
  readonly kind: 'real' | 'sim';
  readonly host: string;
  readonly port: number;
  readonly key: Buffer;
  /** Asks the daemon to stop gracefully (SIGTERM on the real one). */
  requestShutdown(): Promise<void>;
  /** Resolves when the daemon has stopped (exited / stopped listening). */
  waitStopped(timeoutMs?: number): Promise<void>;
  /** Kills the daemon abruptly (no close_notify, connections reset or EOF). */
  kill(): Promise<void>;
  /** Freezes the daemon (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void;
  /** Unfreezes it (SIGCONT). */
  resume(): void;
  /** Starts it again on the same port with the same key, after a stop or kill. */
  start(): Promise<void>;
  /** Stops everything and releases resources. */
  dispose(): Promise<void>;
}

/** Factory called once per suite (before hook). */
export type TargetFactory = (options?: { keyBytes?: number }) => Promise<DaemonTarget>;

/** A TCP server on 127.0.0.1 that accepts connections and never answers (a blackholed daemon). */
export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const { createServer } = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
