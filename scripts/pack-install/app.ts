// Type-checked by scripts/pack-install.sh (strict, module nodenext) against the installed declarations.
import { RemoteSession, ConnectionManager, isRemoteConnError, type OpResult, type NodeUpEvent } from '@pcmk-remote/remote-conn';
import { FrameDecoder, type XmlElement } from '@pcmk-remote/remote-conn/protocol';
import { SimulatedRemoteDaemon, type SimulatedDaemonOptions } from '@pcmk-remote/simulator';
import { parseCib, type RemoteNodeSpec } from '@pcmk-remote/cib-model';
import { FencingCoordinator, CallbackFencer } from '@pcmk-remote/fencing-hooks';

export async function run(options: SimulatedDaemonOptions, specs: RemoteNodeSpec[]): Promise<OpResult | undefined> {
  const sim = await SimulatedRemoteDaemon.start(options);
  const manager: ConnectionManager = new ConnectionManager({ defaults: { key: options.key } });
  manager.on('node-up', (e: NodeUpEvent) => void e.node);
  const fencing = new FencingCoordinator({ manager, executor: 'node1', fencer: new CallbackFencer(async () => undefined) });
  void fencing;
  const decoder: FrameDecoder | undefined = undefined;
  const tree: XmlElement | undefined = undefined;
  void decoder, tree, specs, parseCib;
  try {
    const s = await RemoteSession.connect({ host: sim.host, port: sim.port, key: options.key });
    return await s.exec({ resource: 'd1', action: 'monitor', timeoutMs: 1000 });
  } catch (err) {
    if (isRemoteConnError(err)) return undefined;
    throw err;
  } finally {
    await sim.stop();
  }
}
