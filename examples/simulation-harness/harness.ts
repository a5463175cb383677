/**
 * A test harness for controller failover logic on the simulated `pacemaker-remoted`: builds a CIB with
 * `@pcmk-remote/cib-model`'s builders (as `pcs cluster node add-remote / add-guest` would), runs the mini
 * controller on simulated daemons for its nodes, and records every event of the manager, the fencing
 * coordinator and the controller on one timeline that tests can wait on and assert against.
 *
 * Copy it for your own controller: replace {@link MiniController} with yours and keep the timeline.
 */
import { addGuestNode, addRemoteNode, parseCib, type Cib } from '@pcmk-remote/cib-model';
import type { Fencer, FencingPolicyOptions } from '@pcmk-remote/fencing-hooks';
import type { RemoteNodeOptions } from '@pcmk-remote/remote-conn';
import type { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';
import { MiniController } from '../mini-controller/controller.js';

/** An empty one-node cluster with a VM-like primitive that guests can use as their container. */
const BASE_CIB = `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.8" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes>
      <node id="1" uname="node1"/>
    </nodes>
    <resources>
      <primitive class="ocf" id="vm-guest1" provider="heartbeat" type="Dummy"/>
    </resources>
    <constraints/>
  </configuration>
  <status/>
</cib>`;

/** A node of the harness's CIB. */
export interface HarnessNode {
  name: string;
  /** `guest` nodes use the `vm-guest1` primitive as container (one guest per harness). */
  kind?: 'remote' | 'guest';
  /** `reconnect_interval` of a remote node, e.g. `1s` (unset: 0, reconnect only after fencing). */
  reconnectInterval?: string;
}

/** One recorded event. */
export interface HarnessEvent {
  /** Epoch ms. */
  at: number;
  /** e.g. `node-up`, `node-down`, `state`, `fence-requested`, `fence-succeeded`, `resource`. */
  type: string;
  node: string;
  /** The event payload (shape depends on `type`). */
  data: Record<string, unknown>;
}

/** Options of {@link FailoverHarness.start}. */
export interface HarnessOptions {
  nodes: HarnessNode[];
  /** Pacemaker version the simulated daemons behave like. @default 2.1.5 */
  simVersion?: string;
  fencer?: Fencer;
  fencingPolicy?: FencingPolicyOptions;
  /** Connection defaults; fast monitoring unless overridden. */
  connection?: Partial<RemoteNodeOptions>;
  /** Recurring resource monitor, ms (0: none). @default 0 */
  resourceMonitorMs?: number;
}

/** The running harness. */
export class FailoverHarness {
  readonly cib: Cib;
  readonly controller: MiniController;
  readonly events: HarnessEvent[] = [];
  readonly #waiters = new Set<() => void>();

  private constructor(cib: Cib, controller: MiniController) {
    this.cib = cib;
    this.controller = controller;
  }

  /** Builds the CIB, starts the simulated daemons and the controller, and waits until every node is up. */
  static async start(options: HarnessOptions): Promise<FailoverHarness> {
    let cib = parseCib(BASE_CIB);
    for (const n of options.nodes) {
      if (n.kind === 'guest') cib = addGuestNode(cib, { name: n.name, resource: 'vm-guest1' });
      else cib = addRemoteNode(cib, { name: n.name, ...(n.reconnectInterval ? { reconnectInterval: n.reconnectInterval } : {}) });
    }
    const controller = await MiniController.start({
      cibXml: cib.toXml(),
      all: true,
      node: 'node1',
      simulate: true,
      ...(options.simVersion ? { simVersion: options.simVersion } : {}),
      ...(options.fencer ? { fencer: options.fencer } : {}),
      ...(options.fencingPolicy ? { fencingPolicy: options.fencingPolicy } : {}),
      connection: { monitorIntervalMs: 200, monitorTimeoutMs: 1500, connectTimeoutMs: 8000, ...options.connection },
      resourceMonitorMs: options.resourceMonitorMs ?? 0,
    });
    const h = new FailoverHarness(cib, controller);
    try {
      h.#record();
      const deadline = Date.now() + 15_000;
      const started = () => controller.resources().filter((r) => r.state === 'started').length === options.nodes.length;
      while (!started()) {
        if (Date.now() > deadline) throw new Error(`the resources did not start within 15 s: ${JSON.stringify(controller.resources())}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    } catch (err) {
      await controller.close();
      throw err;
    }
    return h;
  }

  #push(type: string, node: string, data: object): void {
    this.events.push({ at: Date.now(), type, node, data: { ...data } as Record<string, unknown> });
    for (const w of [...this.#waiters]) w();
  }

  #record(): void {
    const m = this.controller.manager;
    for (const type of ['node-up', 'node-down', 'connect-failed', 'node-reconnecting', 'takeover', 'state', 'node-shutdown-request'] as const) {
      m.on(type, (e: { node: string }) => this.#push(type, e.node, e));
    }
    const f = this.controller.fencing;
    for (const type of ['fence-requested', 'fence-succeeded', 'fence-failed', 'fence-skipped'] as const) {
      f.on(type, (e: { target: string }) => this.#push(type, e.target, e));
    }
    this.controller.on('resource', (r) => this.#push('resource', r.node, r));
  }

  /** The simulated daemon of a node. */
  sim(node: string): SimulatedRemoteDaemon {
    const s = this.controller.simulated?.get(node);
    if (!s) throw new Error(`no simulated daemon for ${node}`);
    return s;
  }

  /** Events of `node` (and `type`) recorded since index `from`. */
  since(from: number, node?: string, type?: string): HarnessEvent[] {
    return this.events.slice(from).filter((e) => (node === undefined || e.node === node) && (type === undefined || e.type === type));
  }

  /**
   * Resolves with the first event of `type` for `node` at index ≥ `from` (default: any time) that matches
   * `where`; rejects after `timeoutMs` (default 10 s) with the node's recent events.
   */
  waitFor(type: string, node: string, where: (e: HarnessEvent) => boolean = () => true, options: { from?: number; timeoutMs?: number } = {}): Promise<HarnessEvent> {
    const from = options.from ?? 0;
    const find = () => this.events.slice(from).find((e) => e.type === type && e.node === node && where(e));
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = () => {
        const e = find();
        if (!e) return;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve(e);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        const recent = this.since(from, node).map((e) => `${e.type}${e.data.reason ? `(${String(e.data.reason)})` : ''}${e.data.state ? `(${String(e.data.state)})` : ''}${e.data.to ? `(${String(e.data.to)})` : ''}`);
        reject(new Error(`no ${type} for ${node} within ${options.timeoutMs ?? 10_000} ms; events: ${recent.join(', ') || 'none'}`));
      }, options.timeoutMs ?? 10_000);
      this.#waiters.add(check);
    });
  }

  /** Stops the controller, its connections and the simulated daemons. */
  async close(): Promise<void> {
    this.#waiters.clear();
    await this.controller.close();
  }
}
