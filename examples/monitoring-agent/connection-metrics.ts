/**
 * Prometheus metrics for the connections a {@link ConnectionManager} owns (and, optionally, the fencing a
 * {@link FencingCoordinator} does for them). No exporter has connection-level metrics, so these use our own
 * prefix, `pcmk_remote_connection_*` and `pcmk_remote_fencing_*`.
 *
 * Gauges (`up`, `state`, `reconnect_held`) are computed from the manager's snapshots at each scrape, so a
 * removed node disappears from them; counters and histograms follow the manager's events.
 */
import type { FencingCoordinator } from '@pcmk-remote/fencing-hooks';
import type { ConnectionManager, ConnectionManagerEvents, NodeState } from '@pcmk-remote/remote-conn';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Every connection state, so that `pcmk_remote_connection_state` has one series per state (1 = current). */
export const CONNECTION_STATES: readonly NodeState[] = ['stopped', 'connecting', 'up', 'waiting', 'draining', 'failed'];

/** Bucket bounds (seconds) of the connect duration histogram: TCP + TLS + register. */
export const CONNECT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Bucket bounds (seconds) of the poke (monitor) round-trip histogram. */
export const POKE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Registers the connection (and fencing) metrics on `registry` and keeps them up to date until {@link detach}. */
export class ConnectionMetrics {
  readonly #detach: Array<() => void> = [];

  /**
   * @param manager the manager whose connections are measured (only nodes it owns; never CIB nodes)
   * @param registry where the metrics are registered (a registry of your own; not the global one)
   * @param options.fencing a coordinator whose requests and outcomes are counted
   */
  constructor(manager: ConnectionManager, registry: Registry, options: { fencing?: FencingCoordinator } = {}) {
    const registers = [registry];
    new Gauge({
      name: 'pcmk_remote_connection_up',
      help: 'Whether the connection to the node is up (registered and answering pokes): 1 or 0.',
      labelNames: ['node', 'kind'] as const,
      registers,
      collect() {
        this.reset();
        for (const n of manager.nodes()) this.set({ node: n.name, kind: n.kind }, n.state === 'up' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'pcmk_remote_connection_state',
      help: 'Connection state of the node: one series per state, 1 for the current one.',
      labelNames: ['node', 'state'] as const,
      registers,
      collect() {
        this.reset();
        for (const n of manager.nodes()) for (const s of CONNECTION_STATES) this.set({ node: n.name, state: s }, n.state === s ? 1 : 0);
      },
    });
    new Gauge({
      name: 'pcmk_remote_connection_reconnect_held',
      help: 'Whether reconnecting the node is held (e.g. until it is fenced): 1 or 0.',
      labelNames: ['node'] as const,
      registers,
      collect() {
        this.reset();
        for (const n of manager.nodes()) this.set({ node: n.name }, n.holds.length > 0 ? 1 : 0);
      },
    });
    const reconnects = new Counter({
      name: 'pcmk_remote_connection_reconnects_total',
      help: 'Reconnect waits begun after an established connection was lost (reconnect_interval).',
      labelNames: ['node'] as const,
      registers,
    });
    const losses = new Counter({
      name: 'pcmk_remote_connection_losses_total',
      help: 'Established connections that ended, by reason (connection-lost, monitor-timeout, shutdown, takeover, ...).',
      labelNames: ['node', 'reason'] as const,
      registers,
    });
    const failures = new Counter({
      name: 'pcmk_remote_connection_connect_failures_total',
      help: 'Failed connect attempts, by reason (refused, connect-timeout, auth-failed, protocol-error, ...).',
      labelNames: ['node', 'reason'] as const,
      registers,
    });
    const connects = new Histogram({
      name: 'pcmk_remote_connection_connect_duration_seconds',
      help: 'Duration of successful connects: TCP, TLS handshake and registration.',
      labelNames: ['node'] as const,
      buckets: CONNECT_BUCKETS,
      registers,
    });
    const pokes = new Histogram({
      name: 'pcmk_remote_connection_poke_duration_seconds',
      help: 'Round trip of the liveness pokes (the connection monitor).',
      labelNames: ['node'] as const,
      buckets: POKE_BUCKETS,
      registers,
    });
    this.#on(manager, 'node-up', (e) => {
      // The session is set before node-up is emitted: its timings cover this attempt's TCP, TLS and register.
      const total = manager.node(e.node)?.session?.timings.totalMs ?? e.rttMs;
      connects.observe({ node: e.node }, total / 1000);
      // Make the counters exist (at 0) as soon as the node is known.
      reconnects.inc({ node: e.node }, 0);
    });
    this.#on(manager, 'monitor', (e) => pokes.observe({ node: e.node }, e.rttMs / 1000));
    this.#on(manager, 'node-reconnecting', (e) => reconnects.inc({ node: e.node }));
    this.#on(manager, 'node-down', (e) => losses.inc({ node: e.node, reason: e.reason }));
    this.#on(manager, 'connect-failed', (e) => failures.inc({ node: e.node, reason: e.reason }));

    const fencing = options.fencing;
    if (fencing) {
      const requests = new Counter({
        name: 'pcmk_remote_fencing_requests_total',
        help: 'Fencing operations started, by method (fencer, container-restart) and origin (loss, manual).',
        labelNames: ['node', 'method', 'origin'] as const,
        registers,
      });
      const outcomes = new Counter({
        name: 'pcmk_remote_fencing_operations_total',
        help: 'Finished fencing operations, by result (success, failed).',
        labelNames: ['node', 'result'] as const,
        registers,
      });
      const skipped = new Counter({
        name: 'pcmk_remote_fencing_skipped_total',
        help: 'Decisions not to fence a node that went down, by reason (graceful-shutdown, takeover, ...).',
        labelNames: ['node', 'reason'] as const,
        registers,
      });
      const onRequested = (e: { target: string; method: string; origin: string }) => requests.inc({ node: e.target, method: e.method, origin: e.origin });
      const onSucceeded = (e: { target: string }) => outcomes.inc({ node: e.target, result: 'success' });
      const onFailed = (e: { target: string; final: boolean }) => {
        if (e.final) outcomes.inc({ node: e.target, result: 'failed' });
      };
      const onSkipped = (e: { target: string; reason: string }) => skipped.inc({ node: e.target, reason: e.reason });
      fencing.on('fence-requested', onRequested);
      fencing.on('fence-succeeded', onSucceeded);
      fencing.on('fence-failed', onFailed);
      fencing.on('fence-skipped', onSkipped);
      this.#detach.push(() => {
        fencing.off('fence-requested', onRequested);
        fencing.off('fence-succeeded', onSucceeded);
        fencing.off('fence-failed', onFailed);
        fencing.off('fence-skipped', onSkipped);
      });
    }
  }

  #on<E extends keyof ConnectionManagerEvents>(manager: ConnectionManager, event: E, fn: ConnectionManagerEvents[E]): void {
    manager.on(event, fn as never);
    this.#detach.push(() => manager.off(event, fn as never));
  }

  /** Stops following the manager's (and coordinator's) events. */
  detach(): void {
    for (const d of this.#detach.splice(0)) d();
  }
}
