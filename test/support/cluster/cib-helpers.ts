/**
 * CIB changes the real-cluster tests make, as `cibadmin` / `crm_resource` / `crm_attribute` runs inside a
 * cluster node (the tools reach the CIB manager over its IPC there, exactly as a person's would).
 */
import type { ExecResult } from './namespaces.js';

/** Runs a tool inside some live cluster node. */
export type ClusterExec = (argv: string[], opts?: { input?: string }) => Promise<ExecResult>;

/** Options of {@link CibHelpers.addRemote}. */
export interface RemoteConnectionOptions {
  /** Address of the remote daemon. */
  server: string;
  /** @default 3121 */
  port?: number;
  /** `reconnect_interval` (seconds). @default 5 */
  reconnectIntervalS?: number;
  /** Interval of the connection's monitor (seconds). @default 10 */
  monitorIntervalS?: number;
  /** Prefer this cluster node (a score-100 `rsc_location`); needed when `symmetric-cluster=false`. */
  prefer?: string;
}

const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** `ocf:pacemaker:remote` primitive XML. */
export function remotePrimitiveXml(id: string, o: RemoteConnectionOptions): string {
  return (
    `<primitive class="ocf" provider="pacemaker" type="remote" id="${esc(id)}">` +
    `<instance_attributes id="${esc(id)}-ia">` +
    `<nvpair id="${esc(id)}-server" name="server" value="${esc(o.server)}"/>` +
    `<nvpair id="${esc(id)}-port" name="port" value="${o.port ?? 3121}"/>` +
    `<nvpair id="${esc(id)}-reconnect" name="reconnect_interval" value="${o.reconnectIntervalS ?? 5}"/>` +
    `</instance_attributes><operations>` +
    `<op id="${esc(id)}-monitor" name="monitor" interval="${o.monitorIntervalS ?? 10}s" timeout="15s"/>` +
    `</operations></primitive>`
  );
}

/** `ocf:pacemaker:Dummy` primitive XML, with optional meta attributes (e.g. guest node `remote-node`). */
export function dummyXml(id: string, meta: Record<string, string> = {}, monitorIntervalS = 10): string {
  const m = Object.entries(meta)
    .map(([k, v]) => `<nvpair id="${esc(id)}-meta-${esc(k)}" name="${esc(k)}" value="${esc(v)}"/>`)
    .join('');
  return (
    `<primitive class="ocf" provider="pacemaker" type="Dummy" id="${esc(id)}">` +
    (m ? `<meta_attributes id="${esc(id)}-meta">${m}</meta_attributes>` : '') +
    `<operations><op id="${esc(id)}-monitor" name="monitor" interval="${monitorIntervalS}s" timeout="20s"/></operations></primitive>`
  );
}

/** `rsc_location` XML. */
export function locationXml(rsc: string, node: string, score = '100', discovery?: 'exclusive' | 'never' | 'always'): string {
  const d = discovery ? ` resource-discovery="${discovery}"` : '';
  return `<rsc_location id="loc-${esc(rsc)}-${esc(node)}" rsc="${esc(rsc)}" node="${esc(node)}" score="${esc(score)}"${d}/>`;
}

/** CIB change helpers bound to a cluster (each throws with the tool's output when it fails). */
export class CibHelpers {
  constructor(private readonly exec: ClusterExec) {}

  private async ok(argv: string[], input?: string): Promise<string> {
    const r = await this.exec(argv, input === undefined ? undefined : { input });
    if (r.code !== 0) throw new Error(`${argv.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
    return r.stdout;
  }

  /** The live CIB (`cibadmin --query`). */
  query(): Promise<string> {
    return this.ok(['cibadmin', '--query']);
  }

  /** Adds resources and constraints in ONE CIB change (`cibadmin --modify` of the configuration). */
  add(parts: { resources?: string[]; constraints?: string[] }): Promise<string> {
    const xml =
      `<configuration><resources>${(parts.resources ?? []).join('')}</resources>` +
      `<constraints>${(parts.constraints ?? []).join('')}</constraints></configuration>`;
    return this.ok(['cibadmin', '--modify', '--allow-create', '--scope', 'configuration', '--xml-pipe'], xml);
  }

  /** Adds an `ocf:pacemaker:remote` connection (and its location preference). */
  addRemote(id: string, o: RemoteConnectionOptions): Promise<string> {
    return this.add({ resources: [remotePrimitiveXml(id, o)], constraints: o.prefer ? [locationXml(id, o.prefer)] : [] });
  }

  /** Deletes a resource and every constraint that names it. */
  async deleteResource(id: string): Promise<void> {
    await this.ok(['cibadmin', '--delete-all', '--xpath', `//rsc_location[@rsc='${id}']`]).catch(() => '');
    await this.ok(['cibadmin', '--delete', '--xpath', `//primitive[@id='${id}']`]);
  }

  /** Sets a cluster property (`crm_attribute --type crm_config`). */
  setProperty(name: string, value: string): Promise<string> {
    return this.ok(['crm_attribute', '--type', 'crm_config', '--name', name, '--update', value]);
  }

  /** Sets a resource meta attribute (e.g. `target-role`, `is-managed`). */
  setMeta(rsc: string, name: string, value: string): Promise<string> {
    return this.ok(['crm_resource', '--resource', rsc, '--meta', '--set-parameter', name, '--parameter-value', value]);
  }

  /** Puts a node in or out of standby (`crm_attribute --node N --name standby`). */
  standby(node: string, on: boolean): Promise<string> {
    return this.ok(['crm_attribute', '--node', node, '--name', 'standby', '--update', on ? 'on' : 'off']);
  }

  /** Puts a node in or out of maintenance (node attribute `maintenance`). */
  maintenance(node: string, on: boolean): Promise<string> {
    return this.ok(['crm_attribute', '--node', node, '--name', 'maintenance', '--update', on ? 'true' : 'false']);
  }

  /** Moves a resource (`crm_resource --move`, a cli-prefer constraint). */
  move(rsc: string, node: string): Promise<string> {
    return this.ok(['crm_resource', '--resource', rsc, '--move', '--node', node]);
  }

  /** Clears a resource's failures and re-probes it (`crm_resource --cleanup`). */
  cleanup(rsc: string): Promise<string> {
    return this.ok(['crm_resource', '--resource', rsc, '--cleanup']);
  }
}
