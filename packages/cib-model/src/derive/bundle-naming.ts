/**
 * Naming helpers of bundle replicas (`lib/pengine/bundle.c`): replica IP addresses and sanitized ids.
 */

/** `next_ip` of bundle.c: the next IPv4 address, or undefined (not IPv4, or past x.x.253.x). */
export function nextBundleIp(last: string): string | undefined {
  const m = /^\s*([+-]?\d+)\.\s*([+-]?\d+)\.\s*([+-]?\d+)\.\s*([+-]?\d+)/.exec(last);
  if (m === null) return undefined;
  const u = (s: string): number => {
    const n = Number(s);
    if (!Number.isFinite(n) || Math.abs(n) > 2 ** 53) return 0xffffffff;
    return ((n % 2 ** 32) + 2 ** 32) % 2 ** 32;
  };
  const o1 = u(m[1] as string), o2 = u(m[2] as string);
  let o3 = u(m[3] as string), o4 = u(m[4] as string);
  if (o3 > 253) return undefined;
  if (o4 > 253) { o3++; o4 = 1; } else o4++;
  return `${o1}.${o2}.${o3}.${o4}`;
}

/** `crm_xml_sanitize_id`. */
export function sanitizeId(id: string): string {
  return id.replace(/[:#]/g, '.');
}
