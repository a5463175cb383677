/**
 * Protocol 1.2 opt-in (`protocolVersion: '1.2'`) against each real daemon. A 2.1.8+ daemon answers a
 * provider that registers with 1.2 by fetching the cluster's extra CIB schema files through the IPC proxy
 * (protocol.md §3.6). Until a relay answers it, our session refuses that proxied CIB connection (it answers
 * `destroy`): the fetch fails harmlessly, the session works as before, and the daemon still stops at once.
 * With the default 1.1 no fetch starts at all, which is why 1.1 stays the default.
 *
 * With an `ipcRelay` whose ReadOnlyCibRelay has a `schemaDirectory`, the fetch is answered: given a copy
 * of the daemon's own schema directory plus one newer version, the daemon writes exactly the files we
 * served (the newer version and what it includes) into its extra-schema directory and logs success;
 * without a directory the relay refuses the request and the daemon logs the failure and carries on.
 */
import { expect } from 'chai';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReadOnlyCibRelay, RemoteSession, composeRelays } from '../../src/index.js';
import { TEST_CIB } from '../conformance/relay-suite.js';
import { peerRoot } from '../support/peer-chroot.js';
import { DAEMON_VERSIONS, startRealDaemon, type RealDaemon } from '../support/real-daemon.js';

const FETCH = 'Fetching extra schema files from cluster';
const FETCHED = 'Fetching extra schema files completed successfully';
const NOT_FETCHED = 'Could not load additional schema files';

for (const version of DAEMON_VERSIONS) {
  describe(`protocol 1.2 (real pacemaker-remoted ${version})`, function () {
    this.timeout(30_000);
    let d: RealDaemon;
    beforeEach(async () => {
      d = await startRealDaemon({ version });
    });
    afterEach(async () => {
      await d?.dispose();
    });

    it(`${version}: the default 1.1 starts no schema fetch`, async () => {
      const s = await RemoteSession.connect({ host: d.host, port: d.port, key: d.key });
      await s.poke();
      await new Promise((r) => setTimeout(r, 300));
      await s.close();
      expect(d.log()).to.not.include(FETCH);
    });

    it(`${version}: '1.2' registers${version === '2.1.5' ? ' (the daemon speaks 1.1 and fetches nothing)' : '; the schema fetch through us fails harmlessly'}`, async () => {
      const s = await RemoteSession.connect({ host: d.host, port: d.port, key: d.key, protocolVersion: '1.2' });
      let closedEarly = false;
      void s.whenClosed.then(() => (closedEarly = true));
      try {
        expect(s.protocolVersion).to.equal(version === '2.1.5' ? '1.1' : '1.2');
        await new Promise((r) => setTimeout(r, 500));
        if (version === '2.1.5') expect(d.log()).to.not.include(FETCH);
        else expect(d.log()).to.include(FETCH);
        // Nothing else changed: the session answers and runs agents.
        await s.poke();
        await s.registerResource({ id: 'p12', standard: 'ocf', provider: 'pacemaker', type: 'Dummy' });
        expect((await s.exec({ resource: 'p12', action: 'start', timeoutMs: 20_000 })).rc).to.equal(0);
        expect((await s.exec({ resource: 'p12', action: 'stop', timeoutMs: 20_000 })).rc).to.equal(0);
        expect(closedEarly).to.equal(false);
      } finally {
        await s.close();
      }
      // And the daemon still stops at once when asked.
      const t0 = Date.now();
      d.signal('SIGTERM');
      await d.waitExit(3000);
      expect(Date.now() - t0).to.be.lessThan(3000);
    });
  });
}

/** pacemaker-X.Y of the newest `pacemaker-X.Y.rng` in `dir`. */
function newestSchema(dir: string): [number, number] {
  const versions = readdirSync(dir)
    .map((n) => /^pacemaker-(\d+)\.(\d+)\.rng$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [Number(m[1]), Number(m[2])] as [number, number])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return versions.at(-1) as [number, number];
}

