/**
 * The order in which Pacemaker 2.1.5 echoes op parameters in `<attributes>` of a completion notify: the
 * iteration order of the GLib hash table the daemon keeps them in (case-insensitive string keys,
 * `g_str_hash` of the lower-cased key, open addressing with quadratic probing, GLib 2.74 as on Debian 12).
 * Checked against the captured samples (session-07/08/09: `state`, `CRM_meta_timeout`, `CRM_meta_interval`).
 */

const PRIME_MOD = [
  1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071, 262139, 524287,
  1048573, 2097143, 4194301, 8388593, 16777213, 33554393, 67108859, 134217689, 268435399, 536870909, 1073741789,
  2147483647,
];
const MIN_SHIFT = 3;

function strHash(key: string): number {
  let h = 5381;
  for (const c of Buffer.from(key.toLowerCase(), 'utf8')) h = (Math.imul(h, 33) + (c > 127 ? c - 256 : c)) >>> 0;
  return h < 2 ? 2 : h;
}

function closestShift(n: number): number {
  let i = 0;
  for (; n; i++) n >>>= 1;
  return Math.max(i, MIN_SHIFT);
}

/** Returns `entries` in the iteration order of a 2.1.5 daemon's parameter table (later duplicates dropped). */
export function glibTableOrder(entries: ReadonlyArray<readonly [string, string]>): Array<[string, string]> {
  let shift = MIN_SHIFT;
  let size = 1 << shift;
  let hashes: number[] = new Array<number>(size).fill(0);
  let items: Array<[string, string] | undefined> = new Array<[string, string] | undefined>(size);
  let nnodes = 0;
  const mod = () => PRIME_MOD[shift] ?? 2147483647;

  const resize = () => {
    const oldSize = size;
    shift = closestShift(Math.trunc(nnodes * 1.333));
    size = 1 << shift;
    if (size > oldSize) {
      hashes = hashes.concat(new Array<number>(size - oldSize).fill(0));
      items = items.concat(new Array<[string, string] | undefined>(size - oldSize));
    }
    const placed = new Array<boolean>(Math.max(size, oldSize)).fill(false);
    for (let i = 0; i < oldSize; i++) {
      let h = hashes[i] ?? 0;
      if (h < 2) {
        hashes[i] = 0;
        continue;
      }
      if (placed[i]) continue;
      hashes[i] = 0;
      let item = items[i];
      items[i] = undefined;
      for (;;) {
        let idx = h % mod();
        let step = 0;
        while (placed[idx]) {
          step++;
          idx = (idx + step) & (size - 1);
        }
        placed[idx] = true;
        const replacedHash = hashes[idx] ?? 0;
        const replacedItem = items[idx];
        hashes[idx] = h;
        items[idx] = item;
        if (replacedHash < 2) break;
        h = replacedHash;
        item = replacedItem;
      }
    }
    if (size < oldSize) {
      hashes.length = size;
      items.length = size;
    }
  };

  for (const [key, value] of entries) {
    const h = strHash(key);
    let idx = h % mod();
    let step = 0;
    let found = false;
    while ((hashes[idx] ?? 0) !== 0) {
      if (hashes[idx] === h && items[idx]?.[0].toLowerCase() === key.toLowerCase()) {
        found = true;
        break;
      }
      step++;
      idx = (idx + step) & (size - 1);
    }
    if (found) continue; // g_hash_table_insert keeps the first key; xml2list never sees duplicates anyway
    hashes[idx] = h;
    items[idx] = [key, value];
    nnodes++;
    if ((size > nnodes * 4 && size > 1 << MIN_SHIFT) || size <= nnodes + Math.trunc(nnodes / 16)) resize();
  }
  return items.filter((x): x is [string, string] => x !== undefined);
}
