/**
 * `pcmk-remote simulate`: the farm in the foreground, its CIB fragment (checked by the real crm_verify),
 * the progress line and summary table, usage errors, and a clean exit on SIGTERM (as a child process).
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { parseXml, type XmlElement } from '@pcmk-remote/cib-model';
import { elements } from '@pcmk-remote/cib-model/internal';
import { runCli } from '../../src/program.js';
import { memoryIo, tempKeyDir } from '../cli-io.js';
import { connectAndRegister, type RawClient } from '../../../simulator/test/raw-client.js';

const key = randomBytes(256);
const ROOT = resolve(import.meta.dirname, '../../../..');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function freeRange(count: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const ok = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        new Promise<boolean>((r) => {
          const s = net.createServer();
          s.once('error', () => r(false));
          s.listen(base + i, '127.0.0.1', () => s.close(() => r(true)));
        }),
      ),
    );
    if (ok.every(Boolean)) return base;
  }
}

function refused(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      r(false);
    });
    s.once('error', (e: NodeJS.ErrnoException) => r(e.code === 'ECONNREFUSED'));
  });
}

/** The fragment inside a minimal CIB with node1, through the real crm_verify. */
function crmVerify(fragment: string, dir: string): string {
  const conf = parseXml(fragment);
  const inner = (name: string) => (elements(conf, name)[0] ? fragment.slice(fragment.indexOf(`<${name}>`), fragment.indexOf(`</${name}>`) + name.length + 3) : `<${name}/>`);
  const cib = `<cib crm_feature_set="3.16.2" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0"><configuration><crm_config><cluster_property_set id="o"><nvpair id="o-s" name="stonith-enabled" value="false"/></cluster_property_set></crm_config><nodes><node id="1" uname="node1"/></nodes>${inner('resources')}${inner('constraints')}</configuration><status/></cib>`;
  const file = join(dir, 'verify.xml');
  writeFileSync(file, cib);
  return execFileSync('crm_verify', ['--xml-file', file, '-V'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const attr = (e: XmlElement | undefined, set: string, name: string) =>
  e && elements(e, set).flatMap((s) => elements(s, 'nvpair')).find((p) => p.attrs.name === name)?.attrs.value;

describe('pcmk-remote simulate', function () {
  this.timeout(30_000);
  const tmp = tempKeyDir('pcmk-simulate-', key);
  const clients: RawClient[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });

  it('serves N nodes until stopped, prints their addresses, progress and a summary; writes a fragment crm_verify accepts', async () => {
    const base = await freeRange(3);
    const cibOut = join(tmp.dir, 'farm.xml');
    const ac = new AbortController();
    const m = memoryIo('', ac.signal);
    const run = runCli(['simulate', '--nodes', '3', '--base-port', String(base), '--key', tmp.keyFile, '--cib-out', cibOut, '--place-on', 'node1', '--dummies', '--progress-interval', '100ms'], m.io);
    while (!m.out().includes('wrote the CIB fragment')) await sleep(20);
    expect(m.out()).to.include(`sim1 127.0.0.1:${base}\nsim2 127.0.0.1:${base + 1}\nsim3 127.0.0.1:${base + 2}\n`);
    const { c } = await connectAndRegister({ port: base + 1, key, name: 'crmd' });
    clients.push(c);
    while (!m.out().includes('1/3 connected')) await sleep(20);
    ac.abort();
    expect(await run).to.equal(0);
    const out = m.out();
    expect(out).to.match(/NAME\s+ADDRESS\s+STATE/);
    expect(out).to.match(new RegExp(`sim2\\s+127\\.0\\.0\\.1:${base + 1}\\s+connected`));
    expect(out).to.include('stopped 3 nodes');
    for (let i = 0; i < 3; i++) expect(await refused(base + i)).to.equal(true);

    const fragment = readFileSync(cibOut, 'utf8');
    const conf = parseXml(fragment);
    expect(conf.name).to.equal('configuration');
    const prims = elements(elements(conf, 'resources')[0]!, 'primitive');
    const remotes = prims.filter((p) => p.attrs.type === 'remote');
    expect(remotes.map((p) => [p.attrs.id, attr(p, 'instance_attributes', 'server'), attr(p, 'instance_attributes', 'port'), attr(p, 'instance_attributes', 'reconnect_interval')])).to.deep.equal(
      [1, 2, 3].map((i) => [`sim${i}`, '127.0.0.1', String(base + i - 1), '15s']),
    );
    expect(remotes.every((p) => elements(elements(p, 'operations')[0]!, 'op').some((o) => o.attrs.name === 'monitor'))).to.equal(true);
    const locs = elements(elements(conf, 'constraints')[0]!, 'rsc_location');
    expect(locs.filter((l) => l.attrs.node === 'node1').map((l) => l.attrs.rsc)).to.deep.equal(['sim1', 'sim2', 'sim3']);
    expect(locs.filter((l) => l.attrs['resource-discovery'] === 'exclusive').map((l) => [l.attrs.rsc, l.attrs.node])).to.deep.equal(
      [1, 2, 3].map((i) => [`sim${i}-dummy`, `sim${i}`]),
    );
    crmVerify(fragment, tmp.dir);
  });

  it('--guests: a Dummy container per node with remote-node/remote-addr/remote-port meta', async () => {
    const base = await freeRange(2);
    const cibOut = join(tmp.dir, 'guests.xml');
    const ac = new AbortController();
    const m = memoryIo('', ac.signal);
    const run = runCli(['simulate', '--nodes', '2', '--base-port', String(base), '--key', tmp.keyFile, '--cib-out', cibOut, '--place-on', 'node1', '--guests', '--prefix', 'g'], m.io);
    while (!m.out().includes('wrote the CIB fragment')) await sleep(20);
    ac.abort();
    expect(await run).to.equal(0);
    const fragment = readFileSync(cibOut, 'utf8');
    const prims = elements(elements(parseXml(fragment), 'resources')[0]!, 'primitive');
    expect(prims.map((p) => [p.attrs.id, p.attrs.type, attr(p, 'meta_attributes', 'remote-node'), attr(p, 'meta_attributes', 'remote-addr'), attr(p, 'meta_attributes', 'remote-port')])).to.deep.equal([
      ['g1-container', 'Dummy', 'g1', '127.0.0.1', String(base)],
      ['g2-container', 'Dummy', 'g2', '127.0.0.1', String(base + 1)],
    ]);
    crmVerify(fragment, tmp.dir);
  });

  it('usage errors exit 2 with a message: bad --nodes, missing key, a port in use', async () => {
    const bad = async (args: string[], re: RegExp) => {
      const m = memoryIo();
      expect(await runCli(['simulate', ...args], m.io), args.join(' ')).to.equal(2);
      expect(m.err()).to.match(re);
    };
    await bad(['--nodes', '0', '--key', tmp.keyFile], /--nodes must be at least 1/);
    await bad(['--nodes', 'x', '--key', tmp.keyFile], /--nodes must be/);
    await bad(['--nodes', '1', '--key', join(tmp.dir, 'missing')], /missing/);
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    try {
      await bad(['--nodes', '1', '--key', tmp.keyFile, '--base-port', String((blocker.address() as net.AddressInfo).port)], /cannot listen/);
    } finally {
      blocker.close();
    }
  });

  it('as a process: SIGTERM ends it cleanly (exit 0, summary printed, every port closed)', async () => {
    const base = await freeRange(2);
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'packages/cli/src/main.ts', 'simulate', '--nodes', '2', '--base-port', String(base), '--key', tmp.keyFile], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
    const deadline = Date.now() + 20_000;
    while (!out.includes('connected') && Date.now() < deadline) await sleep(50);
    child.kill('SIGTERM');
    expect(await exited).to.equal(0);
    expect(out).to.include('stopped 2 nodes');
    expect(await refused(base)).to.equal(true);
    expect(await refused(base + 1)).to.equal(true);
  });
});
