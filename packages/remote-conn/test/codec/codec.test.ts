import { expect } from 'chai';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_MAX_MESSAGE_SIZE,
  ENDIAN_MAGIC,
  FrameDecoder,
  HEADER_SIZE,
  decodeHeader,
  encodeFrame,
  encodeHeader,
  type DecodedFrame,
} from '../../src/codec/index.js';
import { ErrorCodes, RemoteConnError } from '../../src/errors.js';

const fixtures = join(import.meta.dirname, 'fixtures');
const frameBytes = (xml: string, id = 1, opts = {}) => {
  const f = encodeFrame(xml, id, opts);
  return Buffer.concat([f.header, f.payload]);
};
const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(RemoteConnError);
    return (err as RemoteConnError).code;
  }
  return undefined;
};

describe('codec: header', () => {
  it('encodes the C client register header byte for byte (sample c-client-01)', () => {
    // bddbdaba 01000000 0100000000000000 0000000000000000 c0000000 28000000 00000000 98000000
    const h = encodeHeader({ id: 1, payloadUncompressed: 152 });
    expect(h.toString('hex')).to.equal('bddbdaba' + '01000000' + '0100000000000000' + '0000000000000000' + 'c0000000' + '28000000' + '00000000' + '98000000');
  });

  it('decodes both byte orders', () => {
    for (const bigEndian of [false, true]) {
      const h = decodeHeader(encodeHeader({ id: 58n, payloadUncompressed: 10, bigEndian }));
      expect(h).to.include({ littleEndian: !bigEndian, version: 1, sizeTotal: 50, payloadOffset: 40, payloadCompressed: 0, payloadUncompressed: 10 });
      expect(h.id).to.equal(58n);
    }
  });

  it('rejects a bad endian marker, a wrong offset, sizes that disagree, an empty payload', () => {
    const good = () => encodeHeader({ id: 1, payloadUncompressed: 10 });
    const bad = good();
    bad.writeUInt32LE(0x12345678, 0);
    expect(codeOf(() => decodeHeader(bad))).to.equal(ErrorCodes.FRAME_INVALID);
    const offset = good();
    offset.writeUInt32LE(48, 28);
    expect(codeOf(() => decodeHeader(offset))).to.equal(ErrorCodes.FRAME_INVALID);
    const total = good();
    total.writeUInt32LE(49, 24);
    expect(codeOf(() => decodeHeader(total))).to.equal(ErrorCodes.FRAME_INVALID);
    const empty = encodeHeader({ id: 1, payloadUncompressed: 0 });
    expect(codeOf(() => decodeHeader(empty))).to.equal(ErrorCodes.FRAME_INVALID);
    expect(codeOf(() => decodeHeader(Buffer.alloc(10)))).to.equal(ErrorCodes.FRAME_INVALID);
  });

  it('rejects messages over the maximum size before buffering them', () => {
    const h = encodeHeader({ id: 1, payloadUncompressed: DEFAULT_MAX_MESSAGE_SIZE });
    expect(codeOf(() => decodeHeader(h))).to.equal(ErrorCodes.FRAME_TOO_LARGE);
    const small = encodeHeader({ id: 1, payloadUncompressed: 1000 });
    expect(codeOf(() => decodeHeader(small, 0, 500))).to.equal(ErrorCodes.FRAME_TOO_LARGE);
    // A compressed payload that claims to expand past the limit is refused too.
    const bomb = encodeHeader({ id: 1, payloadUncompressed: 4_000_000_000, payloadCompressed: 100 });
    expect(codeOf(() => decodeHeader(bomb))).to.equal(ErrorCodes.FRAME_TOO_LARGE);
  });
});

