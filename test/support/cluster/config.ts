/**
 * The files and shell scripts of the real-cluster fixture: corosync.conf, the seeded CIB, and the setup
 * run inside each node's fresh namespaces (private directories mounted over the real paths).
 */

/** The seeded cluster options (`crm_config`), before the caller's overrides. */
export const DEFAULT_PROPERTIES: Readonly<Record<string, string>> = {
  'stonith-enabled': 'false',
  'no-quorum-policy': 'ignore',
  'symmetric-cluster': 'false',
  // The default 20 s made a new node take 26 s to come online.
  'dc-deadtime': '2s',
};

/** corosync.conf for `names[i]` at `addresses[i]` (one key per line: corosync rejects one-line blocks). */
export function corosyncConf(clusterName: string, names: readonly string[], addresses: readonly string[]): string {
  const nodes = names
    .map((n, i) => `  node {\n    ring0_addr: ${addresses[i]}\n    name: ${n}\n    nodeid: ${i + 1}\n  }`)
    .join('\n');
  return `totem {
  version: 2
  cluster_name: ${clusterName}
  transport: knet
  crypto_cipher: none
  crypto_hash: none
  token: 3000
}
nodelist {
${nodes}
}
quorum {
  provider: corosync_votequorum
}
logging {
  to_logfile: yes
  logfile: /var/log/corosync/corosync.log
  to_syslog: no
  to_stderr: no
  timestamp: on
}
`;
}

const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The `cluster_property_set` of the seeded CIB. */
export function propertySetXml(props: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(props)
    .map(([k, v]) => `<nvpair id="cib-bootstrap-options-${esc(k)}" name="${esc(k)}" value="${esc(v)}"/>`)
    .join('');
  return `<cluster_property_set id="cib-bootstrap-options">${pairs}</cluster_property_set>`;
}

/** A `stonith:fence_dummy` device that can fence every node (cluster and remote). */
export function fenceDummyXml(id = 'fence-dummy'): string {
  return (
    `<primitive class="stonith" type="fence_dummy" id="${id}">` +
    `<instance_attributes id="${id}-ia"><nvpair id="${id}-host-check" name="pcmk_host_check" value="none"/></instance_attributes>` +
    `<operations><op id="${id}-monitor" name="monitor" interval="60s"/></operations></primitive>`
  );
}

/** Private directories of a node, relative to its directory on the host, and where they are mounted. */
export const NODE_BINDS: ReadonlyArray<readonly [string, string]> = [
  ['lib-pacemaker', '/var/lib/pacemaker'],
  ['lib-corosync', '/var/lib/corosync'],
  ['log-pacemaker', '/var/log/pacemaker'],
  ['log-corosync', '/var/log/corosync'],
  ['etc-pacemaker', '/etc/pacemaker'],
  ['etc-corosync', '/etc/corosync'],
];

/**
 * The setup run (as `bash -c`) inside a node's new namespaces: loopback, host name, the stack's own mounts,
 * private `/run` and `/dev/shm`, the private directories over the real paths (under `root`), and the
 * node's address on `eth0` (the veth end the fixture moved in).
 */
export function nodeSetupScript(p: { name: string; dir: string; root: string; address: string; prefix: number; stackLines: string[] }): string {
  return [
    'set -euo pipefail',
    'ip link set lo up',
    `hostname ${p.name}`,
    ...p.stackLines,
    `mount -t tmpfs -o mode=0755 tmpfs ${p.root}/run`,
    `mount -t tmpfs -o mode=1777 tmpfs ${p.root}/dev/shm`,
    ...NODE_BINDS.map(([src, dst]) => `mount --bind ${p.dir}/${src} ${p.root}${dst}`),
    `ip addr add ${p.address}/${p.prefix} dev eth0`,
    'ip link set eth0 up',
  ].join('\n');
}
