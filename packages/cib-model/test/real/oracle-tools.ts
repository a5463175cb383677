/**
 * What the CIB oracle suites share: running Pacemaker's tools, reading `crm_mon --output-as=xml` nodes and
 * `crm_simulate`'s node list, and rendering our node states the way `crm_simulate` prints them.
 */
import { execFile } from 'node:child_process';
import type { NodeState, XmlElement } from '../../src/index.js';
import { elements, findAll, firstElement } from '../../src/internal.js';

export const TOOL_TIMEOUT_MS = 120_000;

export interface ToolRun {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  error?: string;
}

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<ToolRun> {
  return new Promise((resolvePromise) => {
    execFile(cmd, args, { env, timeout: TOOL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; signal?: string }) | null;
      const out: ToolRun = {
        code: e === null ? 0 : typeof e.code === 'number' ? e.code : null,
        signal: e?.signal ?? null,
        stdout: String(stdout),
        stderr: String(stderr),
      };
      if (e !== null && typeof e.code === 'string') out.error = `${e.code}: ${e.message}`;
      resolvePromise(out);
    });
  });
}

export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export interface FileRuns {
  file: string;
  mon: ToolRun;
  sim: ToolRun;
}

/** One node as crm_mon reports it, in NodeState terms. */
export interface MonNode extends NodeState {
  idAsResource: string | undefined;
}

export function monNodes(doc: XmlElement): MonNode[] {
  const nodes = firstElement(doc, 'nodes');
  if (nodes === undefined) throw new Error('crm_mon output has no <nodes>');
  return elements(nodes, 'node').map((n) => {
    const a = n.attrs;
    const type = a['type'];
    const kind: NodeState['kind'] = type === 'member' ? 'cluster' : a['id_as_resource'] !== undefined ? 'guest' : 'remote';
    if (type !== 'member' && type !== 'remote') throw new Error(`crm_mon node ${a['name']} has type ${type}`);
    return {
      name: a['name'] as string,
      kind,
      online: a['online'] === 'true',
      unclean: a['unclean'] === 'true',
      standby: a['standby'] === 'true',
      maintenance: a['maintenance'] === 'true',
      pending: a['pending'] === 'true',
      idAsResource: a['id_as_resource'],
    };
  });
}

/** The node lines of crm_simulate's "Current cluster status" section, normalised (list items one per node). */
export function simulateNodeLines(stdout: string): string[] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.trim() === '* Node List:');
  if (start < 0 || !lines.slice(0, start).some((l) => l.startsWith('Current cluster status:'))) {
    throw new Error('no "Current cluster status" node list in crm_simulate output');
  }
  const out: string[] = [];
  for (const l of lines.slice(start + 1)) {
    const t = l.trim();
    if (!t.startsWith('* ')) break;
    const item = t.slice(2);
    const list = /^(Online|OFFLINE|RemoteOnline|RemoteOFFLINE|GuestOnline): \[ (.*) \]$/.exec(item);
    if (list !== null) for (const name of (list[2] as string).split(' ')) out.push(`${list[1]}: ${name}`);
    else out.push(item);
  }
  return out.sort();
}

/** What crm_simulate prints for our states (`node_list_text` + `node_text_status` of pe_output.c). */
export function renderNodeLines(states: readonly NodeState[]): { exact: string[]; standbyOnline: string[] } {
  const exact: string[] = [];
  const standbyOnline: string[] = [];
  for (const n of states) {
    const label = n.kind === 'guest' ? 'GuestNode' : n.kind === 'remote' ? 'RemoteNode' : 'Node';
    if (n.unclean || n.pending || n.standby || n.maintenance) {
      let text: string;
      if (n.unclean) text = n.online ? 'UNCLEAN (online)' : n.pending ? 'UNCLEAN (pending)' : 'UNCLEAN (offline)';
      else if (n.pending) text = 'pending';
      else if (n.standby && n.online) {
        // "standby", "standby (with active resources)" or "standby (on-fail)": decided by running
        // resources and on-fail, which NodeState does not carry.
        standbyOnline.push(`${label} ${n.name}`);
        continue;
      } else if (n.standby) text = 'OFFLINE (standby)';
      else text = n.online ? 'maintenance' : 'OFFLINE (maintenance)';
      exact.push(`${label} ${n.name}: ${text}`);
    } else if (n.online) {
      exact.push(`${n.kind === 'guest' ? 'GuestOnline' : n.kind === 'remote' ? 'RemoteOnline' : 'Online'}: ${n.name}`);
    } else if (n.kind !== 'guest') {
      exact.push(`${n.kind === 'remote' ? 'RemoteOFFLINE' : 'OFFLINE'}: ${n.name}`);
    }
  }
  return { exact: exact.sort(), standbyOnline };
}

/** Remote/guest nodes of crm_mon that have a connection resource (see the file comment). */
export function expectedRemoteNodes(doc: XmlElement, nodes: readonly MonNode[]): Map<string, 'remote' | 'guest'> {
  const resourcesSection = firstElement(doc, 'resources');
  const listed = resourcesSection === undefined ? [] : findAll(resourcesSection, (e) => e.name === 'resource');
  const out = new Map<string, 'remote' | 'guest'>();
  for (const n of nodes) {
    if (n.kind === 'guest') out.set(n.name, 'guest');
    else if (n.kind === 'remote' && listed.some((r) => r.attrs['id'] === n.name && r.attrs['resource_agent'] === 'ocf:pacemaker:remote')) {
      out.set(n.name, 'remote');
    }
  }
  return out;
}

export const FIELDS = ['kind', 'online', 'unclean', 'standby', 'maintenance', 'pending'] as const;

