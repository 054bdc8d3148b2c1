import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PhiAccrualDetector } from './phi-accrual.js';
import { phi, timeDiffForPhi, yForPhi } from './phi.js';

/** 1 − 10^−φ: the CDF value φ encodes (Akka's spec helper). */
const cdf = (p: number): number => 1 - 10 ** -p;

/** A detector fed heartbeats at the given absolute times. */
function fed(times: number[], options = {}): PhiAccrualDetector {
  const d = new PhiAccrualDetector(options);
  for (const t of times) d.heartbeat(t);
  return d;
}

/** Absolute times from a first time and then intervals (Akka's fakeTimeGenerator). */
function times(first: number, ...intervals: number[]): number[] {
  const out = [first];
  for (const dt of intervals) out.push(out[out.length - 1] + dt);
  return out;
}

describe('phi(): the formula, against values computed independently (Python, log10(1 + exp(a)))', () => {
  it.each([
    [1200, 1000, 100, 1.6428278854871121],
    [1400, 1000, 100, 4.73669458270518],
    [1000, 1000, 100, 0.30102999566398114],
    [22, 20, 3, 0.5979503147836112],
    [600, 1000, 100, 7.963311608843341e-6],
    [1100, 1000, 500, 0.37607379193318685],
    [10, 0, 1, 37.584713052871216],
    [35, 0, 10, 3.7424450636249356],
  ])('phi(%d, %d, %d) = %f', (t, mean, sd, expected) => {
    expect(phi(t, mean, sd)).toBeCloseTo(expected, 9);
  });
});

