/**
 * The public data types of `@pcmk-remote/cib-model`.
 * @packageDocumentation
 */

/** A remote or guest node and how to reach it: what a controller needs to open its connection. */
export interface RemoteNodeSpec {
  /** Node name (`uname`): the connection resource id for a remote node, `remote-node` for a guest. */
  name: string;
  /** `remote`: an `ocf:pacemaker:remote` primitive. `guest`: a resource with `remote-node` meta, or a bundle replica. */
  kind: 'remote' | 'guest';
  /** Address: `server` (default: the node name), or `remote-addr` (default: the node name). */
  host: string;
  /** TCP port: `port` / `remote-port`, default 3121. */
  port: number;
  /** `reconnect_interval` in ms (0 when unset: no automatic reconnect). Guests: 0. */
  reconnectIntervalMs: number;
  /** Budget of the connection start in ms: the start op timeout / `remote-connect-timeout` (default 60 s). */
  connectTimeoutMs: number;
  /** Id of the connection resource (for a guest, Pacemaker's implicit one, named after the node). */
  connectionResource: string;
  /** Guests: id of the resource whose instance hosts the node (the VM/container primitive). */
  containerResource?: string;
  /** Bundle guests: id of the bundle. */
  bundle?: string;
  /** Cluster node on which the connection resource is active according to the status section. */
  runningOn?: string;
  /**
   * True when the connection resource is no longer configured but still has history in the status
   * section: Pacemaker keeps the node (as shutting down) only to stop that connection.
   */
  orphaned?: boolean;
}

/** The state of one node as `crm_mon` shows it. */
export interface NodeState {
  name: string;
  kind: 'cluster' | 'remote' | 'guest';
  online: boolean;
  unclean: boolean;
  standby: boolean;
  maintenance: boolean;
  pending: boolean;
}

/** A problem found by `validate()` or while deriving the model. */
export interface Diagnostic {
  /** `error`: Pacemaker rejects or misbehaves on it. `warning`: accepted, but likely not what was meant. */
  severity: 'error' | 'warning';
  /** Stable code, e.g. `PCMK_CIB_DUPLICATE_NODE_NAME`. */
  code: string;
  /** Human-readable explanation. */
  message: string;
  /** Ids of the CIB elements concerned. */
  ids: string[];
}
