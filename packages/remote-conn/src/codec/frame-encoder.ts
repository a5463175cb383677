/**
 * Bytes for one outgoing message: the header and the payload as separate buffers, because they must be
 * sent as separate TLS records (protocol.md §2.5).
 */
import { encodeHeader } from './header.js';

/** One encoded message. */
export interface EncodedFrame {
  header: Buffer;
  payload: Buffer;
}

/** Options for {@link encodeFrame}. */
export interface EncodeFrameOptions {
  /** Write the header big-endian (tests of byte-order handling; Pacemaker on s390x). */
  bigEndian?: boolean;
  /**
   * Compress the payload with this bzip2 compressor. Only for simulating peers in tests: a client must
   * never send compressed payloads to pacemaker-remoted (a size mismatch aborts the daemon).
   */
  compress?: (payload: Buffer) => Buffer;
}

/** Encodes `xml` (one unformatted element) as a frame; the payload gets Pacemaker's trailing NUL. */
export function encodeFrame(xml: string, id: bigint | number, options: EncodeFrameOptions = {}): EncodedFrame {
  const raw = Buffer.from(`${xml}\0`, 'utf8');
  const payload = options.compress ? options.compress(raw) : raw;
  const header = encodeHeader({
    id,
    payloadUncompressed: raw.length,
    payloadCompressed: options.compress ? payload.length : 0,
    ...(options.bigEndian ? { bigEndian: true } : {}),
  });
  return { header, payload };
}
