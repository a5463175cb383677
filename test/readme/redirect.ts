/**
 * Preloaded (`--import`) into the processes that run README code blocks: connections to the hosts the
 * READMEs name (`node3`, `10.0.0.5`, the sample CIB's nodes) go to simulated daemons on 127.0.0.1
 * instead. `README_SIMULATORS` maps `host:port` to the local port of the simulator standing in for it.
 */
import net from 'node:net';

const map = JSON.parse(process.env['README_SIMULATORS'] ?? '{}') as Record<string, number>;
const connect = net.Socket.prototype.connect;

function redirect(options: net.TcpNetConnectOpts): net.TcpNetConnectOpts {
  const port = map[`${options.host ?? 'localhost'}:${options.port}`];
  return port === undefined ? options : { ...options, host: '127.0.0.1', port };
}

net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]): net.Socket {
  const first = args[0];
  // net.connect() passes its normalized [options, callback] array; tls.connect() an options object.
  if (Array.isArray(first) && first[0] && typeof first[0] === 'object') first[0] = redirect(first[0] as net.TcpNetConnectOpts);
  else if (first && typeof first === 'object') args[0] = redirect(first as net.TcpNetConnectOpts);
  return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof connect;