describe('codec: frames', () => {
  it('appends one NUL and counts it in both sizes', () => {
    const { header, payload } = encodeFrame('<a/>', 7);
    expect(payload.toString('latin1')).to.equal('<a/>\0');
    const h = decodeHeader(header);
    expect(h.payloadUncompressed).to.equal(5);
    expect(h.sizeTotal).to.equal(HEADER_SIZE + 5);
  });

  it('decodes frames split or merged arbitrarily across reads (property)', () => {
    const xmlArb = fc.string({ unit: 'grapheme', maxLength: 300 }).map((s) => `<m v="${s.replace(/[\0"<&]/g, '')}"/>`);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(xmlArb, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.boolean()), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (messages, cuts) => {
          const stream = Buffer.concat(messages.map(([xml, id, be]) => frameBytes(xml, id as unknown as number, { bigEndian: be })));
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const dec = new FrameDecoder();
          const out: DecodedFrame[] = [];
          let prev = 0;
          for (const p of [...points, stream.length]) {
            out.push(...dec.push(stream.subarray(prev, p)));
            prev = p;
          }
          expect(out.map((f) => f.xml)).to.deep.equal(messages.map(([xml]) => xml));
          expect(out.map((f) => f.header.id)).to.deep.equal(messages.map(([, id]) => id));
          expect(dec.bufferedBytes).to.equal(0);
          expect(dec.finish()).to.equal(undefined);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws anything but a coded error, and never loops, on arbitrary bytes (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }), (chunks) => {
        const dec = new FrameDecoder({ maxMessageSize: 4096 });
        for (const c of chunks) {
          try {
            dec.push(c);
          } catch (err) {
            expect(err).to.be.instanceOf(RemoteConnError);
            expect([ErrorCodes.FRAME_INVALID, ErrorCodes.FRAME_TOO_LARGE, ErrorCodes.DECOMPRESS_FAILED]).to.include((err as RemoteConnError).code);
            return;
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('stays poisoned after an error (a stream cannot be resynchronised)', () => {
    const dec = new FrameDecoder();
    const bad = frameBytes('<a/>');
    bad.writeUInt32LE(0, 0);
    expect(codeOf(() => dec.push(bad))).to.equal(ErrorCodes.FRAME_INVALID);
    expect(codeOf(() => dec.push(frameBytes('<b/>')))).to.equal(ErrorCodes.FRAME_INVALID);
  });

  it('reports a message cut off by the end of the stream', () => {
    const dec = new FrameDecoder();
    const bytes = frameBytes('<lrmd_reply lrmd_rc="0"/>');
    expect(dec.push(bytes.subarray(0, 50))).to.deep.equal([]);
    expect(dec.finish()?.code).to.equal(ErrorCodes.FRAME_INVALID);
  });

  it('tolerates a missing trailing NUL and strips extra ones', () => {
    const xml = '<a b="1"/>';
    for (const payload of [Buffer.from(xml), Buffer.from(`${xml}\0\0\0`)]) {
      const header = encodeHeader({ id: 1, payloadUncompressed: payload.length });
      const [f] = new FrameDecoder().push(Buffer.concat([header, payload]));
      expect(f?.xml).to.equal(xml);
    }
  });

  it('decompresses bzip2 payloads, checking the announced size', () => {
    const raw = readFileSync(join(fixtures, 'poke-notify.xml0'));
    const bz = readFileSync(join(fixtures, 'poke-notify.xml0.bz2'));
    const frame = Buffer.concat([encodeHeader({ id: 9, payloadUncompressed: raw.length, payloadCompressed: bz.length }), bz]);
    const [f] = new FrameDecoder().push(frame);
    expect(f?.xml).to.equal(raw.toString('utf8').replace(/\0$/, ''));
    expect(f?.header.payloadCompressed).to.equal(bz.length);
    // Announced size too small: decoding stops at the bound and fails.
    const lie = Buffer.concat([encodeHeader({ id: 9, payloadUncompressed: raw.length - 10, payloadCompressed: bz.length }), bz]);
    expect(codeOf(() => new FrameDecoder().push(lie))).to.equal(ErrorCodes.DECOMPRESS_FAILED);
    const tooBig = Buffer.concat([encodeHeader({ id: 9, payloadUncompressed: raw.length + 10, payloadCompressed: bz.length }), bz]);
    expect(codeOf(() => new FrameDecoder().push(tooBig))).to.equal(ErrorCodes.DECOMPRESS_FAILED);
    const corrupt = Buffer.from(bz);
    corrupt[corrupt.length - 20] = (corrupt[corrupt.length - 20] ?? 0) ^ 0xff;
    const c = Buffer.concat([encodeHeader({ id: 9, payloadUncompressed: raw.length, payloadCompressed: corrupt.length }), corrupt]);
    expect(codeOf(() => new FrameDecoder().push(c))).to.equal(ErrorCodes.DECOMPRESS_FAILED);
    const notBz = Buffer.concat([encodeHeader({ id: 9, payloadUncompressed: 10, payloadCompressed: 10 }), Buffer.alloc(10, 0x41)]);
    expect(codeOf(() => new FrameDecoder().push(notBz))).to.equal(ErrorCodes.DECOMPRESS_FAILED);
  });

  it('reassembles a 5 MB message delivered in 16 KiB chunks', () => {
    const big = `<r v="${'x'.repeat(5_000_000)}"/>`;
    const bytes = frameBytes(big);
    const dec = new FrameDecoder();
    const out: DecodedFrame[] = [];
    for (let i = 0; i < bytes.length; i += 16384) out.push(...dec.push(bytes.subarray(i, i + 16384)));
    expect(out).to.have.length(1);
    expect(out[0]?.xml.length).to.equal(big.length);
  });

  it('validates its options', () => {
    expect(codeOf(() => new FrameDecoder({ maxMessageSize: 10 }))).to.equal(ErrorCodes.INVALID_ARGUMENT);
    expect(ENDIAN_MAGIC).to.equal(0xbadadbbd);
  });
});
