/** The simulated daemon's listening socket (`PCMK_remote_address`:`PCMK_remote_port`). */
import createDebug from 'debug';
import net from 'node:net';
import { ErrorCodes, RemoteConnError } from '@pcmk-remote/remote-conn/protocol';

const debug = createDebug('pcmk-remote:sim');

/** A listening socket that can be closed and opened again on the same port. */
export class Listener {
  #server: net.Server | undefined;

  constructor(private readonly label: string) {}

  /** True while listening. */
  get listening(): boolean {
    return this.#server !== undefined;
  }

  /** Listens on `host:port` (0: a free port); resolves with the port bound. */
  async listen(host: string, port: number, noDelay: boolean, onTcp: (raw: net.Socket) => void): Promise<number> {
    const server = net.createServer({ pauseOnConnect: true, noDelay }, onTcp);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        reject(new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `simulated daemon cannot listen on ${host}:${port}: ${err.message}`, { cause: err }));
      };
      server.once('error', onError);
      server.listen({ host, port, backlog: 511 }, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (err) => debug('%s: listener error: %s', this.label, err.message));
    this.#server = server;
    const addr = server.address();
    return addr && typeof addr === 'object' ? addr.port : port;
  }

  /** Closes the listening socket now (new connects are refused); resolves when the server is fully closed. */
  close(): Promise<void> {
    const s = this.#server;
    this.#server = undefined;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => s.close(() => resolve()));
  }
}
