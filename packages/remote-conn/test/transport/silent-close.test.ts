/**
 * A peer that accepts the TCP connection and closes it before sending a single byte is not a key problem:
 * a wrong key is only detectable after the daemon answered our ClientHello (real-peer-probe §6.1: the daemon
 * sends ServerHello, then a plaintext close_notify after our Finished). Such a close happens when the daemon
 * runs out of file descriptors (libuv/GnuTLS servers accept and close at once), is overloaded, or a proxy
 * cuts the connection. It must be a retryable CONNECT_FAILED, not a hard AUTH_FAILED.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { ErrorCodes, RemoteConnError } from '../../src/errors.js';
import { openTransport } from '../../src/transport/connect.js';
import { isHardConnectError } from '../../src/node-connection/remote-node-connection.js';

function closingServer(mode: 'end' | 'reset'): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    if (mode === 'end') s.end();
    else s.resetAndDestroy();
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({ port, close: () =>
          new Promise((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }) });
    });
  });
}

for (const engine of ['node-tls', 'js-tls12'] as const) {
  for (const mode of ['end', 'reset'] as const) {
    describe(`transport (${engine}): the peer closes (${mode}) before sending anything`, function () {
      this.timeout(10_000);
      it('is a retryable CONNECT_FAILED in phase tls, not AUTH_FAILED', async () => {
        const srv = await closingServer(mode);
        try {
          const err = await openTransport({ host: '127.0.0.1', port: srv.port, key: randomBytes(256), tls: { engine } }).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err).to.be.instanceOf(RemoteConnError);
          const e = err as RemoteConnError;
          expect(e.code, e.message).to.equal(ErrorCodes.CONNECT_FAILED);
          // A reset can beat the connect callback: then the TCP connect itself fails (phase tcp).
          if (mode === 'end' || e.details?.phase === 'tls') {
            expect(e.details?.phase).to.equal('tls');
            expect(e.message).to.match(/before answering the TLS ClientHello/);
          }
          expect(isHardConnectError(e)).to.equal(false);
        } finally {
          await srv.close();
        }
      });
    });
  }
}
