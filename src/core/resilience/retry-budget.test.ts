import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RetryBudget } from './retry-budget.js';

describe('RetryBudget', () => {
  it('allows the floor (minRetriesPerSecond · window) with no deposits, then refuses', () => {
    const budget = new RetryBudget({ windowMs: 10_000, minRetriesPerSecond: 1, percentCanRetry: 0.2 });
    let allowed = 0;
    for (let i = 0; i < 100; i++) if (budget.tryWithdraw(0)) allowed++;
    expect(allowed).toBe(10);
    expect(budget.balance(0)).toBe(0);
  });

  it('each success earns percentCanRetry of a retry', () => {
    const budget = new RetryBudget({ minRetriesPerSecond: 0, percentCanRetry: 0.2 });
    for (let i = 0; i < 100; i++) budget.deposit(0);
    let allowed = 0;
    for (let i = 0; i < 100; i++) if (budget.tryWithdraw(1)) allowed++;
    expect(allowed).toBe(20);
  });

  it('forgets deposits and withdrawals after the window, so the floor refills', () => {
    const budget = new RetryBudget({ windowMs: 1000, minRetriesPerSecond: 2, percentCanRetry: 0 });
    expect(budget.tryWithdraw(0)).toBe(true);
    expect(budget.tryWithdraw(0)).toBe(true);
    expect(budget.tryWithdraw(500)).toBe(false);
    expect(budget.tryWithdraw(1000)).toBe(true); // the slice of t=0 left the window
    expect(budget.balance(1000)).toBe(1);
  });

  it('works with negative clock origins', () => {
    const budget = new RetryBudget({ windowMs: 1000, minRetriesPerSecond: 1, percentCanRetry: 0 });
    expect(budget.tryWithdraw(-5000)).toBe(true);
    expect(budget.tryWithdraw(-4500)).toBe(false);
    expect(budget.tryWithdraw(-3999)).toBe(true);
  });

  it('bounds retries to percent · successes + floor over any window (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dtMs: fc.integer({ min: 0, max: 300 }), success: fc.boolean() }), { maxLength: 400 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 5 }),
        (events, percent, floor) => {
          const windowMs = 1000;
          const budget = new RetryBudget({ windowMs, minRetriesPerSecond: floor, percentCanRetry: percent, slices: 10 });
          let t = 0;
          const log: Array<{ t: number; kind: 'ok' | 'retry' }> = [];
          for (const e of events) {
            t += e.dtMs;
            if (e.success) {
              budget.deposit(t);
              log.push({ t, kind: 'ok' });
            } else if (budget.tryWithdraw(t)) log.push({ t, kind: 'retry' });
          }
          // Over any interval shorter than the bucket-aligned window, retries ≤ floor·window + percent·successes (+1 for rounding).
          for (const end of log) {
            const inWindow = log.filter((e) => e.t > end.t - windowMs + windowMs / 10 && e.t <= end.t);
            const retries = inWindow.filter((e) => e.kind === 'retry').length;
            const successes = log.filter((e) => e.kind === 'ok' && e.t > end.t - 2 * windowMs && e.t <= end.t).length;
            expect(retries).toBeLessThanOrEqual(floor * (windowMs / 1000) + Math.ceil(percent * successes) + 1);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects bad options', () => {
    expect(() => new RetryBudget({ windowMs: 0 })).toThrow(/RetryBudget: windowMs/);
    expect(() => new RetryBudget({ percentCanRetry: -0.1 })).toThrow(/percentCanRetry/);
    expect(() => new RetryBudget({ minRetriesPerSecond: NaN })).toThrow(/minRetriesPerSecond/);
    expect(() => new RetryBudget({ slices: 0 })).toThrow(/slices/);
    expect(() => new RetryBudget().deposit(NaN)).toThrow(/nowMs/);
  });
});
