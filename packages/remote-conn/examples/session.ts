/**
 * One RemoteSession, start to finish: connect (TCP, TLS-PSK, register), poke, register a Dummy resource,
 * start it, monitor it, stop it, unregister it, close.
 *
 *   node --conditions=source --import tsx packages/remote-conn/examples/session.ts
 *       starts a simulated pacemaker-remoted on 127.0.0.1 and talks to it (no setup needed)
 *   node --conditions=source --import tsx packages/remote-conn/examples/session.ts --host H [--port 3121] [--key FILE]
 *       talks to a real daemon (key: $PCMK_authkey_location, else /etc/pacemaker/authkey)
 *
 * Only connect to a daemon you own: a client that completes a TLS handshake with a node a live cluster
 * manages makes that cluster drop the node ("unexpected client takeover"), and it may be fenced.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadAuthKey, RemoteSession } from '@pcmk-remote/remote-conn';
import { SimulatedRemoteDaemon } from '@pcmk-remote/simulator';

const { values } = parseArgs({
  options: { host: { type: 'string' }, port: { type: 'string' }, key: { type: 'string' } },
  strict: true,
});

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  let sim: SimulatedRemoteDaemon | undefined;
  let host = values.host;
  let port = values.port === undefined ? undefined : Number(values.port);
  let key: Buffer;
  if (host === undefined) {
    key = randomBytes(256);
    sim = await SimulatedRemoteDaemon.start({ key, nodeName: 'example' });
    host = sim.host;
    port = sim.port;
    say(`started a simulated pacemaker-remoted ${sim.features.version} on ${host}:${port}`);
  } else {
    key = await loadAuthKey(values.key);
  }

  let s: RemoteSession | undefined;
  try {
    s = await RemoteSession.connect({ host, ...(port === undefined ? {} : { port }), key, connectTimeoutMs: 30_000 });
    say(`connected to ${s.host}:${s.port}: protocol ${s.protocolVersion}, ${s.transportInfo.protocol} ${s.transportInfo.cipher}, ` +
      `${s.timings.totalMs.toFixed(1)} ms (tcp ${s.timings.tcpMs.toFixed(1)}, tls ${s.timings.tlsMs.toFixed(1)}, register ${s.timings.registerMs.toFixed(1)})`);
    const { rttMs } = await s.poke();
    say(`poke: ${rttMs.toFixed(2)} ms`);

    const id = `pcmk-remote-example-${process.pid}`;
    await s.registerResource({ id, standard: 'ocf', provider: 'heartbeat', type: 'Dummy' });
    say(`registered ${id} (ocf:heartbeat:Dummy): ${JSON.stringify(await s.resourceInfo(id))}`);
    const start = await s.exec({ resource: id, action: 'start', timeoutMs: 20_000 });
    say(`start: rc ${start.rc}, status ${start.opStatus}, ${start.execTimeMs} ms`);
    const monitor = await s.exec({ resource: id, action: 'monitor', timeoutMs: 20_000 });
    say(`monitor: rc ${monitor.rc} (0 = running)`);
    const stop = await s.exec({ resource: id, action: 'stop', timeoutMs: 20_000 });
    say(`stop: rc ${stop.rc}`);
    const after = await s.exec({ resource: id, action: 'monitor', timeoutMs: 20_000 });
    say(`monitor: rc ${after.rc} (7 = not running)`);
    await s.unregisterResource(id);
    say(`unregistered ${id}`);
  } finally {
    await s?.close();
    await sim?.stop();
    if (s) say('closed');
  }
}

main().catch((err: unknown) => {
  const code = (err as { code?: unknown }).code;
  process.stderr.write(`session example: ${(err as Error).message}${typeof code === 'string' ? ` [${code}]` : ''}\n`);
  process.exitCode = 1;
});
