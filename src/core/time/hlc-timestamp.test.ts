import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClockDecodeError } from './errors.js';
import { compareHlc, decodeHlc, encodeHlc, formatHlc, HLC_MAX_LOGICAL, HLC_MAX_WALL_MS, isHlcTimestamp, parseHlc } from './hlc-timestamp.js';

const tsArb = fc.record({
  wallMs: fc.oneof(fc.integer({ min: 0, max: HLC_MAX_WALL_MS }), fc.integer({ min: 1_700_000_000_000, max: 1_700_000_000_010 })),
  logical: fc.oneof(fc.integer({ min: 0, max: HLC_MAX_LOGICAL }), fc.integer({ min: 0, max: 3 })),
});
const sign = (x: number | bigint) => (x > 0 ? 1 : x < 0 ? -1 : 0);

describe('hybrid timestamp encodings', () => {
  it('compareHlc is a total order: wall first, then logical', () => {
    expect(compareHlc({ wallMs: 1, logical: 9 }, { wallMs: 2, logical: 0 })).toBeLessThan(0);
    expect(compareHlc({ wallMs: 2, logical: 1 }, { wallMs: 2, logical: 0 })).toBeGreaterThan(0);
    expect(compareHlc({ wallMs: 2, logical: 1 }, { wallMs: 2, logical: 1 })).toBe(0);
  });

  it('the 64-bit encoding and the hex string preserve order and round-trip', () => {
    fc.assert(
      fc.property(tsArb, tsArb, (a, b) => {
        const order = sign(compareHlc(a, b));
        expect(sign(encodeHlc(a) - encodeHlc(b))).toBe(order);
        const sa = formatHlc(a);
        const sb = formatHlc(b);
        expect(sa.length).toBe(16);
        expect(sign(sa < sb ? -1 : sa > sb ? 1 : 0)).toBe(order);
        expect(decodeHlc(encodeHlc(a))).toEqual(a);
        expect(parseHlc(sa)).toEqual(a);
      }),
      { numRuns: 1000 },
    );
  });

  it('lays out 48 bits of ms above 16 bits of logical', () => {
    expect(encodeHlc({ wallMs: 1, logical: 2 })).toBe(0x1_0002n);
    expect(encodeHlc({ wallMs: HLC_MAX_WALL_MS, logical: HLC_MAX_LOGICAL })).toBe(2n ** 64n - 1n);
    expect(formatHlc({ wallMs: 255, logical: 1 })).toBe('0000000000ff0001');
  });

  it('rejects out-of-range values and malformed encodings', () => {
    expect(() => encodeHlc({ wallMs: -1, logical: 0 })).toThrow(/encodeHlc/);
    expect(() => encodeHlc({ wallMs: 0, logical: HLC_MAX_LOGICAL + 1 })).toThrow(RangeError);
    expect(() => decodeHlc(-1n)).toThrow(ClockDecodeError);
    expect(() => decodeHlc(2n ** 64n)).toThrow(ClockDecodeError);
    expect(() => parseHlc('0000000000FF0001')).toThrow(ClockDecodeError);
    expect(() => parseHlc('123')).toThrow(ClockDecodeError);
    expect(isHlcTimestamp({ wallMs: 1, logical: 0 })).toBe(true);
    expect(isHlcTimestamp({ wallMs: 1 })).toBe(false);
    expect(isHlcTimestamp(null)).toBe(false);
  });
});
