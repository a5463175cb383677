/**
 * `@pcmk-remote/remote-conn`: the client side of Pacemaker Remote: TLS-PSK / X.509 sessions
 * (`RemoteSession`), long-lived node connections with Pacemaker's timing semantics
 * (`RemoteNodeConnection`), and a connection manager (`ConnectionManager`).
 *
 * The wire layer (codec, message shapes in both directions, XML helpers) is at
 * `@pcmk-remote/remote-conn/protocol`.
 *
 * @packageDocumentation
 */
export { RemoteConnError, ErrorCodes, isRemoteConnError, type RemoteConnErrorCode, type RemoteConnErrorDetails } from './errors.js';
export {
  RemoteSession,
  type SessionCloseEvent,
  type ShutdownRequestEvent,
  type NotifyEvent,
  type RemoteSessionEvents,
  type DaemonInfo,
  type ConnectTimings,
  type RequestOptions,
  type ExecOptions,
} from './session/remote-session.js';
export { defaultRemotePort, DEFAULT_REMOTE_PORT, type RemoteSessionOptions } from './session/options.js';
export { loadAuthKey, defaultAuthKeyPath, DEFAULT_AUTHKEY_PATH, type LoadAuthKeyOptions } from './transport/auth-key.js';
export { NODE_TLS_MAX_PSK_BYTES, DEFAULT_PSK_CIPHERS } from './transport/node-tls.js';
export { quickAckAvailable } from './transport/quick-ack.js';
export type { TransportInfo, X509Options, X509Material, TlsOptions } from './transport/transport.js';
export type * from './node-connection/types.js';
export { RemoteNodeConnection } from './node-connection/remote-node-connection.js';
export { ConnectionManager, type ConnectionManagerOptions, type ConnectionManagerEvents, type NodeSpec, type SyncResult } from './manager/connection-manager.js';
export { ExecStatus, OcfExitCode, execStatusName, ocfExitName } from './messages/constants.js';
export type { OpResult, RecurringOp, ExecRequest, ResourceDefinition, AlertExecRequest, XmlElement } from './messages/index.js';
export {
  NodeAttributeStore,
  ControllerInfoRelay,
  ReadOnlyCibRelay,
  FencingHistoryRelay,
  composeRelays,
  type IpcRelay,
  type RelaySession,
  type RelaySessionHandler,
  type RelayRequest,
  type RelayChannel,
  type RelayCloseReason,
  type RelayErrorEvent,
  type RelayErrorKind,
  type AttributeChangeEvent,
  type NodeAttributeStoreEvents,
  type SetAttributeOptions,
  type ControllerInfoRelayOptions,
  type ClusterMember,
  type ReadOnlyCibRelayOptions,
  type FencingHistoryEntry,
  type FencingHistoryRelayOptions,
  type RelaysByChannel,
} from './relay/index.js';
