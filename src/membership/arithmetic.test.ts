import { describe, expect, it } from 'vitest';
import { pushPullScaleMs, remainingSuspicionTimeMs, retransmitLimit, suspicionTimeoutMs } from './arithmetic.js';
import { DEFAULT_LAN_CONFIG } from './config.js';

// Expected values are memberlist's own test tables (util_test.go, suspicion_test.go).
describe("memberlist's arithmetic", () => {
  it('suspicionTimeout by cluster size (TestSuspicionTimeout: suspicionTimeout(3, n, 1s) / 3)', () => {
    const expected: Array<[number, number]> = [
      [5, 1000],
      [10, 1000],
      [50, 1698],
      [100, 2000],
      [500, 2698],
      [1000, 3000],
    ];
    for (const [n, ms] of expected) expect(suspicionTimeoutMs(3, n, 1000) / 3, `n=${n}`).toBe(ms);
  });

  it('truncates the node scale to 1/1000 as Go does (log10(50) = 1.69897… counts as 1.698)', () => {
    expect(suspicionTimeoutMs(1, 50, 1000)).toBe(1698);
    expect(suspicionTimeoutMs(4, 1, 1000)).toBe(4000); // max(1, log10(max(1, n)))
    expect(suspicionTimeoutMs(4, 0, 1000)).toBe(4000);
  });

  it('retransmitLimit (TestRetransmitLimit)', () => {
    expect(retransmitLimit(3, 0)).toBe(0);
    expect(retransmitLimit(3, 1)).toBe(3);
    expect(retransmitLimit(3, 99)).toBe(6);
  });

  it('remainingSuspicionTime by confirmations (TestSuspicion_remainingSuspicionTime)', () => {
    const cases: Array<[n: number, k: number, elapsedMs: number, minMs: number, maxMs: number, expectedMs: number]> = [
      [0, 3, 0, 2000, 30_000, 30_000],
      [1, 3, 2000, 2000, 30_000, 14_000],
      [2, 3, 3000, 2000, 30_000, 4810],
      [3, 3, 4000, 2000, 30_000, -2000],
      [4, 3, 5000, 2000, 30_000, -3000],
      [5, 3, 10_000, 2000, 30_000, -8000],
    ];
    for (const [n, k, elapsed, min, max, expected] of cases) {
      expect(remainingSuspicionTimeMs(n, k, elapsed, min, max), `n=${n}`).toBe(expected);
    }
  });

  it('refuses k < 1 (nobody is expected to confirm: the timeout is simply the minimum)', () => {
    expect(() => remainingSuspicionTimeMs(1, 0, 0, 100, 200)).toThrow(RangeError);
  });

  it('pushPullScale (TestPushPullScale)', () => {
    for (let n = 0; n <= 32; n++) expect(pushPullScaleMs(1000, n)).toBe(1000);
    for (let n = 33; n <= 64; n++) expect(pushPullScaleMs(1000, n)).toBe(2000);
    for (let n = 65; n <= 128; n++) expect(pushPullScaleMs(1000, n)).toBe(3000);
  });

  it('gives these timeouts and retransmit limits with the LAN defaults', () => {
    const c = DEFAULT_LAN_CONFIG;
    const rows = [5, 50, 500, 1000].map((n) => {
      const min = suspicionTimeoutMs(c.suspicionMult, n, c.probeIntervalMs);
      return [n, min, min * c.suspicionMaxTimeoutMult, retransmitLimit(c.retransmitMult, n)];
    });
    expect(rows).toEqual([
      [5, 4000, 24_000, 4],
      [50, 6792, 40_752, 8],
      [500, 10_792, 64_752, 12],
      [1000, 12_000, 72_000, 16],
    ]);
  });
});