describe("Akka's AccrualFailureDetectorSpec, reproduced", () => {
  it('uses a good enough cumulative distribution function', () => {
    expect(cdf(phi(0, 0, 10))).toBeCloseTo(0.5, 3);
    expect(Math.abs(cdf(phi(6, 0, 10)) - 0.7257)).toBeLessThan(0.001);
    expect(Math.abs(cdf(phi(15, 0, 10)) - 0.9332)).toBeLessThan(0.001);
    expect(Math.abs(cdf(phi(20, 0, 10)) - 0.97725)).toBeLessThan(0.001);
    expect(Math.abs(cdf(phi(25, 0, 10)) - 0.99379)).toBeLessThan(0.001);
    expect(Math.abs(cdf(phi(35, 0, 10)) - 0.99977)).toBeLessThan(0.001);
    expect(Math.abs(cdf(phi(40, 0, 10)) - 0.99997)).toBeLessThan(0.0001);
    for (let x = 0; x < 40; x++) expect(phi(x, 0, 10)).toBeLessThan(phi(x + 1, 0, 10));
    expect(Math.abs(cdf(phi(22, 20, 3)) - 0.7475)).toBeLessThan(0.001);
  });

  it('handles outliers without losing precision or producing NaN', () => {
    expect(Math.abs(phi(10, 0, 1) - 38)).toBeLessThanOrEqual(1);
    expect(phi(-25, 0, 1)).toBe(0);
    expect(Object.is(phi(-1e6, 0, 1), 0)).toBe(true); // not −0, not NaN
    expect(phi(1e6, 0, 1)).toBe(Infinity);
  });

  it('returns realistic phi values (mean 1000, σ 100)', () => {
    const table: Array<[number, number]> = [[0, 0], [500, 0.1], [1000, 0.3], [1200, 1.6], [1400, 4.7], [1600, 10.8], [1700, 15.3]];
    for (const [t, expected] of table) expect(Math.abs(phi(t, 1000, 100) - expected)).toBeLessThanOrEqual(0.1);
    expect(phi(1100, 1000, 500)).toBeLessThan(phi(1100, 1000, 100)); // larger σ ⇒ lower φ
  });

  it('returns phi 0 and is available before any heartbeat', () => {
    const d = new PhiAccrualDetector();
    expect(d.phi(0)).toBe(0);
    expect(d.phi(1e9)).toBe(0);
    expect(d.isAvailable(1e9)).toBe(true);
    expect(d.isMonitoring).toBe(false);
    expect(d.suspicionReachedAtMs()).toBeUndefined();
  });

  it('returns phi based on the first-heartbeat guess after one heartbeat', () => {
    const d = fed([0]);
    expect(Math.abs(d.phi(1000) - 0.3)).toBeLessThanOrEqual(0.2);
    expect(Math.abs(d.phi(2000) - 4.5)).toBeLessThanOrEqual(0.3);
    expect(d.phi(3000)).toBeGreaterThan(15);
  });

  it('uses the first interval after the second heartbeat', () => {
    const d = fed([0]);
    expect(d.phi(100)).toBeGreaterThan(0);
    d.heartbeat(200);
    expect(d.phi(300)).toBeGreaterThan(0);
  });

  it('marks a node monitored and available after a series of heartbeats', () => {
    const d = fed(times(0, 1000, 100));
    expect(d.isMonitoring).toBe(true);
    expect(d.isAvailable(1200)).toBe(true);
  });

  it('marks a node dead when heartbeats are missed', () => {
    const d = fed(times(0, 1000, 100), { threshold: 3 });
    expect(d.isAvailable(1200)).toBe(true);
    expect(d.isAvailable(8200)).toBe(false);
  });

  it('marks a node available again when it resumes, after being marked dead', () => {
    const d = new PhiAccrualDetector({ threshold: 8, acceptableHeartbeatPauseMs: 3000 });
    let t = 0;
    d.heartbeat(t);
    for (let i = 1; i < 1000; i++) d.heartbeat((t += 1000));
    t += 5 * 60 * 1000;
    expect(d.isAvailable(t)).toBe(false); // after the long pause
    d.heartbeat((t += 100));
    expect(d.isAvailable((t += 900))).toBe(true);
    d.heartbeat((t += 100));
    expect(d.isAvailable((t += 7000))).toBe(false); // after the 7 s pause
    d.heartbeat((t += 100));
    expect(d.isAvailable((t += 900))).toBe(true);
    d.heartbeat((t += 100));
    expect(d.isAvailable((t += 900))).toBe(true);
  });

  it('accepts some configured missing heartbeats', () => {
    const d = new PhiAccrualDetector({ acceptableHeartbeatPauseMs: 3000 });
    for (const t of times(0, 1000, 1000, 1000)) d.heartbeat(t);
    expect(d.isAvailable(7000)).toBe(true);
    d.heartbeat(7000);
    expect(d.isAvailable(8000)).toBe(true);
  });

  it('fails after the configured acceptable missing heartbeats', () => {
    const d = new PhiAccrualDetector({ acceptableHeartbeatPauseMs: 3000 });
    for (const t of times(0, 1000, 1000, 1000, 1000, 1000)) d.heartbeat(t);
    expect(d.isAvailable(5500)).toBe(true);
    d.heartbeat(6000);
    expect(d.isAvailable(11000)).toBe(false);
  });

  it('uses only maxSampleSize heartbeats', () => {
    const d = new PhiAccrualDetector({ maxSampleSize: 3 });
    for (const t of [0, 100, 200, 300]) d.heartbeat(t);
    const phi1 = d.phi(400);
    for (const t of [1000, 1500, 2000, 2500]) d.heartbeat(t);
    const phi2 = d.phi(3000);
    expect(phi2).toBeCloseTo(phi1, 3);
  });
});

