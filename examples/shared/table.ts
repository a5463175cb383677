/** Plain-text tables for the examples' final summaries. */

/** Renders rows as an aligned text table with upper-case headers; missing values print as `-`. */
export function renderTable(rows: Array<Record<string, unknown>>, columns: string[]): string {
  const cell = (v: unknown) => (v === undefined || v === null ? '-' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n');
}
