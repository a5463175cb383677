/**
 * Helpers of the simulator's fault injection.
 */
import { HEADER_SIZE } from '@pcmk-remote/remote-conn/protocol';

/**
 * Default garbage for `sendGarbage()`: a 40-byte "header" whose endian marker is wrong, followed by
 * some bytes. Any strict decoder rejects it at once (FRAME_INVALID).
 */
export function defaultGarbage(): Buffer {
  const b = Buffer.alloc(HEADER_SIZE + 24, 0x5a);
  b.writeUInt32LE(0xdeadbeef, 0);
  b.write('not a pacemaker frame', HEADER_SIZE, 'latin1');
  return b;
}

/** Converts `crm_get_msec`-style values (`10`, `10s`, `500ms`, `1min`) to ms; NaN when unparsable. */
export function parseMsec(value: string): number {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(ms|msec|us|usec|s|sec|m|min|h|hr)?\s*$/i.exec(value);
  if (!m?.[1]) return Number.NaN;
  const n = Number.parseFloat(m[1]);
  switch ((m[2] ?? 's').toLowerCase()) {
    case 'ms':
    case 'msec':
      return n;
    case 'us':
    case 'usec':
      return n / 1000;
    case 'm':
    case 'min':
      return n * 60_000;
    case 'h':
    case 'hr':
      return n * 3_600_000;
    default:
      return n * 1000;
  }
}
