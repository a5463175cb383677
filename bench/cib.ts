/**
 * CIB model at scale: parse + remoteNodes() + nodeStates() (+ validate()) on a generated CIB with 10,000
 * remote nodes and their status (a node_state and lrm history of each connection resource on the cluster
 * node that hosts it, and a node_state of each remote node).
 *
 * Usage: npm run bench:cib -- [--remotes 10000] [--cluster 16] [--runs 5] [--json]
 *
 * Each run parses the XML afresh (a new Cib), so cached results never carry over. Reports the median and
 * the min/max of the runs (wall time, and the process's CPU time for the measured total, which is less
 * sensitive to other load on the machine), the XML size, and heap/RSS after the last run.
 */
import { activeResourceLocations, parseCib } from '@pcmk-remote/cib-model';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const at = args.indexOf(`--${name}`);
  const v = at >= 0 ? Number(args[at + 1]) : dflt;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive integer`);
  return v;
};
const REMOTES = opt('remotes', 10_000);
const CLUSTER = opt('cluster', 16);
const RUNS = opt('runs', 5);
const JSON_OUT = args.includes('--json');

/** The generated CIB: `CLUSTER` cluster nodes, `REMOTES` ocf:pacemaker:remote connections spread over them. */
function generate(): string {
  const parts: string[] = [];
  parts.push('<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="10" num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="1">');
  parts.push('<configuration><crm_config><cluster_property_set id="cib-bootstrap-options">'
    + '<nvpair id="opt-stonith" name="stonith-enabled" value="false"/></cluster_property_set></crm_config><nodes>');
  for (let c = 1; c <= CLUSTER; c++) parts.push(`<node id="${c}" uname="node${c}"/>`);
  parts.push('</nodes><resources>');
  for (let i = 0; i < REMOTES; i++) {
    const id = `remote${i}`;
    parts.push(`<primitive id="${id}" class="ocf" provider="pacemaker" type="remote">`
      + `<instance_attributes id="${id}-ia"><nvpair id="${id}-ia-server" name="server" value="10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}"/>`
      + `<nvpair id="${id}-ia-ri" name="reconnect_interval" value="60s"/></instance_attributes>`
      + `<operations><op id="${id}-monitor" name="monitor" interval="60s" timeout="30s"/>`
      + `<op id="${id}-start" name="start" interval="0s" timeout="60s"/></operations></primitive>`);
  }
  parts.push('</resources><constraints/>'
    + '<op_defaults><meta_attributes id="opd"><nvpair id="opd-t" name="timeout" value="30s"/></meta_attributes></op_defaults>'
    + '</configuration><status>');
  for (let c = 1; c <= CLUSTER; c++) {
    parts.push(`<node_state id="${c}" uname="node${c}" in_ccm="true" crmd="online" crm-debug-origin="do_state_transition" join="member" expected="member">`
      + `<lrm id="${c}"><lrm_resources>`);
    for (let i = c - 1; i < REMOTES; i += CLUSTER) {
      const id = `remote${i}`;
      parts.push(`<lrm_resource id="${id}" class="ocf" provider="pacemaker" type="remote">`
        + `<lrm_rsc_op id="${id}_last_0" operation_key="${id}_start_0" operation="start" crm-debug-origin="do_update_resource" crm_feature_set="3.16.1" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x" call-id="${2 * i + 1}" rc-code="0" op-status="0" interval="0" last-rc-change="1700000000" exec-time="100" queue-time="0" on_node="node${c}"/>`
        + `<lrm_rsc_op id="${id}_monitor_60000" operation_key="${id}_monitor_60000" operation="monitor" crm-debug-origin="do_update_resource" crm_feature_set="3.16.1" transition-key="2:1:0:x" transition-magic="0:0;2:1:0:x" call-id="${2 * i + 2}" rc-code="0" op-status="0" interval="60000" last-rc-change="1700000000" exec-time="10" queue-time="0" on_node="node${c}"/>`
        + '</lrm_resource>');
    }
    parts.push('</lrm_resources></lrm></node_state>');
  }
  for (let i = 0; i < REMOTES; i++) {
    parts.push(`<node_state id="remote${i}" uname="remote${i}" remote_node="true" in_ccm="true" crm-debug-origin="do_state_transition" node_fenced="0"/>`);
  }
  parts.push('</status></cib>');
  return parts.join('\n');
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const xml = generate();
const phases = { parse: [] as number[], remoteNodes: [] as number[], nodeStates: [] as number[], validate: [] as number[], total: [] as number[], statusReplay: [] as number[], totalCpu: [] as number[] };
let counts = { remoteNodes: 0, nodeStates: 0, online: 0, withRunningOn: 0, diagnostics: 0 };
for (let r = 0; r < RUNS; r++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const cib = parseCib(xml);
  const t1 = performance.now();
  const remotes = cib.remoteNodes();
  const t2 = performance.now();
  const states = cib.nodeStates();
  const t3 = performance.now();
  const c3 = process.cpuUsage(c0);
  phases.totalCpu.push((c3.user + c3.system) / 1000);
  const diagnostics = cib.validate();
  const t4 = performance.now();
  // The status replay inside remoteNodes() (cached per document), timed cold on a second parse.
  const other = parseCib(xml);
  const t5 = performance.now();
  activeResourceLocations(other.document);
  phases.statusReplay.push(performance.now() - t5);
  phases.parse.push(t1 - t0);
  phases.remoteNodes.push(t2 - t1);
  phases.nodeStates.push(t3 - t2);
  phases.validate.push(t4 - t3);
  phases.total.push(t3 - t0);
  counts = {
    remoteNodes: remotes.length,
    nodeStates: states.length,
    online: states.filter((s) => s.online).length,
    withRunningOn: remotes.filter((n) => n.runningOn !== undefined).length,
    diagnostics: diagnostics.length,
  };
}
const mem = process.memoryUsage();
const result = {
  remotes: REMOTES,
  cluster: CLUSTER,
  runs: RUNS,
  xmlBytes: Buffer.byteLength(xml),
  medianMs: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(median(v) * 10) / 10])),
  minMs: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(Math.min(...v) * 10) / 10])),
  maxMs: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Math.round(Math.max(...v) * 10) / 10])),
  heapUsedMiB: Math.round(mem.heapUsed / 1048576),
  rssMiB: Math.round(mem.rss / 1048576),
  counts,
  node: process.version,
};

