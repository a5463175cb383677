/**
 * bzip2 decompression of received payloads (protocol.md §2.4). No Pacemaker version sends compressed
 * payloads, and a client must never send one (a size mismatch aborts the daemon), so only decoding exists.
 */
import Bunzip from 'seek-bzip';
import { ErrorCodes, RemoteConnError } from '../errors.js';

class TooLong extends Error {}

/**
 * Decompresses `input`, which must expand to exactly `expectedSize` bytes. Decoding stops as soon as the
 * output would exceed `expectedSize`, so a hostile stream cannot make us allocate or spin beyond it.
 *
 * @throws RemoteConnError `DECOMPRESS_FAILED`
 */
export function bunzip2Exact(input: Buffer, expectedSize: number): Buffer {
  const out = Buffer.allocUnsafe(expectedSize);
  let pos = 0;
  const sink = {
    writeByte(byte: number) {
      if (pos >= expectedSize) throw new TooLong();
      out[pos++] = byte;
    },
  };
  try {
    Bunzip.decode(input, sink);
  } catch (err) {
    const message =
      err instanceof TooLong
        ? `decompressed payload is larger than the announced ${expectedSize} bytes`
        : `bzip2 data is corrupt (${err instanceof Error ? err.message : String(err)})`;
    throw new RemoteConnError(ErrorCodes.DECOMPRESS_FAILED, `Cannot decompress payload: ${message}`, { cause: err });
  }
  if (pos !== expectedSize) {
    throw new RemoteConnError(
      ErrorCodes.DECOMPRESS_FAILED,
      `Cannot decompress payload: got ${pos} bytes, the header announced ${expectedSize}`,
    );
  }
  return out;
}
