import { startCluster, remotePrimitiveXml, dummyXml, locationXml } from './index.js';
import { SimulatedRemoteDaemon } from '@pcmk-remote/remote-conn/testing';
const c = await startCluster({ nodes: 1 });
const sim = await SimulatedRemoteDaemon.start({ key: c.key, host: c.switchAddress, nodeName: 'sim1' });
await c.cib.add({ resources: [remotePrimitiveXml('sim1', { server: c.switchAddress, port: sim.port }), dummyXml('dsim', {}, 2)], constraints: [locationXml('sim1', 'node1'), locationXml('dsim', 'sim1', '100', 'exclusive')] });
await c.waitFor((x) => x.online('sim1') && x.runningOn('dsim')[0] === 'sim1');
console.log(JSON.stringify(sim.resources()));
sim.setRunning('dsim', false);
await new Promise(r => setTimeout(r, 6000));
console.log(JSON.stringify(sim.resources()));
const v = await c.crmMon(); console.log(JSON.stringify(v.failures), v.xml.split('\n').filter(l => /fail/.test(l)).join('\n'));

await sim.stop(); await c.stop();
