/** Child process of bench/scale.ts: hosts N simulated daemons, separate from the manager's process. */
import { SimulatedRemoteDaemon } from '../packages/remote-conn/src/testing/index.js';

const sims: SimulatedRemoteDaemon[] = [];
process.on('message', async (m: { cmd: string; n?: number; key?: string }) => {
  if (m.cmd === 'start') {
    const key = Buffer.from(m.key ?? '', 'hex');
    for (let i = 0; i < (m.n ?? 0); i++) sims.push(await SimulatedRemoteDaemon.start({ key, noDelay: true, nodeName: `n${i}` }));
    process.send?.({ ports: sims.map((s) => s.port) });
  } else if (m.cmd === 'reset') {
    const at = Date.now();
    for (const s of sims) s.resetConnections();
    process.send?.({ resetAt: at });
  } else if (m.cmd === 'stop') {
    await Promise.all(sims.map((s) => s.stop()));
    process.send?.({ stopped: true });
    process.disconnect();
  }
});
