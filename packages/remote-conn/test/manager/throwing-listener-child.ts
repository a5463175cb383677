/**
 * Child process of the throwing-listener test: a manager listener that throws must not break the node's
 * connection; the exception surfaces as an uncaught exception (as from any Node event source), here
 * recorded instead of crashing. Prints one JSON line.
 */
import { ConnectionManager } from '../../src/index.js';

const uncaught: string[] = [];
process.on('uncaughtException', (e) => uncaught.push(e.message));
const m = new ConnectionManager({ defaults: { key: Buffer.from(process.env.TARGET_KEY ?? '', 'hex'), monitorIntervalMs: 50 } });
let thrown = 0;
for (const ev of ['node-up', 'monitor', 'state'] as const) {
  m.on(ev, () => {
    if (thrown++ < 3) throw new Error(`listener bug in ${ev}`);
  });
}
m.on('node-removed', () => {
  throw new Error('listener bug in node-removed');
});
let monitors = 0;
m.on('monitor', () => monitors++);
m.addNode({ name: 'n1', host: process.env.TARGET_HOST ?? '127.0.0.1', port: Number(process.env.TARGET_PORT) });
await new Promise((r) => setTimeout(r, 1000));
const state = m.node('n1')?.state;
await m.close();
await new Promise((r) => setImmediate(r));
process.stdout.write(`${JSON.stringify({ state, monitors, uncaught })}\n`);
