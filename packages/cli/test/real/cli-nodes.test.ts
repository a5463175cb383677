/**
 * `pcmk-remote nodes --cib` against Pacemaker's own view of the same CIB: the node list that
 * `crm_simulate -x FILE -S` (Debian 2.1.5) prints for the current status. Every remote and guest node it
 * lists must be in our output with the same online/unclean state; every remote node of ours must be in its
 * list (crm_mon hides offline guest nodes, so a guest it does not list must be offline in ours).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { NodeRow } from '../../src/nodes.js';
import { cli } from '../cli-io.js';

const CTS = '/work/shared/cts-scheduler';
const FILES = [
  'remote-fence-unclean.xml',
  'remote-disable.xml',
  'remote-orphaned.xml',
  'remote-recover-fail.xml',
  'whitebox-fail1.xml',
  'whitebox-start.xml',
  'bundle-order-stop-on-remote.xml',
];

interface PcmkNode {
  kind: 'remote' | 'guest';
  online: boolean;
  unclean: boolean;
}

function crmSimulate(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('crm_simulate', ['-x', file, '-S'], { timeout: 30_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LANG: 'C' } }, (err, stdout) =>
      err && !stdout ? reject(err) : resolve(stdout),
    );
  });
}

/** Remote and guest nodes from the first "Node List" (the current status) of crm_simulate's output. */
export function pacemakerRemoteNodes(out: string): Map<string, PcmkNode> {
  const start = out.indexOf('* Node List:');
  if (start < 0) throw new Error('crm_simulate printed no node list');
  const block = out.slice(start).split('\n\n')[0] ?? '';
  const nodes = new Map<string, PcmkNode>();
  for (const line of block.split('\n').slice(1)) {
    const list = /^\s*\* (Remote|Guest)(Online|OFFLINE): \[ (.*) \]$/.exec(line);
    if (list) {
      for (const name of (list[3] ?? '').split(/\s+/).filter(Boolean)) {
        nodes.set(name, { kind: list[1] === 'Remote' ? 'remote' : 'guest', online: list[2] === 'Online', unclean: false });
      }
      continue;
    }
    const single = /^\s*\* (RemoteNode|GuestNode) (\S+): (.*)$/.exec(line);
    if (single) {
      const state = single[3] ?? '';
      nodes.set(single[2] as string, {
        kind: single[1] === 'RemoteNode' ? 'remote' : 'guest',
        online: !/offline/i.test(state),
        unclean: /UNCLEAN/.test(state),
      });
    }
  }
  return nodes;
}

describe('pcmk-remote nodes vs crm_simulate (real Pacemaker 2.1.5 tools)', function () {
  this.timeout(60_000);
  for (const f of FILES) {
    it(`${f}: the same remote and guest nodes, online and unclean as Pacemaker says`, async () => {
      const path = join(CTS, f);
      const [sim, r] = await Promise.all([crmSimulate(path), cli(['nodes', '--cib', path, '--json'])]);
      expect(r.code, r.stderr).to.equal(0);
      const ours = new Map((JSON.parse(r.stdout) as { nodes: NodeRow[] }).nodes.map((n) => [n.name, n]));
      const theirs = pacemakerRemoteNodes(sim);
      expect(theirs.size, 'crm_simulate lists remote or guest nodes').to.be.greaterThan(0);
      for (const [name, p] of theirs) {
        const n = ours.get(name);
        expect(n, `${name} (listed by crm_simulate)`).to.not.equal(undefined);
        expect(n?.kind, name).to.equal(p.kind);
        expect(n?.state?.online, `${name} online`).to.equal(p.online);
        expect(n?.state?.unclean, `${name} unclean`).to.equal(p.unclean);
      }
      for (const [name, n] of ours) {
        if (theirs.has(name)) continue;
        expect(n.kind, `${name} is missing from crm_simulate's list, so it must be a hidden offline guest`).to.equal('guest');
        expect(n.state?.online, `${name} online`).to.equal(false);
      }
    });
  }
});
