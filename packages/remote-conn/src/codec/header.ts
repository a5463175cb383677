/**
 * The 40-byte frame header of Pacemaker's remote protocol (`struct remote_header_v0`, protocol.md §2.1).
 *
 * Fields, packed, in the sender's byte order: endian marker u32 (0xBADADBBD), version u32, id u64,
 * flags u64, size_total u32, payload_offset u32, payload_compressed u32, payload_uncompressed u32.
 */
import { ErrorCodes, RemoteConnError } from '../errors.js';

/** Size of the header in bytes. */
export const HEADER_SIZE = 40;
/** The endian marker, as a number in the sender's byte order. */
export const ENDIAN_MAGIC = 0xbadadbbd;
/** The only header version Pacemaker writes. */
export const REMOTE_MSG_VERSION = 1;
/** Pacemaker's own limit (PCMK__REMOTE_MSG_MAX_SIZE, newest releases): 20 MiB. */
export const DEFAULT_MAX_MESSAGE_SIZE = 20 * 1024 * 1024;

/** A decoded header. Numbers are unsigned; `id` and `flags` are 64-bit. */
export interface FrameHeader {
  /** Byte order the sender used. */
  littleEndian: boolean;
  version: number;
  id: bigint;
  flags: bigint;
  sizeTotal: number;
  payloadOffset: number;
  /** Compressed payload length, 0 when the payload is not compressed. */
  payloadCompressed: number;
  /** Uncompressed payload length, including the trailing NUL. */
  payloadUncompressed: number;
}

/** Options for {@link encodeHeader}. */
export interface EncodeHeaderOptions {
  /** Message id (any increasing counter; receivers ignore it). */
  id: bigint | number;
  /** Uncompressed payload length in bytes, including the trailing NUL. */
  payloadUncompressed: number;
  /** Compressed payload length; 0 (default) for an uncompressed payload. */
  payloadCompressed?: number;
  /** Write big-endian (as a big-endian daemon would). Default little-endian. */
  bigEndian?: boolean;
  version?: number;
  flags?: bigint | number;
}

/** Serializes a header. */
export function encodeHeader(options: EncodeHeaderOptions): Buffer {
  const b = Buffer.alloc(HEADER_SIZE);
  const le = !options.bigEndian;
  const compressed = options.payloadCompressed ?? 0;
  const body = compressed > 0 ? compressed : options.payloadUncompressed;
  const u32 = (v: number, at: number) => (le ? b.writeUInt32LE(v >>> 0, at) : b.writeUInt32BE(v >>> 0, at));
  const u64 = (v: bigint, at: number) => (le ? b.writeBigUInt64LE(v, at) : b.writeBigUInt64BE(v, at));
  u32(ENDIAN_MAGIC, 0);
  u32(options.version ?? REMOTE_MSG_VERSION, 4);
  u64(BigInt.asUintN(64, BigInt(options.id)), 8);
  u64(BigInt.asUintN(64, BigInt(options.flags ?? 0)), 16);
  u32(HEADER_SIZE + body, 24);
  u32(HEADER_SIZE, 28);
  u32(compressed, 32);
  u32(options.payloadUncompressed, 36);
  return b;
}

function invalid(message: string, details: Record<string, unknown> = {}): RemoteConnError {
  return new RemoteConnError(ErrorCodes.FRAME_INVALID, message, { details });
}

/**
 * Parses and checks the header at `offset` of `buf` (which must hold at least 40 bytes from there).
 *
 * Checks, as Pacemaker's newest reader does (protocol.md §2.6): the endian marker in either byte order,
 * `payload_offset == 40`, `size_total == 40 + (payload_compressed || payload_uncompressed)`, a non-empty
 * payload, and `size_total` (and the uncompressed size) within `maxMessageSize`.
 *
 * @throws RemoteConnError `FRAME_INVALID` or `FRAME_TOO_LARGE`
 */
export function decodeHeader(buf: Buffer, offset = 0, maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE): FrameHeader {
  if (buf.length - offset < HEADER_SIZE) throw invalid(`A frame header needs ${HEADER_SIZE} bytes`);
  let littleEndian: boolean;
  if (buf.readUInt32LE(offset) === ENDIAN_MAGIC) littleEndian = true;
  else if (buf.readUInt32BE(offset) === ENDIAN_MAGIC) littleEndian = false;
  else {
    throw invalid(`Invalid frame: endian marker is 0x${buf.readUInt32LE(offset).toString(16)}, not 0xbadadbbd`, {
      marker: buf.readUInt32LE(offset),
    });
  }
  const u32 = (at: number) => (littleEndian ? buf.readUInt32LE(offset + at) : buf.readUInt32BE(offset + at));
  const u64 = (at: number) => (littleEndian ? buf.readBigUInt64LE(offset + at) : buf.readBigUInt64BE(offset + at));
  const h: FrameHeader = {
    littleEndian,
    version: u32(4),
    id: u64(8),
    flags: u64(16),
    sizeTotal: u32(24),
    payloadOffset: u32(28),
    payloadCompressed: u32(32),
    payloadUncompressed: u32(36),
  };
  if (h.payloadOffset !== HEADER_SIZE) {
    throw invalid(`Invalid frame: payload offset ${h.payloadOffset} (must be ${HEADER_SIZE})`, { ...h, id: String(h.id), flags: String(h.flags) });
  }
  const body = h.payloadCompressed > 0 ? h.payloadCompressed : h.payloadUncompressed;
  if (h.sizeTotal !== HEADER_SIZE + body) {
    throw invalid(
      `Invalid frame: size_total ${h.sizeTotal} disagrees with the payload size ${body} (+${HEADER_SIZE} header)`,
      { sizeTotal: h.sizeTotal, payloadCompressed: h.payloadCompressed, payloadUncompressed: h.payloadUncompressed },
    );
  }
  if (h.payloadUncompressed === 0) throw invalid('Invalid frame: empty payload');
  const largest = Math.max(h.sizeTotal, HEADER_SIZE + h.payloadUncompressed + 1);
  if (largest > maxMessageSize) {
    throw new RemoteConnError(
      ErrorCodes.FRAME_TOO_LARGE,
      `Message of ${largest} bytes exceeds the maximum of ${maxMessageSize} bytes`,
      { details: { size: largest, maxMessageSize } },
    );
  }
  return h;
}
