import { expect } from 'chai';
import fc from 'fast-check';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  classifyNodeDown,
  DEFAULT_POLICY,
  FencingError,
  FencingErrorCodes,
  isFencingError,
  resolvePolicy,
  type NodeDownReason,
} from '../src/index.js';

const REASONS: NodeDownReason[] = ['connect-timeout', 'refused', 'auth-failed', 'connection-lost', 'monitor-timeout', 'shutdown', 'stopped', 'protocol-error', 'takeover'];

describe('policy', () => {
  it('defaults follow Pacemaker (fence at once, reboot, 2 retries 1 s apart, 60 s, guests by container restart)', () => {
    expect(resolvePolicy()).to.deep.equal(DEFAULT_POLICY);
    expect(DEFAULT_POLICY).to.include({ graceMs: 0, action: 'reboot', retries: 2, retryDelayMs: 1000, timeoutMs: 60_000, guestRecovery: 'container-restart', fenceOnTakeover: false, reconnectDuringGrace: false });
  });

  it('rejects bad options with PCMK_FENCE_INVALID_ARGUMENT', () => {
    for (const bad of [{ graceMs: -1 }, { timeoutMs: 0 }, { retries: 1.5 }, { action: 'on' }, { guestRecovery: 'x' }, { enabled: 'yes' }, { historyLimit: 0 }]) {
      expect(() => resolvePolicy(bad as never), JSON.stringify(bad)).to.throw(FencingError).with.property('code', FencingErrorCodes.INVALID_ARGUMENT);
    }
  });

  it('classifies node-down reasons as Pacemaker does', () => {
    const ctx = { established: true, shutdownRequested: false, unclean: false };
    const kinds = Object.fromEntries(REASONS.map((r) => [r, classifyNodeDown(r, ctx, DEFAULT_POLICY)]));
    expect(kinds).to.deep.equal({
      'connect-timeout': { kind: 'start-failure' },
      refused: { kind: 'start-failure' },
      'auth-failed': { kind: 'start-failure' },
      'connection-lost': { kind: 'loss' },
      'monitor-timeout': { kind: 'loss' },
      'protocol-error': { kind: 'loss' },
      shutdown: { kind: 'skip', skip: 'graceful-shutdown' },
      stopped: { kind: 'skip', skip: 'graceful-shutdown' },
      takeover: { kind: 'skip', skip: 'takeover' },
    });
    expect(classifyNodeDown('takeover', ctx, resolvePolicy({ fenceOnTakeover: true }))).to.deep.equal({ kind: 'loss' });
  });

  it('property: only an established, not shut-down, clean node with fencing enabled is ever a loss', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...REASONS),
        fc.record({ established: fc.boolean(), shutdownRequested: fc.boolean(), unclean: fc.boolean() }),
        fc.record({ enabled: fc.boolean(), fenceOnTakeover: fc.boolean() }),
        (reason, ctx, p) => {
          const d = classifyNodeDown(reason, ctx, resolvePolicy(p));
          const expected =
            ctx.established && !ctx.shutdownRequested && !ctx.unclean && p.enabled &&
            (['connection-lost', 'monitor-timeout', 'protocol-error'].includes(reason) || (reason === 'takeover' && p.fenceOnTakeover));
          expect(d.kind === 'loss').to.equal(expected);
          if (reason === 'shutdown' || reason === 'stopped' || ctx.shutdownRequested) expect(d.kind).to.not.equal('loss');
        },
      ),
    );
  });
});

describe('FencingError', () => {
  it('carries a stable code, details and cause; instanceof survives duplicate copies via the brand', () => {
    const cause = new Error('root');
    const e = new FencingError(FencingErrorCodes.TIMEOUT, 'slow', { cause, details: { target: 'r1' } });
    expect(e).to.include({ name: 'FencingError', code: 'PCMK_FENCE_TIMEOUT', cause });
    expect(e.details.target).to.equal('r1');
    expect(isFencingError(e, FencingErrorCodes.TIMEOUT)).to.equal(true);
    expect(isFencingError(e, FencingErrorCodes.ABORTED)).to.equal(false);
    const foreign = Object.assign(Object.create(Error.prototype) as object, { code: 'PCMK_FENCE_TIMEOUT' });
    Object.defineProperty(foreign, Symbol.for('pcmk-remote.fencing-hooks.error'), { value: true });
    expect(foreign instanceof FencingError).to.equal(true);
    expect(new Error('x') instanceof FencingError).to.equal(false);
    expect(Object.values(FencingErrorCodes).every((c) => c.startsWith('PCMK_FENCE_'))).to.equal(true);
  });
});

describe('layering', () => {
  const src = join(import.meta.dirname, '..', 'src');
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));
  // Folder → the folders it may import from ('' = the shared modules at the top of src/).
  const allowed: Record<string, string[]> = { '': [''], fencers: ['', 'fencers'], policy: ['', 'policy'], coordinator: ['', 'policy', 'coordinator'] };

  it('each layer imports only the layers below it; relative imports end in .js; no console', () => {
    for (const file of files(src)) {
      const rel = relative(src, file);
      const layer = rel.includes('/') ? rel.split('/')[0]! : '';
      const text = readFileSync(file, 'utf8');
      expect(text, `${rel} uses console`).to.not.match(/\bconsole\./);
      if (rel === 'index.ts' || rel === 'internal.ts') continue; // entry points gather every layer
      for (const [, spec] of text.matchAll(/from '(\.[^']+)'/g)) {
        expect(spec, `${rel}: ${spec}`).to.match(/\.js$/);
        const target = relative(src, join(file, '..', spec!));
        const targetLayer = target.includes('/') ? target.split('/')[0]! : '';
        expect(allowed[layer], `${rel} imports ${target}`).to.include(targetLayer);
      }
    }
  });
});
