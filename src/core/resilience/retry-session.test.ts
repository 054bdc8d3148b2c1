import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeededRng } from '../random/rng.js';
import { exponentialBackoff } from './backoff.js';
import { RetryBudget } from './retry-budget.js';
import { RetryPolicy } from './retry.js';
import type { GiveUpEventData, RetryEventData } from './retry.js';
import { ManualTimekeeper } from './timekeeper.js';

const tk = new ManualTimekeeper();

function policy(options: Partial<ConstructorParameters<typeof RetryPolicy>[0]> = {}, seed = 1): RetryPolicy {
  return new RetryPolicy({ timekeeper: tk, rng: new SeededRng(seed), ...options });
}

describe('RetrySession (the synchronous core of RetryPolicy)', () => {
  it('decides the backoff schedule without waiting, and fires the policy events', () => {
    const p = policy({ maxAttempts: 4, backoff: exponentialBackoff({ baseMs: 100, jitter: 'none' }) });
    const retries: RetryEventData[] = [];
    const gaveUp: GiveUpEventData[] = [];
    p.onRetry((e) => retries.push(e));
    p.onGiveUp((e) => gaveUp.push(e));
    const s = p.begin(0);
    expect(s.attempt).toBe(0);
    expect(s.failed('e0', 0)).toEqual({ retry: true, attempt: 1, delayMs: 100 });
    expect(s.failed('e1', 100)).toEqual({ retry: true, attempt: 2, delayMs: 200 });
    expect(s.failed('e2', 300)).toEqual({ retry: true, attempt: 3, delayMs: 400 });
    expect(s.failed('e3', 700)).toEqual({ retry: false, reason: 'attempts', attempts: 4, error: 'e3' });
    expect(s.done).toBe(true);
    expect(retries.map((r) => [r.attempt, r.delayMs, r.error])).toEqual([[1, 100, 'e0'], [2, 200, 'e1'], [3, 400, 'e2']]);
    expect(gaveUp).toEqual([{ reason: 'attempts', attempts: 4, error: 'e3' }]);
    expect(() => s.failed('late', 800)).toThrow(/already ended/);
    expect(() => s.succeeded()).toThrow(/already ended/);
  });

  it('draws exactly the delays execute() waits, for the same seed', async () => {
    const delaysOfExecute = async (seed: number): Promise<number[]> => {
      const clock = new ManualTimekeeper();
      const p = new RetryPolicy({ timekeeper: clock, rng: new SeededRng(seed), maxAttempts: 6 });
      const out: number[] = [];
      p.onRetry((e) => out.push(e.delayMs));
      const done = p.execute(async () => {
        throw new Error('no');
      }).catch(() => undefined);
      await clock.runAll();
      await done;
      return out;
    };
    const delaysOfSession = (seed: number): number[] => {
      const s = policy({ maxAttempts: 6 }, seed).begin(0);
      const out: number[] = [];
      for (let t = 0, d = s.failed('no', t); d.retry; d = s.failed('no', t)) {
        out.push(d.delayMs);
        t += d.delayMs;
      }
      return out;
    };
    for (const seed of [1, 2, 99]) expect(delaysOfSession(seed)).toEqual(await delaysOfExecute(seed));
  });

  it('gives up on a non-retryable error, at the deadline, and when the budget is spent', () => {
    const fatal = policy({ maxAttempts: 5, isRetryable: (e) => e !== 'fatal' }).begin(0);
    expect(fatal.failed('transient', 0).retry).toBe(true);
    expect(fatal.failed('fatal', 50)).toMatchObject({ retry: false, reason: 'not-retryable', attempts: 2 });

    const timed = policy({ maxAttempts: 10, deadlineMs: 250, backoff: exponentialBackoff({ baseMs: 100, jitter: 'none' }) }).begin(1000);
    expect(timed.expiresAtMs).toBe(1250);
    expect(timed.remainingMs(1100)).toBe(150);
    expect(timed.failed('a', 1000).retry).toBe(true); // 1100 < 1250
    expect(timed.failed('b', 1100)).toMatchObject({ retry: false, reason: 'deadline', attempts: 2, error: 'b' }); // 1300 ≥ 1250

    const budget = new RetryBudget({ minRetriesPerSecond: 0, percentCanRetry: 0.5 });
    const p = policy({ maxAttempts: 5, budget });
    expect(p.begin(0).failed('x', 0)).toMatchObject({ retry: false, reason: 'budget', attempts: 1 }); // ½ token
    p.begin(0).succeeded(); // every call deposits ½, whatever its outcome: 1 token now
    const s = p.begin(0); // 1½
    expect(s.failed('x', 0).retry).toBe(true); // ½ left
    expect(s.failed('x', 10)).toMatchObject({ retry: false, reason: 'budget', attempts: 2 });
  });

  it('an enclosing expiry and deadlineMs combine: the earlier wins', () => {
    expect(policy({ deadlineMs: 500 }).begin(100, 400).expiresAtMs).toBe(400);
    expect(policy({ deadlineMs: 500 }).begin(100, 10_000).expiresAtMs).toBe(600);
    expect(policy().begin(100).expiresAtMs).toBe(Infinity);
    expect(() => policy().begin(NaN)).toThrow(/RetryPolicy.begin: nowMs/);
  });

  it('stop() ends the call from outside the rules, counting only attempts that ran', () => {
    const s = policy({ maxAttempts: 5 }).begin(0);
    s.failed('a', 0);
    expect(s.stop('aborted', 'why', false)).toEqual({ retry: false, reason: 'aborted', attempts: 1, error: 'why' });
    const t = policy({ maxAttempts: 5 }).begin(0);
    expect(t.stop('deadline', 'late', true)).toMatchObject({ attempts: 1, reason: 'deadline' });
  });

  it('never decides more than maxAttempts attempts nor a wait past the deadline (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }),
        fc.constantFrom('none', 'full', 'equal', 'decorrelated' as const),
        fc.integer(),
        (maxAttempts, deadlineMs, jitter, seed) => {
          const s = policy({ maxAttempts, deadlineMs, backoff: exponentialBackoff({ baseMs: 50, capMs: 2000, jitter }) }, seed).begin(0);
          let t = 0;
          let attempts = 1;
          for (let d = s.failed('x', t); d.retry; d = s.failed('x', t)) {
            t += d.delayMs;
            attempts++;
            expect(t).toBeLessThan(s.expiresAtMs);
          }
          expect(attempts).toBeLessThanOrEqual(maxAttempts);
        },
      ),
    );
  });
});
