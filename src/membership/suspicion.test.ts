import { describe, expect, it } from 'vitest';
import { Suspicion } from './suspicion.js';

describe('Suspicion (memberlist suspicion_test.go, in virtual time)', () => {
  // TestSuspicion_Timer: k = 3, min 500 ms, max 2 s, a confirmation every 25 ms.
  // memberlist checks the firing time within ±25 ms and lists 810 ms for two
  // confirmations; the exact value of its formula is floor(1000 · (2 − ln3/ln4 · 1.5)) = 811 ms.
  const cases: Array<{ confirmations: Array<[string, boolean]>; fired: number; deadlineMs: number }> = [
    { confirmations: [], fired: 0, deadlineMs: 2000 },
    { confirmations: [['me', false], ['foo', true]], fired: 1, deadlineMs: 1250 },
    { confirmations: [['me', false], ['foo', true], ['foo', false], ['foo', false]], fired: 1, deadlineMs: 1250 },
    { confirmations: [['me', false], ['foo', true], ['bar', true]], fired: 2, deadlineMs: 811 },
    { confirmations: [['me', false], ['foo', true], ['bar', true], ['baz', true]], fired: 3, deadlineMs: 500 },
    { confirmations: [['me', false], ['foo', true], ['bar', true], ['baz', true], ['zoo', false]], fired: 3, deadlineMs: 500 },
  ];
  for (const [i, c] of cases.entries()) {
    it(`case ${i}: ${c.confirmations.length} confirmation attempts → deadline ${c.deadlineMs} ms`, () => {
      const s = new Suspicion('me', 3, 500, 2000, 0);
      let t = 0;
      for (const [from, newInfo] of c.confirmations) {
        t += 25;
        expect(s.confirm(from, t), from).toBe(newInfo);
      }
      expect(s.confirmations).toBe(c.fired);
      expect(s.deadlineMs).toBe(c.deadlineMs);
      // A confirmation after the deadline still counts while fewer than k are in (the node's timer has fired by then; only it acts).
      expect(s.confirm('late', c.deadlineMs + 50)).toBe(c.fired < 3);
    });
  }

  it('fires immediately when a confirmation comes after the minimum has passed (TestSuspicion_Timer_Immediate)', () => {
    const s = new Suspicion('me', 1, 100, 30_000, 0);
    expect(s.confirm('foo', 200)).toBe(true);
    expect(s.deadlineMs).toBeLessThanOrEqual(200);
  });

  it('uses the minimum from the start when no confirmations are expected (k = 0)', () => {
    const s = new Suspicion('me', 0, 4000, 24_000, 1000);
    expect(s.deadlineMs).toBe(5000);
    expect(s.confirm('foo', 1500)).toBe(false);
  });
});