describe('PhiAccrualDetector with a steady 1 s heartbeat and the defaults', () => {
  const steady = (options = {}): { d: PhiAccrualDetector; lastMs: number } => {
    const d = new PhiAccrualDetector(options);
    for (let i = 0; i <= 100; i++) d.heartbeat(i * 1000);
    return { d, lastMs: 100_000 };
  };

  it('phi is below 1 right after a heartbeat and rises with silence', () => {
    const { d, lastMs } = steady();
    expect(d.phi(lastMs)).toBeLessThan(1);
    expect(d.phi(lastMs + 1000)).toBeLessThan(1);
    let previous = d.phi(lastMs);
    for (let dt = 50; dt <= 3000; dt += 50) {
      const p = d.phi(lastMs + dt);
      expect(p).toBeGreaterThanOrEqual(previous);
      previous = p;
    }
  });

  it('crosses 8 at 1522.6 ms of silence with the defaults (σ clamps to 100 ms, pause 0)', () => {
    const { d, lastMs } = steady();
    expect(d.meanMs).toBe(1000);
    expect(d.stdDeviationMs).toBe(100);
    const atMs = d.suspicionReachedAtMs(8)!;
    expect(atMs - lastMs).toBeCloseTo(1522.5986644093564, 6); // independent bisection in Python
    expect(d.isAvailable(atMs - 1e-6)).toBe(true);
    expect(d.isAvailable(atMs)).toBe(false);
    expect(d.phi(lastMs + 1500)).toBeLessThan(8);
    expect(d.phi(lastMs + 1550)).toBeGreaterThan(8);
  });

  it("crosses 8 within 2–6 s of silence with Akka's cluster pause (acceptable-heartbeat-pause = 3 s)", () => {
    const { d, lastMs } = steady({ acceptableHeartbeatPauseMs: 3000 });
    const crossMs = d.suspicionReachedAtMs(8)! - lastMs;
    expect(crossMs).toBeGreaterThan(2000);
    expect(crossMs).toBeLessThan(6000);
    expect(crossMs).toBeCloseTo(4522.5986644093564, 6);
  });

  it('does not add the interval of a heartbeat that arrives while unavailable', () => {
    const { d, lastMs } = steady();
    const before = d.sampleCount;
    d.heartbeat(lastMs + 60_000);
    expect(d.sampleCount).toBe(before);
    expect(d.meanMs).toBe(1000);
    expect(d.phi(lastMs + 60_000)).toBeLessThan(1); // the timer restarted
    d.heartbeat(lastMs + 61_000);
    expect(d.sampleCount).toBe(before + 1);
  });

  it('bootstraps from firstHeartbeatEstimateMs: mean = estimate, σ = estimate / 4', () => {
    const d = fed([0], { firstHeartbeatEstimateMs: 2000 });
    expect(d.meanMs).toBe(2000);
    expect(d.stdDeviationMs).toBe(500);
    expect(d.sampleCount).toBe(2);
  });

  it("bootstraps σ with Akka's whole-millisecond division: ⌊1001 / 4⌋ = 250", () => {
    // Akka: val mean = firstHeartbeatEstimate.toMillis; val stdDeviation = mean / 4 (Long division).
    const d = fed([0], { firstHeartbeatEstimateMs: 1001, minStdDeviationMs: 1 });
    expect(d.meanMs).toBe(1001);
    expect(d.stdDeviationMs).toBe(250);
    const fractional = fed([0], { firstHeartbeatEstimateMs: 1000.5, minStdDeviationMs: 1 });
    expect(fractional.stdDeviationMs).toBe(250.125);
  });
});

describe('PhiAccrualDetector: properties', () => {
  const intervals = fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 0, maxLength: 60 });
  const options = fc.record({
    minStdDeviationMs: fc.integer({ min: 1, max: 500 }),
    acceptableHeartbeatPauseMs: fc.integer({ min: 0, max: 5000 }),
    firstHeartbeatEstimateMs: fc.integer({ min: 1, max: 5000 }),
    maxSampleSize: fc.integer({ min: 1, max: 50 }),
  });

  it('phi is non-decreasing in elapsed time', () => {
    fc.assert(
      fc.property(intervals, options, fc.array(fc.double({ min: 0, max: 30_000, noNaN: true }), { minLength: 2, maxLength: 30 }), (gaps, opts, elapsed) => {
        const d = new PhiAccrualDetector(opts);
        let t = 0;
        d.heartbeat(t);
        for (const g of gaps) d.heartbeat((t += g));
        const sorted = [...elapsed].sort((a, b) => a - b);
        for (let i = 1; i < sorted.length; i++) {
          expect(d.phi(t + sorted[i])).toBeGreaterThanOrEqual(d.phi(t + sorted[i - 1]));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('suspicionReachedAtMs is the earliest time phi reaches the level', () => {
    fc.assert(
      fc.property(intervals, options, fc.double({ min: 0.05, max: 30, noNaN: true }), (gaps, opts, level) => {
        const d = new PhiAccrualDetector(opts);
        let t = 0;
        d.heartbeat(t);
        for (const g of gaps) d.heartbeat((t += g));
        const at = d.suspicionReachedAtMs(level)!;
        expect(d.phi(at)).toBeGreaterThanOrEqual(level);
        expect(d.phi(at - Math.max(1e-6, Math.abs(at) * 1e-12))).toBeLessThan(level);
      }),
      { numRuns: 300 },
    );
  });

  it('yForPhi inverts the approximation', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 300, noNaN: true }), (level) => {
        const y = yForPhi(level);
        expect(phi(y, 0, 1)).toBeCloseTo(level, 6);
      }),
    );
    expect(timeDiffForPhi(8, 1000, 100)).toBeCloseTo(1522.5986644093564, 6);
  });
});

