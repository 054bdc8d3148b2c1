import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, FRAME_MAC_BYTES, type Frame, FrameDecoder, FrameType, encodeBatchFrame, encodeFrame, isFrameError, splitBatch } from './frame.js';

const KEY = Buffer.alloc(32, 7);
const MAX = 1 << 20;

/** Split `data` at the given cut points (any order, duplicates fine). */
function split(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of points) {
    out.push(data.subarray(at, p));
    at = p;
  }
  out.push(data.subarray(at));
  return out;
}

function decodeAll(decoder: FrameDecoder, chunks: Buffer[]): Frame[] {
  return chunks.flatMap((c) => decoder.pushAll(c));
}

describe('frame codec', () => {
  it('lays out the header as documented', () => {
    const f = encodeFrame(FrameType.message, Buffer.from('abc'));
    expect(f.readUInt16BE(0)).toBe(0xfa17);
    expect(f[2]).toBe(1);
    expect(f[3]).toBe(FrameType.message);
    expect(f.readUInt32BE(4)).toBe(3);
    expect(f.length).toBe(FRAME_HEADER_BYTES + 3);
    const withMac = encodeFrame(FrameType.message, Buffer.from('abc'), { key: KEY, seq: 0 });
    expect(withMac[3]).toBe(FrameType.message | 0x10);
    expect(withMac.length).toBe(FRAME_HEADER_BYTES + 3 + FRAME_MAC_BYTES);
  });

  it('round-trips any frames however the stream is split (with and without MAC)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.boolean(),
        (payloads, cuts, mac) => {
          const send = mac ? { key: KEY, seq: 0 } : undefined;
          const stream = Buffer.concat(payloads.map((p) => encodeFrame(FrameType.message, p, send)));
          const decoder = new FrameDecoder(MAX);
          if (mac) decoder.requireMac(KEY);
          const frames = decodeAll(decoder, split(stream, cuts));
          expect(frames.map((f) => Buffer.from(f.payload))).toEqual(payloads.map((p) => Buffer.from(p)));
          expect(decoder.bufferedBytes).toBe(0);
        },
      ),
    );
  });

  it('arbitrary bytes either decode or throw a FrameError — never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, prefixMagic) => {
        const data = Buffer.from(bytes);
        if (prefixMagic && data.length >= 3) {
          data.writeUInt16BE(0xfa17, 0);
          data[2] = 1;
        }
        const decoder = new FrameDecoder(64);
        try {
          decoder.pushAll(data);
        } catch (e) {
          expect(isFrameError(e)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a flipped bit anywhere never yields a frame with different content', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.nat(), fc.integer({ min: 0, max: 7 }), fc.boolean(), (payload, at, bit, mac) => {
        const frame = Buffer.from(encodeFrame(FrameType.message, payload, mac ? { key: KEY, seq: 0 } : undefined));
        const i = at % frame.length;
        frame[i] ^= 1 << bit;
        const decoder = new FrameDecoder(MAX);
        if (mac) decoder.requireMac(KEY);
        let frames: Frame[] = [];
        try {
          frames = decoder.pushAll(frame);
        } catch (e) {
          expect(isFrameError(e)).toBe(true);
          return;
        }
        // No error: a corrupted length made the decoder wait for more bytes — but never accept.
        expect(frames).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it('next() yields one frame at a time, so a MAC switched on between frames of ONE chunk applies to the second', () => {
    const chunk = Buffer.concat([encodeFrame(FrameType.challenge, Buffer.from('c')), encodeFrame(FrameType.welcome, Buffer.alloc(0), { key: KEY, seq: 0 })]);
    const decoder = new FrameDecoder(MAX);
    decoder.push(chunk);
    expect(decoder.next()?.type).toBe(FrameType.challenge);
    decoder.requireMac(KEY);
    expect(decoder.next()?.type).toBe(FrameType.welcome);
    expect(decoder.next()).toBeUndefined();
  });

  it('BATCH frames carry several messages under one crc and one MAC', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 20 }), fc.boolean(), (payloads, mac) => {
        const frame = encodeBatchFrame(payloads, mac ? { key: KEY, seq: 0 } : undefined);
        const decoder = new FrameDecoder(MAX);
        if (mac) decoder.requireMac(KEY);
        const [f] = decoder.pushAll(frame);
        expect(f.type).toBe(FrameType.batch);
        expect(splitBatch(f.payload).map((p) => Buffer.from(p))).toEqual(payloads.map((p) => Buffer.from(p)));
      }),
    );
  });

  it('a malformed batch is a bad-payload', () => {
    const entry = (n: number, body: number[]): Buffer => Buffer.concat([Buffer.from([0, 0, 0, n]), Buffer.from(body)]);
    for (const bad of [Buffer.alloc(0), Buffer.from([0, 0]), entry(5, [1, 2]), Buffer.concat([entry(1, [1]), Buffer.from([0, 0, 1])])]) {
      expect(() => splitBatch(bad)).toThrow(expect.objectContaining({ reason: 'bad-payload' }));
    }
    expect(splitBatch(Buffer.concat([entry(1, [9]), entry(0, [])])).map((b) => [...b])).toEqual([[9], []]);
  });

  it('rejects an oversized length as soon as the header is in, before buffering the body', () => {
    const header = encodeFrame(FrameType.message, Buffer.alloc(2000)).subarray(0, FRAME_HEADER_BYTES);
    const decoder = new FrameDecoder(1024);
    expect(() => decoder.pushAll(header)).toThrow(expect.objectContaining({ reason: 'too-large' }));
  });

  it.each([
    ['bad-magic', (f: Buffer) => f.writeUInt16BE(0xbeef, 0)],
    ['bad-version', (f: Buffer) => (f[2] = 2)],
    ['bad-flags', (f: Buffer) => (f[3] |= 0x80)],
    ['bad-flags', (f: Buffer) => (f[3] = 0)],
    ['bad-checksum', (f: Buffer) => (f[FRAME_HEADER_BYTES] ^= 1)],
  ])('names the reason: %s', (reason, corrupt) => {
    const frame = Buffer.from(encodeFrame(FrameType.message, Buffer.from('payload')));
    corrupt(frame);
    expect(() => new FrameDecoder(MAX).pushAll(frame)).toThrow(expect.objectContaining({ reason }));
  });

  it('MACs bind frames to their position: a replayed, reordered or unMACed frame is refused', () => {
    const send = { key: KEY, seq: 0 };
    const f0 = encodeFrame(FrameType.message, Buffer.from('zero'), send);
    const f1 = encodeFrame(FrameType.message, Buffer.from('one'), send);
    const replay = new FrameDecoder(MAX);
    replay.requireMac(KEY);
    expect(replay.pushAll(f0)).toHaveLength(1);
    expect(() => replay.pushAll(f0)).toThrow(expect.objectContaining({ reason: 'bad-mac' }));
    const reorder = new FrameDecoder(MAX);
    reorder.requireMac(KEY);
    expect(() => reorder.pushAll(f1)).toThrow(expect.objectContaining({ reason: 'bad-mac' }));
    const wrongKey = new FrameDecoder(MAX);
    wrongKey.requireMac(Buffer.alloc(32, 8));
    expect(() => wrongKey.pushAll(f0)).toThrow(expect.objectContaining({ reason: 'bad-mac' }));
    const missing = new FrameDecoder(MAX);
    missing.requireMac(KEY);
    expect(() => missing.pushAll(encodeFrame(FrameType.message, Buffer.from('x')))).toThrow(expect.objectContaining({ reason: 'mac-missing' }));
  });
});
