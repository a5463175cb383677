// Run by scripts/pack-install.sh inside a fresh npm project where the packed tarballs are installed:
// one session against the simulator package, through the published ESM entry points only.
import { randomBytes } from 'node:crypto';
import { RemoteSession, quickAckAvailable } from '@pcmk-remote/remote-conn';
import { encodeFrame } from '@pcmk-remote/remote-conn/protocol';
import { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';
import { parseCib } from '@pcmk-remote/cib-model';
import { FencingCoordinator } from '@pcmk-remote/fencing-hooks';

const key = randomBytes(256);
const sim = await SimulatedRemoteDaemon.start({ key, nodeName: 'packed' });
let result;
try {
  const s = await RemoteSession.connect({ host: sim.host, port: sim.port, key });
  try {
    await s.poke();
    await s.registerResource({ id: 'd1', standard: 'ocf', provider: 'pacemaker', type: 'Dummy' });
    const start = await s.exec({ resource: 'd1', action: 'start', timeoutMs: 20_000 });
    const monitor = await s.exec({ resource: 'd1', action: 'monitor', timeoutMs: 20_000 });
    result = { node: process.version, protocol: s.protocolVersion, start: start.rc, monitor: monitor.rc, quickAck: quickAckAvailable() };
  } finally {
    await s.close();
  }
  // A wrong key: the simulator answers as the real daemon does (the handshake ends, close_notify), and
  // the client gets a typed error, on every supported Node.
  const wrong = await RemoteSession.connect({ host: sim.host, port: sim.port, key: randomBytes(256), connectTimeoutMs: 5000 }).then(
    (s) => s.close().then(() => 'connected'),
    (err) => err.code,
  );
  result.wrongKey = wrong;
} finally {
  await sim.stop();
}
if (typeof encodeFrame !== 'function' || typeof parseCib !== 'function' || typeof FencingCoordinator !== 'function') {
  throw new Error('an entry point is missing exports');
}
if (result.start !== 0 || result.monitor !== 0 || result.wrongKey !== 'PCMK_REMOTE_AUTH_FAILED') throw new Error(`unexpected results ${JSON.stringify(result)}`);
console.log(JSON.stringify(result));
