/**
 * Daemon targets for the conformance suites: the same tests run against the real pacemaker-remoted and
 * against the simulator, so the simulator cannot drift from the real thing.
 */
import type { Server } from 'node:net';

/** A daemon a suite can talk to and control. */
export interface DaemonTarget {
  readonly kind: 'real' | 'sim';
  /** The Pacemaker version the target is (or impersonates): its observable behaviour differs by version. */
  readonly version: '2.1.5' | '3.0.0' | '3.0.3';
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

/** The executor protocol version a daemon of `version` announces (protocol.md §5.1). */
export const daemonProtocol = (t: Pick<DaemonTarget, 'version'>): string => (t.version === '2.1.5' ? '1.1' : '1.2');

/**
 * 3.0.0+: after `shutdown_req` the daemon waits until its providers leave (an ack is only logged); 2.1.5
 * exits right after sending the request (protocol.md §3.7).
 */
export const waitsForProviders = (t: Pick<DaemonTarget, 'version'>): boolean => t.version !== '2.1.5';

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