describe('PhiAccrualDetector: isAvailable is exactly phi < threshold (the fast path changes no answer)', () => {
  const gaps = fc.array(fc.double({ min: 0, max: 5000, noNaN: true }), { minLength: 0, maxLength: 40 });
  const options = fc.record({
    threshold: fc.oneof(fc.double({ min: 0.01, max: 40, noNaN: true }), fc.constantFrom(1, 3, 8, 12, 16)),
    minStdDeviationMs: fc.double({ min: 0.5, max: 500, noNaN: true }),
    acceptableHeartbeatPauseMs: fc.integer({ min: 0, max: 5000 }),
    firstHeartbeatEstimateMs: fc.integer({ min: 1, max: 5000 }),
    maxSampleSize: fc.integer({ min: 1, max: 30 }),
  });

  it('at random times and at the last ulps around the crossing', () => {
    fc.assert(
      fc.property(gaps, options, fc.array(fc.double({ min: -100, max: 60_000, noNaN: true }), { maxLength: 20 }), (gs, opts, probes) => {
        const d = new PhiAccrualDetector(opts);
        let t = 1e6;
        d.heartbeat(t);
        for (const g of gs) {
          d.heartbeat((t += g));
          expect(d.isAvailable(t + g)).toBe(d.phi(t + g) < d.threshold);
        }
        const at = d.suspicionReachedAtMs()!;
        const ulp = Math.abs(at) * Number.EPSILON;
        for (let k = -4; k <= 4; k++) {
          const probe = at + k * ulp;
          expect(d.isAvailable(probe)).toBe(d.phi(probe) < d.threshold);
        }
        for (const p of probes) expect(d.isAvailable(t + p)).toBe(d.phi(t + p) < d.threshold);
      }),
      { numRuns: 300 },
    );
  });

  it('with thresholds so high that exp underflows (the bracket is dropped, φ always evaluated)', () => {
    for (const threshold of [300, 1000, 1e6]) {
      const d = fed(times(0, 1000, 1000, 1000), { threshold });
      for (const dt of [0, 1500, 3000, 10_000, 1e6]) expect(d.isAvailable(3000 + dt)).toBe(d.phi(3000 + dt) < threshold);
    }
  });
});

describe('PhiAccrualDetector: validation and invariants', () => {
  it('rejects bad options with a message naming the API', () => {
    expect(() => new PhiAccrualDetector({ threshold: 0 })).toThrow(/PhiAccrualDetector: threshold/);
    expect(() => new PhiAccrualDetector({ maxSampleSize: 0 })).toThrow(/maxSampleSize/);
    expect(() => new PhiAccrualDetector({ minStdDeviationMs: 0 })).toThrow(/minStdDeviationMs/);
    expect(() => new PhiAccrualDetector({ acceptableHeartbeatPauseMs: -1 })).toThrow(/acceptableHeartbeatPauseMs/);
    expect(() => new PhiAccrualDetector({ firstHeartbeatEstimateMs: NaN })).toThrow(/firstHeartbeatEstimateMs/);
  });

  it('refuses a heartbeat earlier than the previous one (time must be monotonic)', () => {
    const d = fed([1000]);
    expect(() => d.heartbeat(999)).toThrow(/monotonic/);
    expect(() => d.heartbeat(NaN)).toThrow(/nowMs/);
  });

  it('reset() returns to the unmonitored state', () => {
    const d = fed([0, 1000, 2000]);
    d.reset();
    expect(d.isMonitoring).toBe(false);
    expect(d.phi(1e9)).toBe(0);
    d.heartbeat(5);
    expect(d.sampleCount).toBe(2);
  });
});
