/**
 * Child process for the leak test: connects, pokes, stops, and must then exit on its own (the parent
 * fails the test if it is still alive after 15 s).
 */
import { RemoteNodeConnection } from '../../src/index.js';

const conn = new RemoteNodeConnection({
  name: 'leak-check',
  host: process.env.TARGET_HOST ?? '127.0.0.1',
  port: Number(process.env.TARGET_PORT),
  key: Buffer.from(process.env.TARGET_KEY ?? '', 'hex'),
  monitorIntervalMs: 50,
  reconnectIntervalMs: 1000,
});
await conn.start();
await new Promise((r) => setTimeout(r, 200));
await conn.stop();
process.stdout.write(`up ${conn.state}\n`);
