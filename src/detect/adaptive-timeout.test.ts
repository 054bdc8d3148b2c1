import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AdaptiveTimeout } from './adaptive-timeout.js';
import { SortedWindow } from './sorted-window.js';

/** Timeouts without the clamps, to see RFC 6298's raw values. */
const unclamped = { minTimeoutMs: 1e-9, maxTimeoutMs: 1e12 } as const;

describe('AdaptiveTimeout (RFC 6298)', () => {
  it('§2.1: before any sample the timeout is the initial 1 s', () => {
    expect(new AdaptiveTimeout().timeoutMs()).toBe(1000);
  });

  it('§2.2/§2.3 worked example: 100, 200, 50, 300 ms', () => {
    const rto = new AdaptiveTimeout(unclamped);
    // First sample R = 100: SRTT = 100, RTTVAR = 50, RTO = 100 + max(1, 4·50) = 300.
    rto.sample(100);
    expect(rto.stats).toEqual({ mode: 'rfc6298', srttMs: 100, rttvarMs: 50, samples: 1 });
    expect(rto.timeoutMs()).toBe(300);
    // R' = 200: RTTVAR = ¾·50 + ¼·|100 − 200| = 62.5 (old SRTT), then SRTT = ⅞·100 + ⅛·200 = 112.5.
    rto.sample(200);
    expect(rto.stats).toMatchObject({ srttMs: 112.5, rttvarMs: 62.5 });
    expect(rto.timeoutMs()).toBe(112.5 + 250);
    // R' = 50: RTTVAR = ¾·62.5 + ¼·|112.5 − 50| = 62.5, SRTT = ⅞·112.5 + ⅛·50 = 104.6875.
    rto.sample(50);
    expect(rto.stats).toMatchObject({ srttMs: 104.6875, rttvarMs: 62.5 });
    expect(rto.timeoutMs()).toBe(104.6875 + 250);
    // R' = 300: RTTVAR = ¾·62.5 + ¼·|104.6875 − 300| = 95.703125, SRTT = 129.1015625.
    rto.sample(300);
    expect(rto.stats).toMatchObject({ srttMs: 129.1015625, rttvarMs: 95.703125 });
    expect(rto.timeoutMs()).toBe(129.1015625 + 4 * 95.703125);
  });

  it('RTTVAR uses the SRTT from BEFORE the sample (order matters)', () => {
    const rto = new AdaptiveTimeout(unclamped);
    rto.sample(100);
    rto.sample(900);
    // Wrong order would give |SRTT_new − R'| = |200 − 900| = 700 → RTTVAR 212.5; RFC order: |100 − 900| = 800 → 237.5.
    expect(rto.stats).toMatchObject({ rttvarMs: 237.5, srttMs: 200 });
  });

  it('clock granularity G floors the variance term', () => {
    const rto = new AdaptiveTimeout({ ...unclamped, clockGranularityMs: 10 });
    for (let i = 0; i < 200; i++) rto.sample(40);
    // RTTVAR decays towards 0, so RTO = SRTT + G.
    expect(rto.timeoutMs()).toBeCloseTo(50, 6);
  });

  it('clamps to [minTimeoutMs, maxTimeoutMs] (default min 200 ms)', () => {
    const rto = new AdaptiveTimeout();
    rto.sample(1);
    expect(rto.timeoutMs()).toBe(200);
    const capped = new AdaptiveTimeout({ maxTimeoutMs: 5000 });
    capped.sample(4000);
    expect(capped.timeoutMs()).toBe(5000);
  });

  it('§5.5: onTimeout doubles up to the max; the next valid sample recomputes', () => {
    const rto = new AdaptiveTimeout({ minTimeoutMs: 100, maxTimeoutMs: 2000 });
    rto.sample(100); // RTO 300
    rto.onTimeout();
    expect(rto.timeoutMs()).toBe(600);
    rto.onTimeout();
    expect(rto.timeoutMs()).toBe(1200);
    rto.onTimeout();
    expect(rto.timeoutMs()).toBe(2000);
    for (let i = 0; i < 100; i++) rto.onTimeout();
    expect(rto.timeoutMs()).toBe(2000);
    expect(rto.consecutiveTimeouts).toBe(103);
    rto.sample(100);
    expect(rto.consecutiveTimeouts).toBe(0);
    expect(rto.timeoutMs()).toBeLessThan(600);
  });

  it("Karn's rule: a retransmitted request's RTT is ignored and the backoff is kept", () => {
    const rto = new AdaptiveTimeout({ minTimeoutMs: 100 });
    rto.sample(100);
    rto.onTimeout();
    const backedOff = rto.timeoutMs();
    const before = rto.stats;
    // The reply to the retransmission took 5 ms after it — or 605 ms after the original: ambiguous.
    expect(rto.sample(5, { retransmitted: true })).toBe(false);
    expect(rto.stats).toEqual(before);
    expect(rto.timeoutMs()).toBe(backedOff);
    expect(rto.ignoredSamples).toBe(1);
    expect(rto.sample(100)).toBe(true);
    expect(rto.timeoutMs()).toBeLessThan(backedOff);
  });

  it('rejects bad options and samples', () => {
    expect(() => new AdaptiveTimeout({ minTimeoutMs: 10, maxTimeoutMs: 5 })).toThrow(/AdaptiveTimeout: maxTimeoutMs/);
    expect(() => new AdaptiveTimeout({ clockGranularityMs: 0 })).toThrow(/clockGranularityMs/);
    expect(() => new AdaptiveTimeout({ mode: 'percentile', percentile: 0 })).toThrow(/percentile/);
    expect(() => new AdaptiveTimeout({ mode: 'percentile', windowSize: 10, minSamples: 11 })).toThrow(/minSamples/);
    expect(() => new AdaptiveTimeout({ mode: 'nope' } as never)).toThrow(/mode/);
    expect(() => new AdaptiveTimeout().sample(-1)).toThrow(/rttMs/);
    expect(() => new AdaptiveTimeout().sample(NaN)).toThrow(/rttMs/);
  });
});

