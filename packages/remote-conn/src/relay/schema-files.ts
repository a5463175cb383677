/**
 * The CIB schema transfer of executor protocol 1.2 (protocol.md §3.6): right after a provider registers
 * with `1.2`, a 2.1.8+ daemon asks the (proxied) CIB for every schema newer than the newest it knows
 * (`cib_schemas`, calldata `<schema version="pacemaker-X.Y"/>`). The CIB manager answers with
 * `<schemas><schema version="..."><file path="...">CDATA</file>...</schema>...</schemas>`: for each newer
 * version its main file and, once across the answer, every file it includes (`based_process_schemas`,
 * `pcmk__build_schema_xml_node`).
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { el, type XmlElement } from '../messages/xml.js';

const VERSION_FILE = /^pacemaker-(\d+)\.(\d+)\.rng$/;
const REFERENCE = /<(?:externalRef|include)\b[^>]*\bhref\s*=\s*"([^"]+)"/g;

/** Compares `pacemaker-X.Y` names by version (unknown names sort first). */
export function compareSchemaNames(a: string, b: string): number {
  const va = /^pacemaker-(\d+)\.(\d+)$/.exec(a);
  const vb = /^pacemaker-(\d+)\.(\d+)$/.exec(b);
  if (!va || !vb) return va ? 1 : vb ? -1 : 0;
  return Number(va[1]) - Number(vb[1]) || Number(va[2]) - Number(vb[2]);
}

/**
 * The `<schemas>` answer for a node that knows schemas up to `after`, from the `.rng` files of `dir`
 * (a copy of Pacemaker's schema directory, e.g. `/usr/share/pacemaker`).
 */
export async function schemasAfter(dir: string, after: string): Promise<XmlElement> {
  const names = await readdir(dir);
  const versions = names
    .map((n) => VERSION_FILE.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `pacemaker-${m[1]}.${m[2]}`)
    .filter((v) => compareSchemaNames(v, after) > 0)
    .sort(compareSchemaNames);
  const included = new Set<string>();
  const schemas: XmlElement[] = [];
  for (const version of versions) {
    const files: XmlElement[] = [];
    const add = async (file: string): Promise<void> => {
      const path = file.endsWith('.rng') || file.endsWith('.xsl') ? file : `${file}.rng`;
      if (included.has(path) || path.includes('/') || path.startsWith('.')) return;
      let contents: string;
      try {
        contents = await readFile(join(dir, path), 'utf8');
      } catch {
        return; // Pacemaker warns and leaves the file out
      }
      included.add(path);
      files.push({ ...el('file', { path }), cdata: contents });
      for (const m of contents.matchAll(REFERENCE)) await add(m[1] as string);
    };
    await add(`${version}.rng`);
    if (files.length > 0) schemas.push(el('schema', { version }, files));
  }
  return el('schemas', {}, schemas);
}
