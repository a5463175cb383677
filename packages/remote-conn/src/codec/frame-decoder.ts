/**
 * Incremental frame decoder: accepts the received byte stream in chunks of any size (split or merged
 * across frames) and returns complete frames. Checks headers strictly (see {@link decodeHeader}) and
 * enforces the maximum message size before buffering a payload.
 *
 * After an error the decoder is poisoned: resynchronising a stream of this protocol is impossible, so the
 * owner must close the connection.
 */
import { bunzip2Exact } from './bzip2.js';
import { DEFAULT_MAX_MESSAGE_SIZE, decodeHeader, HEADER_SIZE, type FrameHeader } from './header.js';
import { ErrorCodes, RemoteConnError } from '../errors.js';

/** A complete received frame. */
export interface DecodedFrame {
  header: FrameHeader;
  /** The XML text: payload decompressed if needed, UTF-8 decoded, trailing NUL bytes removed. */
  xml: string;
}

/**
 * A complete received frame whose payload is not decoded yet: the (decompressed) payload bytes in the pieces
 * they were received in, without copying them together. See {@link FrameDecoder.pushRaw}.
 */
export interface RawFrame {
  header: FrameHeader;
  payload: Buffer[];
  /** Total bytes of `payload`. */
  payloadBytes: number;
}

/** Options of {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /** Largest accepted message (header + payload, and header + decompressed payload + 1). Default 20 MiB. */
  maxMessageSize?: number;
}

const decoder = new TextDecoder('utf-8');

/** Strips trailing NULs and decodes UTF-8 (receivers tolerate a missing NUL, protocol.md §2.2). */
export function payloadToXml(payload: Buffer): string {
  let end = payload.length;
  while (end > 0 && payload[end - 1] === 0) end--;
  return decoder.decode(payload.subarray(0, end));
}

export class FrameDecoder {
  readonly maxMessageSize: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #header: FrameHeader | undefined;
  #error: RemoteConnError | undefined;

  constructor(options: FrameDecoderOptions = {}) {
    const max = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    if (!Number.isInteger(max) || max < HEADER_SIZE + 2 || max > 0xffffffff) {
      throw new RemoteConnError(ErrorCodes.INVALID_ARGUMENT, `maxMessageSize must be an integer from ${HEADER_SIZE + 2} to 4294967295`);
    }
    this.maxMessageSize = max;
  }

  /** Bytes received and not yet returned as a frame. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /**
   * Adds received bytes; returns every frame they complete, in order.
   * @throws RemoteConnError `FRAME_INVALID`, `FRAME_TOO_LARGE` or `DECOMPRESS_FAILED` (and again on every
   *   later call)
   */
  push(chunk: Uint8Array): DecodedFrame[] {
    return this.pushRaw(chunk).map((f) => ({ header: f.header, xml: payloadToXml(f.payload.length === 1 ? (f.payload[0] as Buffer) : Buffer.concat(f.payload)) }));
  }

  /**
   * Like {@link push}, but leaves the payloads undecoded, in the pieces they arrived in: a large payload is
   * then never copied in one go, and its UTF-8 decoding can be spread over time (`TextDecoder` with
   * `stream: true`, trailing NULs stripped as {@link payloadToXml} does).
   * @throws RemoteConnError as {@link push}
   */
  pushRaw(chunk: Uint8Array): RawFrame[] {
    if (this.#error) throw this.#error;
    if (chunk.length > 0) {
      this.#chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.#buffered += chunk.length;
    }
    const frames: RawFrame[] = [];
    try {
      for (;;) {
        if (!this.#header) {
          if (this.#buffered < HEADER_SIZE) break;
          this.#header = decodeHeader(this.#peek(HEADER_SIZE), 0, this.maxMessageSize);
        }
        const total = this.#header.sizeTotal;
        if (this.#buffered < total) break;
        const header = this.#header;
        this.#header = undefined;
        this.#takePieces(HEADER_SIZE);
        let payload = this.#takePieces(total - HEADER_SIZE);
        if (header.payloadCompressed > 0) payload = [bunzip2Exact(Buffer.concat(payload), header.payloadUncompressed)];
        frames.push({ header, payload, payloadBytes: payload.reduce((n, p) => n + p.length, 0) });
      }
    } catch (err) {
      this.#error =
        err instanceof RemoteConnError
          ? err
          : new RemoteConnError(ErrorCodes.FRAME_INVALID, 'Invalid frame', { cause: err });
      this.#chunks = [];
      this.#buffered = 0;
      throw this.#error;
    }
    return frames;
  }

  /**
   * Call at end of stream: returns a `FRAME_INVALID` error when a partial message was left over (the
   * connection ended mid-message), else undefined.
   */
  finish(): RemoteConnError | undefined {
    if (this.#error) return undefined;
    if (this.#buffered === 0) return undefined;
    return new RemoteConnError(
      ErrorCodes.FRAME_INVALID,
      `Connection ended in the middle of a message (${this.#buffered} bytes of an incomplete frame)`,
    );
  }

  #peek(n: number): Buffer {
    const first = this.#chunks[0];
    if (first && first.length >= n) return first.subarray(0, n);
    const merged = Buffer.concat(this.#chunks);
    this.#chunks = [merged];
    return merged.subarray(0, n);
  }

  /** Removes the next `n` buffered bytes, as views of the received chunks (no copy). */
  #takePieces(n: number): Buffer[] {
    const out: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const first = this.#chunks[0] as Buffer;
      if (first.length <= left) {
        out.push(first);
        this.#chunks.shift();
        left -= first.length;
      } else {
        out.push(first.subarray(0, left));
        this.#chunks[0] = first.subarray(left);
        left = 0;
      }
    }
    this.#buffered -= n;
    return out;
  }
}
