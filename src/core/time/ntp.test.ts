import { describe, expect, it } from 'vitest';
import { ntpSample } from './ntp.js';

describe('ntpSample', () => {
  it('computes θ and δ (peer 100 ms ahead, 10 ms out, 1 ms held, 30 ms back)', () => {
    const s = ntpSample({ t0: 0, t1: 110, t2: 111, t3: 41 });
    expect(s).toEqual({ offsetMs: 90, delayMs: 40 });
    // The asymmetry (10 out, 30 back) is the 10 ms error; it is within δ/2.
    expect(Math.abs(100 - s.offsetMs)).toBeLessThanOrEqual(s.delayMs / 2);
  });

  it('is exact on a symmetric path', () => {
    expect(ntpSample({ t0: 1000, t1: 975, t2: 976, t3: 1011 })).toEqual({ offsetMs: -30, delayMs: 10 });
  });

  it('refuses impossible exchanges', () => {
    expect(() => ntpSample({ t0: 10, t1: 0, t2: 0, t3: 9 })).toThrow(/t3 9 < t0 10/);
    expect(() => ntpSample({ t0: 0, t1: 5, t2: 4, t3: 9 })).toThrow(/t2 4 < t1 5/);
    expect(() => ntpSample({ t0: 0, t1: NaN, t2: 4, t3: 9 })).toThrow(/t1 must be a finite number/);
  });
});
