import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeededRng } from '../random/rng.js';
import { exponentialBackoff } from './backoff.js';
import { Deadline } from './deadline.js';
import { isTimeoutError } from './errors.js';
import { RetryBudget } from './retry-budget.js';
import { RetryPolicy, retry } from './retry.js';
import type { GiveUpEventData, RetryEventData } from './retry.js';
import { ManualTimekeeper } from './timekeeper.js';

const noJitter = exponentialBackoff({ baseMs: 100, capMs: 10_000, jitter: 'none' });

/** Settle a promise while the manual clock runs every sleeper. */
async function drive<T>(tk: ManualTimekeeper, p: Promise<T>): Promise<{ value?: T; error?: unknown; atMs: number }> {
  const out: { value?: T; error?: unknown; atMs: number } = { atMs: NaN };
  const done = p.then(
    (value) => {
      out.value = value;
      out.atMs = tk.now();
    },
    (error: unknown) => {
      out.error = error;
      out.atMs = tk.now();
    },
  );
  await tk.runAll();
  await done;
  return out;
}

function failing(times: number, errorFor = (n: number) => new Error(`fail ${n}`)) {
  const calls: number[] = [];
  const fn = async ({ attempt }: { attempt: number }): Promise<string> => {
    calls.push(attempt);
    if (calls.length <= times) throw errorFor(calls.length);
    return 'ok';
  };
  return { fn, calls };
}

