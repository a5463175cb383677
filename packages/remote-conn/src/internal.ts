/**
 * `@pcmk-remote/remote-conn/internal`: building blocks of this package that its own tools (the
 * `pcmk-remote` CLI's probe, benchmarks) use. NOT a stable API: anything here may change or disappear in
 * any release, without notice. Use the package root or `/protocol` instead.
 *
 * @packageDocumentation
 */
export { AUTH_ALERTS, AlertDescription, AlertLevel, alertName, encodeAlert, parseAlert } from './transport/js-tls12/alerts.js';
export { clientHelloMessage } from './transport/js-tls12/handshake.js';
export { HandshakeBuffer, HandshakeType, parseServerHello, parseServerKeyExchange } from './transport/js-tls12/handshake-messages.js';
export { ContentType, RecordReader, RecordWriter } from './transport/js-tls12/record-layer.js';
export { SUITES, connectJsTls12, type CipherSuite } from './transport/js-tls12/index.js';
export { connectNodeTls } from './transport/node-tls.js';
export { openTransport, selectEngine } from './transport/connect.js';
export type { Transport, TransportEvents, TransportConnectOptions, TransportConnector } from './transport/transport.js';
