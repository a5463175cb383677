/**
 * Name/value blocks (`meta_attributes`, `instance_attributes`) unpacked as Pacemaker 2.1.5 does
 * (`lib/pengine/rules.c`: `make_pairs`, `sort_pairs`, `populate_hash`):
 *
 * - blocks are taken in descending `score`; among equal scores the block *later* in the document comes
 *   first (Pacemaker prepends while collecting, then sorts stably);
 * - a block or an `nvpair` with `id-ref` is replaced by the element it refers to (name and value may come
 *   from the referenced `nvpair`);
 * - without `overwrite` the first value seen for a name wins, with it the last one; the value `#default`
 *   removes an earlier value;
 * - a block whose rule is false is skipped. A rule that cannot be evaluated here (node attributes, dates)
 *   skips the block too and is reported in `unevaluated`, so no value is silently taken from it.
 */
import { elements, type XmlElement } from './xml-tree.js';
import type { IdIndex } from './ids.js';
import { evaluateBlockRules, type RuleContext } from './rules.js';

/** A block whose rule could not be evaluated, and the names it would have set. */
export interface UnevaluatedBlock {
  /** Id of the block (or of its owner when it has none). */
  id: string;
  /** Names of the nvpairs it holds. */
  names: string[];
}

/** Options of {@link unpackNvpairs}. */
export interface UnpackOptions {
  /** Replace values already present (Pacemaker's `overwrite`). Default false. */
  overwrite?: boolean;
  /** Rule context. */
  context?: RuleContext;
  /** Receives blocks whose rules were not evaluated. */
  unevaluated?: UnevaluatedBlock[];
}

/** Parses a `score` as `char2score` does (INFINITY forms, integer prefix, 0 otherwise). */
export function char2score(text: string | undefined): number {
  if (text === undefined) return 0;
  const t = text.trim().toLowerCase();
  if (t === 'infinity' || t === '+infinity') return 1_000_000;
  if (t === '-infinity') return -1_000_000;
  const m = /^[+-]?\d+/.exec(t);
  if (m === null) return 0;
  return Math.max(-1_000_000, Math.min(1_000_000, Number(m[0])));
}

/** The blocks named `setName` directly under `owner`, expanded and in Pacemaker's processing order. */
export function sortedBlocks(owner: XmlElement, setName: string, ids: IdIndex): XmlElement[] {
  const found: Array<{ block: XmlElement; score: number; pos: number }> = [];
  let pos = 0;
  for (const child of elements(owner, setName)) {
    const block = ids.expand(child);
    if (block === undefined) continue;
    found.push({ block, score: char2score(block.attrs['score']), pos: pos++ });
  }
  // Descending score; ties: later in the document first.
  found.sort((a, b) => b.score - a.score || b.pos - a.pos);
  return found.map((f) => f.block);
}

/** Adds the nvpairs of one block into `into`. */
export function populate(block: XmlElement, into: Map<string, string>, overwrite: boolean, ids: IdIndex): void {
  for (const pair of elements(block, 'nvpair')) {
    const ref = pair.attrs['id-ref'] !== undefined ? ids.expand(pair) : pair;
    const name = pair.attrs['name'] ?? ref?.attrs['name'];
    const value = pair.attrs['value'] ?? ref?.attrs['value'];
    if (name === undefined || value === undefined) continue;
    if (value.toLowerCase() === '#default') {
      into.delete(name);
      continue;
    }
    if (!into.has(name) || overwrite) into.set(name, value);
  }
}

/** Names held by a block (following nvpair id-refs). */
function namesOf(block: XmlElement, ids: IdIndex): string[] {
  const out: string[] = [];
  for (const pair of elements(block, 'nvpair')) {
    const ref = pair.attrs['id-ref'] !== undefined ? ids.expand(pair) : pair;
    const name = pair.attrs['name'] ?? ref?.attrs['name'];
    if (name !== undefined) out.push(name);
  }
  return out;
}

/** Unpacks the `setName` blocks of `owner` into `into` (`pe__unpack_dataset_nvpairs`). */
export function unpackNvpairs(
  owner: XmlElement | undefined,
  setName: string,
  ids: IdIndex,
  into: Map<string, string>,
  options: UnpackOptions = {},
): Map<string, string> {
  if (owner === undefined) return into;
  const ctx = options.context ?? {};
  for (const block of sortedBlocks(owner, setName, ids)) {
    const r = evaluateBlockRules(block, ctx);
    if (r === false) continue;
    if (r === 'unknown') {
      options.unevaluated?.push({ id: block.attrs['id'] ?? owner.attrs['id'] ?? setName, names: namesOf(block, ids) });
      continue;
    }
    populate(block, into, options.overwrite ?? false, ids);
  }
  return into;
}
