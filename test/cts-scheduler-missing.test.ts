/**
 * Without ../shared/cts-scheduler, the suites that need it fail with one clear message each, when their
 * tests run; mocha still loads every file and runs everything else (issue #17 §6).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

describe('the cts-scheduler CIBs missing', function () {
  this.timeout(120_000);

  it('fails the tests that need them with a clear message, and runs the others', () => {
    const missing = '/nonexistent/cts-scheduler';
    const r = spawnSync(
      process.execPath,
      [
        '--conditions=source', '--import', 'tsx', 'scripts/run-mocha.ts',
        '--grep', 'round-trips through serializeXml|decodes the predefined entities|mutated cts-scheduler CIBs|the cts-scheduler CIBs are there',
        'packages/cib-model/test/xml-tree.test.ts', 'packages/cib-model/test/fuzz.test.ts', 'packages/cib-model/test/real/crm-simulate-oracle.test.ts',
      ],
      { cwd: ROOT, env: { ...process.env, PCMK_CTS_DIR: missing }, encoding: 'utf8' },
    );
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.status, out).to.equal(1);
    expect(out).to.include(`The cts-scheduler CIBs are missing: expected 108 .xml files in ${missing}`);
    // Loading did not crash: mocha ran and summed up; the test that does not need the CIBs passed.
    expect(out, out).to.match(/mocha: 1 passed, 3 failed/);
  });
});