describe('retry', () => {
  it('returns the first success without waiting', async () => {
    const tk = new ManualTimekeeper();
    const { fn, calls } = failing(0);
    const r = await drive(tk, retry(fn, { timekeeper: tk, rng: new SeededRng(1) }));
    expect(r).toEqual({ value: 'ok', atMs: 0 });
    expect(calls).toEqual([0]);
  });

  it('retries with the backoff schedule and succeeds', async () => {
    const tk = new ManualTimekeeper();
    const { fn, calls } = failing(2);
    const retries: RetryEventData[] = [];
    const r = await drive(tk, retry(fn, { timekeeper: tk, rng: new SeededRng(1), backoff: noJitter, onRetry: (e) => retries.push(e) }));
    expect(r).toEqual({ value: 'ok', atMs: 300 });
    expect(calls).toEqual([0, 1, 2]);
    expect(retries.map((e) => [e.attempt, e.delayMs])).toEqual([[1, 100], [2, 200]]);
  });

  it('respects maxAttempts and rethrows the last error unchanged', async () => {
    const tk = new ManualTimekeeper();
    const { fn, calls } = failing(100);
    const gaveUp: GiveUpEventData[] = [];
    const r = await drive(tk, retry(fn, { timekeeper: tk, rng: new SeededRng(1), backoff: noJitter, maxAttempts: 4, onGiveUp: (e) => gaveUp.push(e) }));
    expect(calls).toHaveLength(4);
    expect((r.error as Error).message).toBe('fail 4');
    expect(r.atMs).toBe(100 + 200 + 400);
    expect(gaveUp).toEqual([{ reason: 'attempts', attempts: 4, error: r.error }]);
  });

  it('does not start a wait that would end past the deadline', async () => {
    const tk = new ManualTimekeeper();
    const { fn, calls } = failing(100);
    const gaveUp: GiveUpEventData[] = [];
    const r = await drive(tk, retry(fn, { timekeeper: tk, rng: new SeededRng(1), backoff: noJitter, maxAttempts: 10, deadlineMs: 250, onGiveUp: (e) => gaveUp.push(e) }));
    // t=0 fail, wait 100, t=100 fail, a 200 ms wait would end at 300 ≥ 250: give up with the real error.
    expect(calls).toEqual([0, 1]);
    expect(r.atMs).toBe(100);
    expect((r.error as Error).message).toBe('fail 2');
    expect(gaveUp[0].reason).toBe('deadline');
    expect(tk.pendingSleeps).toBe(0); // the deadline timer was released
  });

  it('cuts a hanging attempt off at the deadline with a TimeoutError and aborts its signal', async () => {
    const tk = new ManualTimekeeper();
    let seen: AbortSignal | undefined;
    const r = await drive(
      tk,
      retry(
        ({ signal }) => {
          seen = signal;
          return new Promise<never>(() => {});
        },
        { timekeeper: tk, rng: new SeededRng(1), deadlineMs: 500 },
      ),
    );
    expect(isTimeoutError(r.error)).toBe(true);
    expect(r.atMs).toBe(500);
    expect(seen?.aborted).toBe(true);
  });

  it('does not call fn at all when the enclosing deadline is already spent', async () => {
    const tk = new ManualTimekeeper();
    const { fn, calls } = failing(0);
    const r = await drive(tk, new RetryPolicy({ timekeeper: tk, rng: new SeededRng(1) }).execute(fn, { deadline: Deadline.after(0, tk) }));
    expect(calls).toEqual([]);
    expect(isTimeoutError(r.error)).toBe(true);
  });

  it('passes the deadline down and honours an enclosing one', async () => {
    const tk = new ManualTimekeeper();
    const outer = Deadline.after(300, tk);
    const remaining: number[] = [];
    const policy = new RetryPolicy({ timekeeper: tk, rng: new SeededRng(1), backoff: noJitter, maxAttempts: 5, deadlineMs: 10_000 });
    const r = await drive(
      tk,
      policy.execute(async ({ deadline }) => {
        remaining.push(deadline!.remainingMs());
        throw new Error('x');
      }, { deadline: outer }),
    );
    expect(remaining).toEqual([300, 200]);
    expect(r.atMs).toBe(100);
    outer.dispose();
  });

  it('stops on abort: before the call, during a wait, during an attempt', async () => {
    const rng = new SeededRng(1);
    // Already aborted: fn never runs.
    {
      const tk = new ManualTimekeeper();
      const { fn, calls } = failing(0);
      await expect(retry(fn, { timekeeper: tk, rng, signal: AbortSignal.abort('early') })).rejects.toBe('early');
      expect(calls).toEqual([]);
    }
    // During the wait after the first failure.
    {
      const tk = new ManualTimekeeper();
      const controller = new AbortController();
      const { fn, calls } = failing(100);
      const gaveUp: GiveUpEventData[] = [];
      const p = retry(fn, { timekeeper: tk, rng, backoff: noJitter, signal: controller.signal, onGiveUp: (e) => gaveUp.push(e) });
      await tk.advance(50);
      controller.abort('stop');
      const r = await drive(tk, p);
      expect(r.error).toBe('stop');
      expect(calls).toEqual([0]);
      expect(gaveUp[0].reason).toBe('aborted');
      expect(tk.pendingSleeps).toBe(0);
    }
    // During an attempt that ignores its signal.
    {
      const tk = new ManualTimekeeper();
      const controller = new AbortController();
      const p = retry(() => new Promise<never>(() => {}), { timekeeper: tk, rng, signal: controller.signal });
      controller.abort('mid');
      await expect(p).rejects.toBe('mid');
    }
  });

  it('does not retry errors the predicate rejects', async () => {
    const tk = new ManualTimekeeper();
    class Fatal extends Error {}
    const { fn, calls } = failing(100, (n) => (n === 2 ? new Fatal('fatal') : new Error('transient')));
    const r = await drive(tk, retry(fn, { timekeeper: tk, rng: new SeededRng(1), maxAttempts: 10, isRetryable: (e) => !(e instanceof Fatal) }));
    expect(calls).toHaveLength(2);
    expect(r.error).toBeInstanceOf(Fatal);
  });

  it('stops retrying when the budget is spent; every call deposits (Finagle: per request)', async () => {
    const tk = new ManualTimekeeper();
    const budget = new RetryBudget({ minRetriesPerSecond: 0, percentCanRetry: 0.5 });
    const policy = new RetryPolicy({ timekeeper: tk, rng: new SeededRng(1), backoff: noJitter, maxAttempts: 5, budget });
    const gaveUp: GiveUpEventData[] = [];
    policy.onGiveUp((e) => gaveUp.push(e));
    // One call has earned half a token: no retry.
    const first = failing(100);
    await drive(tk, policy.execute(first.fn));
    expect(first.calls).toHaveLength(1);
    expect(gaveUp[0].reason).toBe('budget');
    // Four more calls earn two tokens; with the next call's half and the first's, three retries.
    for (let i = 0; i < 4; i++) await drive(tk, policy.execute(failing(0).fn));
    const second = failing(100);
    await drive(tk, policy.execute(second.fn));
    expect(second.calls).toHaveLength(4);
    expect(gaveUp[1]).toMatchObject({ reason: 'budget', attempts: 4 });
  });

  it('never exceeds maxAttempts or the deadline (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: 8 }),
        fc.option(fc.integer({ min: 0, max: 5000 }), { nil: undefined }),
        fc.constantFrom('none', 'full', 'equal', 'decorrelated' as const),
        fc.integer(),
        async (outcomes, maxAttempts, deadlineMs, jitter, seed) => {
          const tk = new ManualTimekeeper();
          let calls = 0;
          const fn = async (): Promise<number> => {
            const ok = outcomes[calls % outcomes.length];
            calls++;
            if (!ok) throw new Error('no');
            return calls;
          };
          const backoff = exponentialBackoff({ baseMs: 50, capMs: 2000, jitter });
          const r = await drive(tk, retry(fn, { timekeeper: tk, rng: new SeededRng(seed), maxAttempts, deadlineMs, backoff }));
          expect(calls).toBeGreaterThanOrEqual(deadlineMs === 0 ? 0 : 1); // a zero budget starts nothing
          expect(calls).toBeLessThanOrEqual(maxAttempts);
          if (deadlineMs !== undefined) expect(r.atMs).toBeLessThanOrEqual(deadlineMs);
          const firstOk = outcomes.indexOf(true);
          if (firstOk >= 0 && firstOk < calls) expect(r.value).toBe(firstOk + 1);
          else expect(r.error).toBeDefined();
          expect(tk.pendingSleeps).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('draws the same delays for the same seed', async () => {
    const delays = async (seed: number): Promise<number[]> => {
      const tk = new ManualTimekeeper();
      const out: number[] = [];
      await drive(tk, retry(failing(5).fn, { timekeeper: tk, rng: new SeededRng(seed), maxAttempts: 6, onRetry: (e) => out.push(e.delayMs) }));
      return out;
    };
    expect(await delays(7)).toEqual(await delays(7));
    expect(await delays(7)).not.toEqual(await delays(8));
  });

  it('validates its options, naming the API', () => {
    const tk = new ManualTimekeeper();
    const rng = new SeededRng(1);
    expect(() => new RetryPolicy({ rng } as never)).toThrow(/RetryPolicy: options.timekeeper/);
    expect(() => new RetryPolicy({ timekeeper: tk } as never)).toThrow(/RetryPolicy: options.rng/);
    expect(() => new RetryPolicy({ timekeeper: tk, rng, maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => new RetryPolicy({ timekeeper: tk, rng, maxAttempts: Infinity })).toThrow(/needs deadlineMs/);
    expect(() => new RetryPolicy({ timekeeper: tk, rng, maxAttempts: Infinity, deadlineMs: 1000 })).not.toThrow();
    expect(() => new RetryPolicy({ timekeeper: tk, rng, deadlineMs: -1 })).toThrow(/deadlineMs/);
  });
});
