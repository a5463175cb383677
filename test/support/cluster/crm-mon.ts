/**
 * What `crm_mon --output-as=xml` says, as plain data: the oracle the fixture waits on and tests compare with.
 */
import { parseXml, type XmlElement } from '@pcmk-remote/cib-model';
import { elements, firstElement } from '@pcmk-remote/cib-model/internal';

/** One `<node>` of crm_mon's `<nodes>`, attributes as crm_mon prints them. */
export interface CrmMonNode {
  name: string;
  id: string;
  /** `member` or `remote` (guest nodes are `remote` too, with `id_as_resource`). */
  type: string;
  online: boolean;
  standby: boolean;
  maintenance: boolean;
  unclean: boolean;
  pending: boolean;
  shutdown: boolean;
  isDc: boolean;
  attrs: Record<string, string>;
}

/** One primitive of crm_mon's `<resources>` (clones and groups flattened). */
export interface CrmMonResource {
  id: string;
  agent: string;
  role: string;
  active: boolean;
  failed: boolean;
  managed: boolean;
  /** Nodes it is running on. */
  nodes: string[];
}

/** A parsed crm_mon run. */
export interface CrmMonView {
  xml: string;
  dc: string | undefined;
  nodes: Map<string, CrmMonNode>;
  resources: Map<string, CrmMonResource>;
  /** `<failure>` entries (failed actions), attributes as printed. */
  failures: Array<Record<string, string>>;
  /** Shorthand: node exists and is online. */
  online(name: string): boolean;
  /** Shorthand: the nodes a resource is active on (empty when stopped or unknown). */
  runningOn(id: string): string[];
}

const yes = (v: string | undefined) => v === 'true';

function flatten(e: XmlElement, out: XmlElement[]): XmlElement[] {
  for (const c of elements(e)) {
    if (c.name === 'resource') out.push(c);
    else if (c.name === 'clone' || c.name === 'group' || c.name === 'bundle' || c.name === 'replica') flatten(c, out);
  }
  return out;
}

/** Parses crm_mon's XML output. */
export function parseCrmMon(xml: string): CrmMonView {
  const root = parseXml(xml);
  const summary = firstElement(root, 'summary');
  const dcEl = summary && firstElement(summary, 'current_dc');
  const nodes = new Map<string, CrmMonNode>();
  for (const n of elements(firstElement(root, 'nodes') ?? root, 'node')) {
    const a = n.attrs;
    nodes.set(a.name!, {
      name: a.name!,
      id: a.id ?? '',
      type: a.type ?? '',
      online: yes(a.online),
      standby: yes(a.standby),
      maintenance: yes(a.maintenance),
      unclean: yes(a.unclean),
      pending: yes(a.pending),
      shutdown: yes(a.shutdown),
      isDc: yes(a.is_dc),
      attrs: { ...a },
    });
  }
  const resources = new Map<string, CrmMonResource>();
  const resEl = firstElement(root, 'resources');
  for (const r of resEl ? flatten(resEl, []) : []) {
    const a = r.attrs;
    resources.set(a.id!, {
      id: a.id!,
      agent: a.resource_agent ?? '',
      role: a.role ?? '',
      active: yes(a.active),
      failed: yes(a.failed),
      managed: a.managed !== 'false',
      nodes: elements(r, 'node').map((n) => n.attrs.name!),
    });
  }
  const failEl = firstElement(root, 'failures');
  const failures = failEl ? elements(failEl, 'failure').map((f) => ({ ...f.attrs })) : [];
  return {
    xml,
    dc: dcEl && dcEl.attrs.present === 'true' ? dcEl.attrs.name : undefined,
    nodes,
    resources,
    failures,
    online: (name) => nodes.get(name)?.online === true,
    runningOn: (id) => {
      const r = resources.get(id);
      return r && r.active ? r.nodes : [];
    },
  };
}
