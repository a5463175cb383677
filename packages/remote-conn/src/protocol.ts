/**
 * `@pcmk-remote/remote-conn/protocol`: the wire layer of Pacemaker Remote, for code that speaks the
 * protocol itself rather than through a session (the simulated daemon of `@pcmk-remote/simulator`,
 * protocol tools and tests).
 *
 * - the frame codec: the 40-byte header (`encodeHeader`, `decodeHeader`, `HEADER_SIZE`), whole frames
 *   (`encodeFrame`, `FrameDecoder`, `payloadToXml`) and bzip2 payloads (`bunzip2Exact`);
 * - message shapes in both directions: client requests (`registerRequest`, `execRequest`, ...), the
 *   client's reading of what the daemon sends (`classifyInbound`, ...) and the daemon side
 *   (`parseDaemonRequest`, `daemonReply`, `registerReply`, `execCompleteNotify`, `genericNotify`, ...);
 * - the constants of the protocol (`Op`, `IpcOp`, `ExecStatus`, `OcfExitCode`, ...);
 * - the XML helpers these use (`parseXml`, `serializeXml`, `el`, `child`, escaping);
 * - the error family (`RemoteConnError`, `ErrorCodes`) the codec and parsers throw.
 *
 * This is a lower-level surface than the package root: its shapes follow Pacemaker's wire format and may
 * change when that format is understood better. Client code wants the root export (`RemoteSession`,
 * `RemoteNodeConnection`, `ConnectionManager`).
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './codec/index.js';
export * from './messages/index.js';
