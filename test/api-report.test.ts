/**
 * The public surface of every package entry point is recorded under api/ (scripts/api-report.ts). A change
 * of any export fails here until the report is regenerated with `npm run api:update`, so it is visible in
 * review.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { API_DIR, apiReports } from '../scripts/api-report.js';

describe('public API reports (api/*.api.txt)', function () {
  this.timeout(120_000);
  let reports: Map<string, string>;
  before(() => {
    reports = apiReports();
  });

  it('every entry point has a committed report that matches its exports (npm run api:update to accept a change)', () => {
    for (const [id, text] of reports) {
      const file = join(API_DIR, `${id}.api.txt`);
      expect(existsSync(file), `api/${id}.api.txt is missing: run npm run api:update`).to.equal(true);
      expect(text, `the exports of ${id} changed: review, then run npm run api:update`).to.equal(readFileSync(file, 'utf8'));
    }
  });

  it('has no report for an entry point that no longer exists', () => {
    const committed = readdirSync(API_DIR).filter((f) => f.endsWith('.api.txt')).map((f) => f.slice(0, -'.api.txt'.length));
    expect(committed.sort()).to.deep.equal([...reports.keys()].sort());
  });

  it('keeps wire-layer plumbing out of the client API of remote-conn', () => {
    const root = reports.get('remote-conn') ?? '';
    for (const name of ['encodeFrame', 'daemonReply', 'registerReply', 'withTransport', 'bunzip2Exact', 'classifyInbound', 'parseXml', 'el', 'ConnectSlots', 'resolveNodeOptions']) {
      expect(root).not.to.match(new RegExp(`^${name} `, 'm'), name);
    }
    const protocol = reports.get('remote-conn.protocol') ?? '';
    for (const name of ['encodeFrame', 'FrameDecoder', 'daemonReply', 'parseDaemonRequest', 'execRequest', 'classifyInbound', 'parseXml']) {
      expect(protocol).to.match(new RegExp(`^${name} `, 'm'), name);
    }
  });
});
