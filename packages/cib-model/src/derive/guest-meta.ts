/**
 * Guest-node meta attributes as Pacemaker 2.1.5 reads them (`expand_remote_rsc_meta`: raw, no rules, no
 * `id-ref`) and the implicit connection primitive it writes for a guest (`pe_create_remote_xml`).
 */
import { elements, firstElement, type XmlElement } from '../parse/xml-tree.js';
import type { ResourceIndex } from '../parse/resources.js';

/** Default `remote-connect-timeout` of a guest node. */
export const DEFAULT_GUEST_CONNECT_TIMEOUT = '60s';

const GUEST_META = ['remote-node', 'remote-addr', 'remote-port', 'remote-connect-timeout'] as const;

interface RawGuestMeta {
  name: string | undefined;
  addr: string | undefined;
  port: string | undefined;
  /** `null`: an nvpair without value overrode the default (Pacemaker then writes no start op). */
  connectTimeout: string | null;
  seen: boolean;
  /** Ids of blocks/nvpairs whose guest meta Pacemaker reads without rules or references. */
  notExpanded: string[];
}

/** `expand_remote_rsc_meta`: the guest attributes of a primitive, read raw. */
export function readRawGuestMeta(e: XmlElement, index: ResourceIndex): RawGuestMeta {
  const out: RawGuestMeta = { name: undefined, addr: undefined, port: undefined, connectTimeout: DEFAULT_GUEST_CONNECT_TIMEOUT, seen: false, notExpanded: [] };
  for (const block of elements(e)) {
    if (block.name.toLowerCase() !== 'meta_attributes') continue;
    const hasRule = firstElement(block, 'rule') !== undefined;
    let relevant = false;
    for (const pair of elements(block)) {
      const name = pair.attrs['name']?.toLowerCase();
      const value = pair.attrs['value'];
      if (name === undefined) {
        // id-ref nvpair: Pacemaker does not follow it here.
        const ref = pair.attrs['id-ref'] !== undefined ? index.ids.expand(pair) : undefined;
        const refName = ref?.attrs['name']?.toLowerCase();
        if (refName !== undefined && (GUEST_META as readonly string[]).includes(refName)) out.notExpanded.push(pair.attrs['id-ref'] as string);
        continue;
      }
      switch (name) {
        case 'remote-node': out.name = value; break;
        case 'remote-addr': out.addr = value; break;
        case 'remote-port': out.port = value; break;
        case 'remote-connect-timeout': out.connectTimeout = value ?? null; break;
        default: continue;
      }
      out.seen = true;
      relevant = true;
    }
    if (relevant && hasRule) out.notExpanded.push(block.attrs['id'] ?? e.attrs['id'] ?? 'meta_attributes');
    if (block.attrs['id-ref'] !== undefined) {
      const target = index.ids.expand(block);
      if (target !== undefined && elements(target).some((p) => (GUEST_META as readonly string[]).includes(p.attrs['name']?.toLowerCase() ?? ''))) {
        out.notExpanded.push(block.attrs['id-ref']);
      }
    }
  }
  return out;
}

/** The implicit connection primitive Pacemaker writes (`pe_create_remote_xml`), enough for timeouts. */
export function implicitConnection(id: string, startTimeout: string | null): XmlElement {
  const children: XmlElement[] = [];
  if (startTimeout !== null) {
    children.push({ kind: 'element', name: 'op', attrs: { id: `${id}-start-0`, name: 'start', interval: '0', timeout: startTimeout }, children: [] });
  }
  return {
    kind: 'element',
    name: 'primitive',
    attrs: { id, class: 'ocf', provider: 'pacemaker', type: 'remote' },
    children: [{ kind: 'element', name: 'operations', attrs: {}, children }],
  };
}
