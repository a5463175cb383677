/**
 * TCP_QUICKACK on Linux: ACK received segments at once instead of after the delayed-ACK timer.
 *
 * Why: pacemaker-remoted writes every message as two small sends (header, then payload) without
 * TCP_NODELAY. Once a connection is in request/response ("ping-pong") mode, Linux delays the ACK of the
 * header segment by up to 40 ms, and the daemon's Nagle algorithm holds the payload until that ACK
 * arrives: every back-to-back request takes ~44 ms (real-peer-probe.md §8; Pacemaker's own C client takes
 * 88 ms). Re-arming TCP_QUICKACK after each read makes our kernel ACK the header immediately, so the
 * payload follows at once: measured 0.7 ms instead of 44 ms per poke against the real 2.1.5 daemon.
 *
 * Node has no API for TCP_QUICKACK, so `setsockopt` is called through the koffi FFI (prebuilt binaries,
 * shipped as registry packages; an optional dependency). If koffi cannot be loaded, this is a no-op, a
 * process warning (code `PCMK_REMOTE_NO_QUICKACK`) says so once, and {@link quickAckAvailable} is false.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import createDebug from 'debug';

const debug = createDebug('pcmk-remote:transport');

const IPPROTO_TCP = 6;
const TCP_QUICKACK = 12;

type SetSockOpt = (fd: number, level: number, name: number, value: number[], length: number) => number;
let setsockopt: SetSockOpt | null | undefined;

function load(): SetSockOpt | null {
  if (setsockopt !== undefined) return setsockopt;
  setsockopt = null;
  if (process.platform !== 'linux') return null;
  try {
    const require = createRequire(import.meta.url);
    const koffi = require('koffi') as { load(path: string): { func(sig: string): SetSockOpt } };
    let lib;
    for (const name of ['libc.so.6', 'libc.so', 'libc.musl-x86_64.so.1']) {
      try {
        lib = koffi.load(name);
        break;
      } catch {
        /* try the next name */
      }
    }
    if (!lib) throw new Error('libc not found');
    setsockopt = lib.func('int setsockopt(int fd, int level, int name, _In_ int *value, uint32_t length)');
  } catch (err) {
    debug('TCP_QUICKACK unavailable (%s): back-to-back requests will see the daemon\'s delayed-ACK stalls', (err as Error).message);
    // Once per process: the optional dependency koffi is missing or did not load (its install script
    // did not run, or no prebuilt binary for this platform).
    process.emitWarning(
      `TCP_QUICKACK is unavailable (${(err as Error).message}): each request that follows another waits ~44 ms for ` +
        "pacemaker-remoted's delayed ACK. Install the optional dependency koffi (npm install koffi) to avoid this.",
      { code: 'PCMK_REMOTE_NO_QUICKACK' },
    );
  }
  return setsockopt;
}

/**
 * True when TCP_QUICKACK can be set here (Linux with the optional dependency koffi loaded). When false,
 * back-to-back requests to pacemaker-remoted take ~44 ms each instead of under 1 ms.
 */
export function quickAckAvailable(): boolean {
  return load() !== null;
}

/**
 * Returns a function to call after each read from `socket` (cheap: one syscall). It re-arms
 * TCP_QUICKACK, which Linux clears by itself. Returns a no-op where unavailable.
 */
export function quickAcker(socket: Socket): () => void {
  const fn = load();
  if (!fn) return () => undefined;
  const value = [1];
  return () => {
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (typeof fd === 'number' && fd >= 0) fn(fd, IPPROTO_TCP, TCP_QUICKACK, value, 4);
  };
}
