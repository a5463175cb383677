/**
 * `@pcmk-remote/remote-conn`: the Pacemaker Remote wire protocol, TLS-PSK sessions, node connections
 * with Pacemaker's timing semantics, and a connection manager.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './codec/index.js';
export * from './messages/index.js';
export type * from './transport/transport.js';
export { loadAuthKey, defaultAuthKeyPath, DEFAULT_AUTHKEY_PATH, type LoadAuthKeyOptions } from './transport/auth-key.js';
export { connectNodeTls, NODE_TLS_MAX_PSK_BYTES, DEFAULT_PSK_CIPHERS } from './transport/node-tls.js';
export { openTransport, selectEngine } from './transport/connect.js';
export { resolveX509 } from './transport/x509-files.js';
export * from './session/remote-session.js';
export { defaultRemotePort, DEFAULT_REMOTE_PORT, type RemoteSessionOptions } from './session/options.js';
export type * from './node-connection/types.js';
export { RemoteNodeConnection, isHardConnectError, connectFailureReason, resolveNodeOptions } from './node-connection/remote-node-connection.js';
export { ConnectionManager, type ConnectionManagerOptions, type ConnectionManagerEvents, type NodeSpec, type SyncResult } from './manager/connection-manager.js';
export { ConnectSlots } from './manager/connect-slots.js';
export * from './relay/index.js';