describe('AdaptiveTimeout (percentile mode)', () => {
  it('is multiplier × p99 of the last windowSize samples, after minSamples', () => {
    const t = new AdaptiveTimeout({ mode: 'percentile', windowSize: 100, minSamples: 10, multiplier: 2, minTimeoutMs: 1 });
    for (let i = 1; i <= 9; i++) t.sample(i);
    expect(t.timeoutMs()).toBe(1000); // initial until 10 samples
    for (let i = 10; i <= 100; i++) t.sample(i);
    expect(t.stats).toEqual({ mode: 'percentile', percentileMs: 99, samples: 100 });
    expect(t.timeoutMs()).toBe(198);
    // Slide: 100 more samples of 5 ms push every old one out.
    for (let i = 0; i < 100; i++) t.sample(5);
    expect(t.timeoutMs()).toBe(10);
  });

  it("applies Karn's rule and backoff like the RFC mode", () => {
    const t = new AdaptiveTimeout({ mode: 'percentile', windowSize: 10, minSamples: 1, minTimeoutMs: 1 });
    t.sample(50);
    expect(t.timeoutMs()).toBe(100);
    expect(t.sample(1, { retransmitted: true })).toBe(false);
    t.onTimeout();
    expect(t.timeoutMs()).toBe(200);
    t.sample(50);
    expect(t.timeoutMs()).toBe(100);
  });
});

describe('SortedWindow', () => {
  it('keeps exactly the last `capacity` samples, sorted (against a naive model)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 300 }), (capacity, xs) => {
        const w = new SortedWindow(capacity);
        for (const x of xs) w.add(x);
        const expected = xs.slice(-capacity).sort((a, b) => a - b);
        expect(w.toSortedArray()).toEqual(expected);
        if (expected.length > 0) {
          for (const p of [0.01, 0.5, 0.9, 0.99, 1]) {
            expect(w.percentile(p)).toBe(expected[Math.max(1, Math.ceil(p * expected.length)) - 1]);
          }
        }
      }),
    );
  });

  it('is NaN when empty and refuses NaN', () => {
    const w = new SortedWindow(3);
    expect(w.percentile(0.5)).toBeNaN();
    expect(() => w.add(NaN)).toThrow(/NaN/);
  });
});
