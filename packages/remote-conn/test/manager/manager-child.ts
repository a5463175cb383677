/**
 * Child process of the close() leak test: a manager with nodes in every kind of state (up and monitored,
 * waiting to reconnect, failed, in hung connect attempts, queued for a connect slot) is closed, and the
 * process must then exit by itself (the parent fails the test if it is still alive after 20 s).
 */
import { ConnectionManager } from '../../src/index.js';

const host = process.env.TARGET_HOST ?? '127.0.0.1';
const port = (name: string) => Number(process.env[`PORT_${name.toUpperCase()}`]);
const key = Buffer.from(process.env.TARGET_KEY ?? '', 'hex');

const manager = new ConnectionManager({ defaults: { key, monitorIntervalMs: 50, monitorTimeoutMs: 5000 }, maxConcurrentConnects: 2 });
const events: string[] = [];
for (const ev of ['state', 'node-up', 'connect-failed', 'node-down', 'node-reconnecting', 'monitor', 'node-removed'] as const) {
  manager.on(ev, ((e: { node: string }) => events.push(`${ev}:${e.node}`)) as never);
}
const spec = (name: string, extra: Record<string, unknown> = {}) => ({ name, kind: 'remote' as const, host, port: port(name), reconnectIntervalMs: 0, connectTimeoutMs: 60_000, connectionResource: name, ...extra });
await manager.sync([
  spec('up'),
  spec('waiting', { reconnectIntervalMs: 600_000 }),
  spec('failed', { connectTimeoutMs: 500 }),
  spec('hung1', { port: port('hung') }),
  spec('hung2', { port: port('hung') }),
  spec('queued', { port: port('hung') }),
]);
const want: Record<string, string> = { up: 'up', waiting: 'waiting', failed: 'failed', hung1: 'connecting', hung2: 'connecting', queued: 'connecting' };
const deadline = Date.now() + 15_000;
const reached = () => Object.entries(want).every(([n, s]) => manager.node(n)?.state === s) && manager.connectSlots.waiting === 1;
while (!reached()) {
  if (Date.now() > deadline) {
    process.stdout.write(`states never reached: ${JSON.stringify(manager.nodes().map((s) => [s.name, s.state]))}\n`);
    process.exit(3);
  }
  await new Promise((r) => setTimeout(r, 20));
}
const slots = manager.connectSlots;
await new Promise((r) => setTimeout(r, 200));
await manager.close();
const n = events.length;
const left = manager.nodes().length;
// anything the manager still emitted after close() resolved would be counted here before exit
setImmediate(() => process.stdout.write(`closed ${left} ${JSON.stringify(slots)} ${events.length - n}\n`));
