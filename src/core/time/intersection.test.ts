import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intersect, marzullo, type IntervalSource } from './intersection.js';

const iv = (low: number, high: number) => ({ low, high });
const sources = (...list: Array<[number, number]>): IntervalSource[] => list.map(([low, high], i) => ({ id: `s${i + 1}`, low, high }));

describe("Marzullo's algorithm (the worked examples of the Wikipedia article)", () => {
  it('10 ± 2, 12 ± 1, 11 ± 1: [8,12], [11,13], [10,12] intersect in [11,12], consistent with all three', () => {
    expect(marzullo([iv(8, 12), iv(11, 13), iv(10, 12)])).toMatchObject({ low: 11, high: 12, count: 3 });
  });

  it('[8,12], [11,13], [14,15]: no interval fits all; [11,12] is consistent with two', () => {
    expect(marzullo([iv(8, 12), iv(11, 13), iv(14, 15)])).toMatchObject({ low: 11, high: 12, count: 2 });
  });

  it('[8,9], [8,12], [10,12]: both [8,9] and [10,12] are consistent with two', () => {
    const r = marzullo([iv(8, 9), iv(8, 12), iv(10, 12)])!;
    expect(r.count).toBe(2);
    expect(r.ties).toEqual([iv(8, 9), iv(10, 12)]);
  });

  it('[10,12], [11,13], [11.99,13]: the "optimistic" 11.995 ± 0.005', () => {
    const r = marzullo([iv(10, 12), iv(11, 13), iv(11.99, 13)])!;
    expect(r).toMatchObject({ low: 11.99, high: 12, count: 3 });
    expect((r.low + r.high) / 2).toBeCloseTo(11.995, 9);
  });

  it('treats intervals as closed: touching intervals agree on the point', () => {
    expect(marzullo([iv(0, 5), iv(5, 9)])).toMatchObject({ low: 5, high: 5, count: 2 });
    expect(marzullo([])).toBeUndefined();
  });
});

describe('intersect (NTP-style selection with a fixed number of possible liars)', () => {
  it('agrees with Marzullo when every source is consistent', () => {
    const r = intersect(sources([8, 12], [11, 13], [10, 12]), { maxFaulty: 0 })!;
    expect(r).toMatchObject({ low: 11, high: 12, quorum: 3, falsetickers: [] });
  });

  it('names the falseticker: [14,15] against [8,12] and [11,13]', () => {
    const r = intersect(sources([8, 12], [11, 13], [14, 15]))!;
    expect(r).toMatchObject({ low: 11, high: 12, quorum: 2, truechimers: ['s1', 's2'], falsetickers: ['s3'] });
  });

  it('is wider than Marzullo where a liar could hide in the agreement: [10,12], [11,13], [11.99,13] with one possible liar', () => {
    // Points two sources agree on: [11, 13]; the truth may be anywhere in it if one source lies.
    expect(intersect(sources([10, 12], [11, 13], [11.99, 13]))).toMatchObject({ low: 11, high: 13, falsetickers: [] });
  });

  it('gives up when too many sources disagree', () => {
    expect(intersect(sources([0, 1], [2, 3], [4, 5]))).toBeUndefined();
    expect(intersect([])).toBeUndefined();
    expect(() => intersect(sources([0, 1]), { maxFaulty: 1 })).toThrow(RangeError);
    expect(() => intersect(sources([2, 1]))).toThrow(/low > high/);
  });

  it('property: the result contains the true value whenever fewer than half the sources lie, and names no honest source', () => {
    const arb = fc
      .record({
        truth: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        honest: fc.array(fc.record({ below: fc.double({ min: 0, max: 100, noNaN: true }), above: fc.double({ min: 0, max: 100, noNaN: true }) }), { minLength: 1, maxLength: 12 }),
        liars: fc.array(
          fc.record({ below: fc.boolean(), gap: fc.double({ min: 1e-3, max: 1e4, noNaN: true }), width: fc.double({ min: 0, max: 500, noNaN: true }) }),
          { maxLength: 11 },
        ),
        order: fc.nat(),
      })
      .filter(({ honest, liars }) => liars.length < honest.length);
    fc.assert(
      fc.property(arb, ({ truth, honest, liars, order }) => {
        const list: IntervalSource[] = [
          ...honest.map((h, i) => ({ id: `h${i}`, low: truth - h.below, high: truth + h.above })),
          // A liar's interval misses the truth (otherwise it is not lying), on either side, at any distance.
          ...liars.map((l, i) =>
            l.below
              ? { id: `l${i}`, low: truth - l.gap - l.width, high: truth - l.gap }
              : { id: `l${i}`, low: truth + l.gap, high: truth + l.gap + l.width },
          ),
        ];
        // Shuffle deterministically so order never matters.
        const shift = order % list.length;
        const shuffled = [...list.slice(shift), ...list.slice(0, shift)];
        const maxFaulty = Math.floor((shuffled.length - 1) / 2);
        expect(liars.length).toBeLessThanOrEqual(maxFaulty);
        const r = intersect(shuffled)!;
        expect(r).toBeDefined();
        expect(r.low).toBeLessThanOrEqual(truth);
        expect(r.high).toBeGreaterThanOrEqual(truth);
        for (const id of r.falsetickers) expect(id.startsWith('l')).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("property: Marzullo's best interval alone does not have that guarantee (a liar at the edge of the agreement)", () => {
    // Honest [0,10] and [5,20] (truth 7); a liar [9,9.5] agrees with both: all three meet in [9, 9.5].
    const list = sources([0, 10], [5, 20], [9, 9.5]);
    const best = marzullo(list)!;
    expect(best.low > 7 || best.high < 7).toBe(true);
    const safe = intersect(list)!;
    expect(safe.low <= 7 && 7 <= safe.high).toBe(true);
  });
});
