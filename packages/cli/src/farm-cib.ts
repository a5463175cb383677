/**
 * The CIB fragment that hands a farm of simulated nodes to a cluster: one `<configuration>` holding
 * `<resources>` and `<constraints>`, which `cibadmin --modify --xml-file FILE` applies in one step. Built
 * with cib-model's builders (the same checks as `pcs cluster node add-remote` / `add-guest`).
 *
 * - remote nodes: an `ocf:pacemaker:remote` primitive per node (server, port, reconnect_interval, a monitor
 *   op), located on `placeOn` when given;
 * - guest nodes (`guests`): an `ocf:pacemaker:Dummy` "container" per node carrying the `remote-node`,
 *   `remote-addr`, `remote-port` meta attributes, located on `placeOn` when given;
 * - `dummies`: an `ocf:pacemaker:Dummy` per node, located on that node with `resource-discovery="exclusive"`.
 *   Without it the controller probes every resource on every node (2N resources × N nodes: 20 nodes took
 *   127 s to come up instead of 16 s); with it each Dummy is probed only on its own node.
 */
import { addGuestNode, addRemoteNode, parseCib, serializeXml, type XmlElement } from '@pcmk-remote/cib-model';
import { element, elements } from '@pcmk-remote/cib-model/internal';

/** One node of the fragment. */
export interface FarmCibNode {
  name: string;
  host: string;
  port: number;
}

/** Options of {@link farmCibFragment}. */
export interface FarmCibOptions {
  /** Guest nodes (a Dummy container each) instead of remote nodes. @default false */
  guests?: boolean;
  /** Cluster node to locate each connection (or container) on; none: the cluster places them. */
  placeOn?: string;
  /** A Dummy resource per node, located there with exclusive resource discovery. @default false */
  dummies?: boolean;
  /** `reconnect_interval` of the connections (remote nodes only). @default '15s' */
  reconnectInterval?: string;
  /** Interval of the connection's (or container's) monitor op. @default '30s' */
  monitorInterval?: string;
  /** Timeout of that monitor op. @default '20s' */
  monitorTimeout?: string;
  /** Interval of each Dummy's monitor op. @default '60s' */
  dummyMonitorInterval?: string;
}

const EMPTY = '<cib><configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/></cib>';

function configurationOf(doc: XmlElement, section: 'resources' | 'constraints'): XmlElement[] {
  const conf = elements(doc, 'configuration')[0];
  const s = conf ? elements(conf, section)[0] : undefined;
  return s ? elements(s) : [];
}

function monitorOps(id: string, interval: string, timeout: string): XmlElement {
  return element('operations', {}, [element('op', { id: `${id}-monitor-interval-${interval}`, name: 'monitor', interval, timeout })]);
}

function dummy(id: string, monitorInterval: string, timeout = '20s'): XmlElement {
  return element('primitive', { id, class: 'ocf', provider: 'pacemaker', type: 'Dummy' }, [monitorOps(id, monitorInterval, timeout)]);
}

function location(id: string, rsc: string, node: string, discovery?: 'exclusive'): XmlElement {
  return element('rsc_location', { id, rsc, node, score: 'INFINITY', 'resource-discovery': discovery });
}

/** The `<configuration>` element (resources, then constraints) for `nodes`. */
export function farmCibFragment(nodes: readonly FarmCibNode[], options: FarmCibOptions = {}): XmlElement {
  const resources: XmlElement[] = [];
  const constraints: XmlElement[] = [];
  const monitor = options.monitorInterval ?? '30s';
  const monitorTimeout = options.monitorTimeout ?? '20s';
  for (const n of nodes) {
    // Each node is built in a scratch CIB of its own: the builders (like pcs) refuse two nodes with one
    // address, but a farm's nodes share an address and differ by port, which Pacemaker accepts.
    let cib = parseCib(EMPTY);
    let hostRsc: string;
    if (options.guests) {
      hostRsc = `${n.name}-container`;
      const conf = elements(cib.document, 'configuration')[0];
      const res = conf ? elements(conf, 'resources')[0] : undefined;
      res?.children.push(dummy(hostRsc, monitor, monitorTimeout));
      cib = addGuestNode(cib, { name: n.name, resource: hostRsc, remoteAddr: n.host, remotePort: n.port });
    } else {
      hostRsc = n.name;
      cib = addRemoteNode(cib, {
        name: n.name,
        server: n.host,
        port: n.port,
        reconnectInterval: options.reconnectInterval ?? '15s',
        defaultOps: false,
        ops: [{ name: 'monitor', interval: monitor, timeout: monitorTimeout }],
      });
    }
    resources.push(...configurationOf(cib.document, 'resources'));
    if (options.placeOn) constraints.push(location(`${hostRsc}-on-${options.placeOn}`, hostRsc, options.placeOn));
    if (options.dummies) {
      const id = `${n.name}-dummy`;
      resources.push(dummy(id, options.dummyMonitorInterval ?? '60s'));
      constraints.push(location(`${id}-on-${n.name}`, id, n.name, 'exclusive'));
    }
  }
  return element('configuration', {}, [element('resources', {}, resources), element('constraints', {}, constraints)]);
}

/** {@link farmCibFragment} as XML text (one line per resource/constraint). */
export function farmCibXml(nodes: readonly FarmCibNode[], options: FarmCibOptions = {}): string {
  const conf = farmCibFragment(nodes, options);
  const section = (s: XmlElement) => `  <${s.name}>\n${elements(s).map((e) => `    ${serializeXml(e)}\n`).join('')}  </${s.name}>\n`;
  return `<configuration>\n${elements(conf).map(section).join('')}</configuration>\n`;
}
