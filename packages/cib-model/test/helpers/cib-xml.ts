/**
 * Small inline CIB documents for the reading tests.
 */
export { CTS_DIR, ctsFile, ctsFiles, ctsFilesIfPresent, ctsPath } from '../../../../test/support/cts-scheduler.js';

/** Parts of an inline CIB. */
export interface CibParts {
  nodes?: string;
  resources?: string;
  constraints?: string;
  rscDefaults?: string;
  opDefaults?: string;
  status?: string;
}

/** A CIB with two cluster nodes by default. */
export function cibXml(parts: CibParts = {}): string {
  const nodes = parts.nodes ?? '<node id="1" uname="node1"/><node id="2" uname="node2"/>';
  return `<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes>${nodes}</nodes>
    <resources>${parts.resources ?? ''}</resources>
    <constraints>${parts.constraints ?? ''}</constraints>
    ${parts.rscDefaults ? `<rsc_defaults>${parts.rscDefaults}</rsc_defaults>` : ''}
    ${parts.opDefaults ? `<op_defaults>${parts.opDefaults}</op_defaults>` : ''}
  </configuration>
  <status>${parts.status ?? ''}</status>
</cib>`;
}

/** An ocf:pacemaker:remote primitive. */
export function remotePrimitive(id: string, params: Record<string, string> = {}, inner = ''): string {
  const pairs = Object.entries(params).map(([k, v]) => `<nvpair id="${id}-ia-${k}" name="${k}" value="${v}"/>`).join('');
  const ia = pairs ? `<instance_attributes id="${id}-ia">${pairs}</instance_attributes>` : '';
  return `<primitive id="${id}" class="ocf" provider="pacemaker" type="remote">${ia}${inner}</primitive>`;
}

/** A Dummy primitive with meta attributes. */
export function metaPrimitive(id: string, meta: Record<string, string> = {}, inner = ''): string {
  const pairs = Object.entries(meta).map(([k, v]) => `<nvpair id="${id}-meta-${k}" name="${k}" value="${v}"/>`).join('');
  const ma = pairs ? `<meta_attributes id="${id}-meta">${pairs}</meta_attributes>` : '';
  return `<primitive id="${id}" class="ocf" provider="pacemaker" type="Dummy">${ma}${inner}</primitive>`;
}

/** A node_state whose lrm history shows `rsc` started (active) on it. */
export function activeOn(node: string, nodeId: string, rsc: string, agent = 'class="ocf" provider="pacemaker" type="remote"'): string {
  return `<node_state id="${nodeId}" uname="${node}" in_ccm="true" crmd="online" join="member" expected="member">
    <lrm id="${nodeId}"><lrm_resources>
      <lrm_resource id="${rsc}" ${agent}>
        <lrm_rsc_op id="${rsc}_last_0" operation_key="${rsc}_start_0" operation="start" call-id="3" rc-code="0" op-status="0" interval="0" on_node="${node}"/>
      </lrm_resource>
    </lrm_resources></lrm>
  </node_state>`;
}