if (JSON_OUT) {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} else {
  const row = (name: string, k: keyof typeof phases) =>
    `${name.padEnd(28)} ${String(result.medianMs[k]).padStart(9)} ${String(result.minMs[k]).padStart(9)} ${String(result.maxMs[k]).padStart(9)}`;
  process.stdout.write([
    `cib-model: ${REMOTES} remote nodes on ${CLUSTER} cluster nodes, ${(result.xmlBytes / 1048576).toFixed(1)} MiB of XML, ${RUNS} runs (${process.version})`,
    `${'phase'.padEnd(28)} ${'median ms'.padStart(9)} ${'min'.padStart(9)} ${'max'.padStart(9)}`,
    row('parseCib', 'parse'),
    row('remoteNodes()', 'remoteNodes'),
    row('  of which status replay', 'statusReplay'),
    row('nodeStates()', 'nodeStates'),
    row('parse+remoteNodes+nodeStates', 'total'),
    row('  same, CPU time (all threads)', 'totalCpu'),
    row('validate() (not in total)', 'validate'),
    `heap used ${result.heapUsedMiB} MiB, RSS ${result.rssMiB} MiB`,
    `remote nodes ${counts.remoteNodes} (runningOn set: ${counts.withRunningOn}), node states ${counts.nodeStates} (online: ${counts.online}), diagnostics ${counts.diagnostics}`,
    '',
  ].join('\n'));
}