for (const version of DAEMON_VERSIONS.filter((v) => v !== '2.1.5') as Array<Exclude<(typeof DAEMON_VERSIONS)[number], '2.1.5'>>) {
  describe(`protocol 1.2 schema transfer through the CIB relay (real pacemaker-remoted ${version})`, function () {
    this.timeout(30_000);
    const root = peerRoot(version);
    // Where a 3.0 daemon keeps the schemas it fetched (PCMK__REMOTE_SCHEMA_DIR), inside its chroot.
    const extraDir = join(root, 'var/lib/pacemaker/schemas');
    let d: RealDaemon | undefined;
    let served: string | undefined;
    afterEach(async () => {
      await d?.dispose();
      d = undefined;
      if (served) rmSync(served, { recursive: true, force: true });
      served = undefined;
      // Leave no schema of ours behind for the next daemon started from this chroot.
      if (existsSync(extraDir)) for (const f of readdirSync(extraDir, { withFileTypes: true })) if (f.isFile()) rmSync(join(extraDir, f.name), { force: true });
    });

    async function run(schemaDirectory: string | undefined): Promise<string> {
      d = await startRealDaemon({ version, debug: true });
      const cib = new ReadOnlyCibRelay({ cib: TEST_CIB, ...(schemaDirectory ? { schemaDirectory } : {}) });
      const s = await RemoteSession.connect({ host: d.host, port: d.port, key: d.key, protocolVersion: '1.2', ipcRelay: composeRelays({ cib_ro: cib, cib_rw: cib }), nodeName: 'remote1' });
      const relayErrors: string[] = [];
      s.on('relay-error', (e) => relayErrors.push(`${e.kind}: ${e.error.message}`));
      let closedEarly = false;
      void s.whenClosed.then(() => (closedEarly = true));
      try {
        expect(s.protocolVersion).to.equal('1.2');
        const t0 = Date.now();
        while (!d.log().includes(FETCHED) && !d.log().includes(NOT_FETCHED) && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
        // The session keeps working: it answers and runs agents.
        await s.poke();
        await s.registerResource({ id: 'p12s', standard: 'ocf', provider: 'pacemaker', type: 'Dummy' });
        expect((await s.exec({ resource: 'p12s', action: 'start', timeoutMs: 20_000 })).rc).to.equal(0);
        expect((await s.exec({ resource: 'p12s', action: 'stop', timeoutMs: 20_000 })).rc).to.equal(0);
        expect(closedEarly).to.equal(false);
        expect(relayErrors).to.deep.equal([]);
      } finally {
        await s.close();
      }
      return d.log();
    }

    it(`${version}: with a schemaDirectory the daemon's fetch is answered: it stores the newer schema we served and logs success`, async () => {
      // A cluster one schema ahead: the daemon's own schemas plus pacemaker-X.(Y+1) (a copy of its newest).
      served = mkdtempSync(join(tmpdir(), 'pcmk-schemas-'));
      cpSync(join(root, 'usr/share/pacemaker'), served, { recursive: true });
      const [major, minor] = newestSchema(served);
      const newer = `pacemaker-${major}.${minor + 1}.rng`;
      copyFileSync(join(served, `pacemaker-${major}.${minor}.rng`), join(served, newer));
      const log = await run(served);
      expect(log).to.include(FETCH);
      expect(log).to.include(FETCHED);
      expect(log).to.not.include(NOT_FETCHED);
      // What it received: the newer version's main file and every file it includes, as we served them.
      const got = readdirSync(extraDir).sort();
      expect(got).to.include(newer);
      expect(got.length).to.be.greaterThan(1);
      for (const f of got) expect(readFileSync(join(extraDir, f), 'utf8'), f).to.equal(readFileSync(join(served, f), 'utf8'));
      expect(got.filter((f) => /^pacemaker-\d+\.\d+\.rng$/.test(f))).to.deep.equal([newer]);
    });

    it(`${version}: with the daemon's own schemas only, the answer is empty and the fetch still succeeds`, async () => {
      const log = await run(join(root, 'usr/share/pacemaker'));
      expect(log).to.include(FETCHED);
      expect(log).to.not.include(NOT_FETCHED);
      expect(readdirSync(extraDir).filter((f) => f.endsWith('.rng'))).to.deep.equal([]);
    });

    it(`${version}: without a schemaDirectory the relay refuses the fetch; the daemon logs it and carries on`, async () => {
      const log = await run(undefined);
      expect(log).to.include(FETCH);
      expect(log).to.include(NOT_FETCHED);
      expect(log).to.not.include(FETCHED);
    });
  });
}
