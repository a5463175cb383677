/**
 * Small CIB builders for the status unit tests (not a test file itself).
 */

export interface OpSpec {
  task: string;
  callId: number;
  rc?: number;
  /** op-status: 0 done, -1 pending, 4 error, ... */
  status?: number;
  interval?: number;
  /** Expected rc recorded in the transition key (default 0; probes usually 7). */
  targetRc?: number;
  lastRcChange?: number;
  extra?: string;
}

/** An `lrm_resource` with its operation history. */
export function lrm(id: string, ops: OpSpec[], agent = 'class="ocf" provider="heartbeat" type="Dummy"', extra = ''): string {
  const body = ops.map((o, i) => {
    const rc = o.rc ?? 0;
    const status = o.status ?? 0;
    const target = o.targetRc ?? 0;
    const key = `${i}:1:${target}:00000000-0000-0000-0000-000000000000`;
    return `<lrm_rsc_op id="${id}_${o.task}_${o.interval ?? 0}_${i}" operation_key="${id}_${o.task}_${o.interval ?? 0}" operation="${o.task}"`
      + ` transition-key="${key}" transition-magic="${status}:${rc};${key}" call-id="${o.callId}" rc-code="${rc}" op-status="${status}"`
      + ` interval="${o.interval ?? 0}" last-rc-change="${o.lastRcChange ?? 1000}" ${o.extra ?? ''}/>`;
  }).join('');
  return `<lrm_resource id="${id}" ${agent} ${extra}>${body}</lrm_resource>`;
}

/** A cluster node's `node_state`. */
export function clusterState(
  id: string,
  uname: string,
  attrs = 'in_ccm="true" crmd="online" join="member" expected="member"',
  lrmResources = '',
  transient: Record<string, string> = {},
): string {
  return `<node_state id="${id}" uname="${uname}" ${attrs}>${transientXml(id, transient)}`
    + `<lrm id="${id}"><lrm_resources>${lrmResources}</lrm_resources></lrm></node_state>`;
}

/** A remote or guest node's `node_state`. */
export function remoteState(name: string, lrmResources = '', transient: Record<string, string> = {}, attrs = ''): string {
  return `<node_state id="${name}" uname="${name}" remote_node="true" ${attrs}>${transientXml(name, transient)}`
    + `<lrm id="${name}"><lrm_resources>${lrmResources}</lrm_resources></lrm></node_state>`;
}

function transientXml(id: string, attrs: Record<string, string>): string {
  const pairs = Object.entries(attrs).map(([k, v]) => `<nvpair id="status-${id}-${k}" name="${k}" value="${v}"/>`).join('');
  return pairs === '' ? '' : `<transient_attributes id="${id}"><instance_attributes id="status-${id}">${pairs}</instance_attributes></transient_attributes>`;
}

/** A whole CIB. */
export function cibXml(parts: {
  props?: Record<string, string>;
  nodes?: string;
  resources?: string;
  status?: string;
  cibAttrs?: string;
  rscDefaults?: Record<string, string>;
}): string {
  const props = Object.entries(parts.props ?? {}).map(([k, v]) => `<nvpair id="opt-${k}" name="${k}" value="${v}"/>`).join('');
  const rd = Object.entries(parts.rscDefaults ?? {}).map(([k, v]) => `<nvpair id="rd-${k}" name="${k}" value="${v}"/>`).join('');
  return `<cib epoch="1" num_updates="0" admin_epoch="0" have-quorum="1" ${parts.cibAttrs ?? ''}><configuration>`
    + `<crm_config><cluster_property_set id="cib-bootstrap-options">${props}</cluster_property_set></crm_config>`
    + `<nodes>${parts.nodes ?? ''}</nodes><resources>${parts.resources ?? ''}</resources><constraints/>`
    + (rd === '' ? '' : `<rsc_defaults><meta_attributes id="rsc-options">${rd}</meta_attributes></rsc_defaults>`)
    + `</configuration><status>${parts.status ?? ''}</status></cib>`;
}

/** `<node>` entries for cluster nodes n1..nN (ids 1..N). */
export function clusterNodes(count: number, extra: Record<number, string> = {}): string {
  let out = '';
  for (let i = 1; i <= count; i++) out += `<node id="${i}" uname="n${i}"${extra[i] === undefined ? '/>' : `>${extra[i]}</node>`}`;
  return out;
}

export const DUMMY = '<primitive id="d1" class="ocf" provider="heartbeat" type="Dummy"/>';
export const REMOTE_AGENT = 'class="ocf" provider="pacemaker" type="remote"';
export const remotePrimitive = (id: string, inner = ''): string => `<primitive id="${id}" ${REMOTE_AGENT}>${inner}</primitive>`;
