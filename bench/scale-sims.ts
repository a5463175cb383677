/** Child process of bench/scale.ts: hosts N simulated daemons, separate from the manager's process. */
import { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';

const sims: SimulatedRemoteDaemon[] = [];
const handshakeFailures = new Map<string, number>();
let reported = 0;
setInterval(() => {
  const total = [...handshakeFailures.values()].reduce((a, b) => a + b, 0);
  if (total !== reported) process.stderr.write(`  simulators: handshake failures ${JSON.stringify(Object.fromEntries(handshakeFailures))}\n`);
  reported = total;
}, 5000).unref();
/** High-resolution wall clock, comparable across processes. */
const now = () => performance.timeOrigin + performance.now();
process.on('message', async (m: { cmd: string; n?: number; first?: number; key?: string; indexes?: number[]; gapMs?: number }) => {
  if (m.cmd === 'start') {
    const key = Buffer.from(m.key ?? '', 'hex');
    for (let i = 0; i < (m.n ?? 0); i++) {
      // The right key is used throughout: TLS stays on the TCP handle (no close_notify emulation, which costs CPU).
      const sim = await SimulatedRemoteDaemon.start({ key, noDelay: true, nodeName: `n${(m.first ?? 0) + i}`, handshakeFailure: 'alert' });
      sim.on('handshake-failed', (e: { reason: string; code?: string }) => {
        const k = `${e.code ?? ''} ${e.reason}`.trim();
        handshakeFailures.set(k, (handshakeFailures.get(k) ?? 0) + 1);
      });
      sims.push(sim);
    }
    process.send?.({ ports: sims.map((s) => s.port) });
  } else if (m.cmd === 'reset') {
    const at = now();
    for (const s of sims) s.resetConnections();
    process.send?.({ resetAt: at });
  } else if (m.cmd === 'reset-each') {
    // One node at a time, gapMs apart: the latency of a lone reset, not of a storm.
    const resets: Array<{ index: number; at: number }> = [];
    for (const index of m.indexes ?? []) {
      await new Promise((r) => setTimeout(r, m.gapMs ?? 20));
      const sim = sims[index];
      if (!sim) continue;
      resets.push({ index, at: now() });
      sim.resetConnections();
    }
    process.send?.({ resets });
  } else if (m.cmd === 'stats') {
    process.send?.({ handshakeFailures: Object.fromEntries(handshakeFailures) });
  } else if (m.cmd === 'stop') {
    await Promise.all(sims.map((s) => s.stop()));
    process.send?.({ stopped: true });
    process.disconnect();
  }
});
