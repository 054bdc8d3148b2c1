import { describe, expect, it } from 'vitest';
import { Deadline, deadline, withTimeout } from './deadline.js';
import { isTimeoutError, TimeoutError } from './errors.js';
import { ManualTimekeeper } from './timekeeper.js';

describe('Deadline', () => {
  it('counts down on the timekeeper and never goes negative', async () => {
    const tk = new ManualTimekeeper(1000);
    const d = deadline(500, tk);
    expect(d.expiresAtMs).toBe(1500);
    expect(d.remainingMs()).toBe(500);
    await tk.advance(200);
    expect(d.remainingMs()).toBe(300);
    expect(d.isExpired()).toBe(false);
    await tk.advance(400);
    expect(d.remainingMs()).toBe(0);
    expect(d.isExpired()).toBe(true);
    expect(() => d.throwIfExpired()).toThrow(TimeoutError);
  });

  it('child() takes the min of the parent and the new limit', async () => {
    const tk = new ManualTimekeeper();
    const parent = Deadline.after(1000, tk);
    expect(parent.child(300).remainingMs()).toBe(300);
    expect(parent.child(5000).remainingMs()).toBe(1000);
    await tk.advance(900);
    const late = parent.child(300);
    expect(late.remainingMs()).toBe(100);
    expect(late.expiresAtMs).toBe(parent.expiresAtMs);
    expect(parent.child().remainingMs()).toBe(100);
  });

  it('its signal fires at expiry with a TimeoutError, via the timekeeper', async () => {
    const tk = new ManualTimekeeper();
    const d = Deadline.after(250, tk);
    const signal = d.signal;
    expect(signal).toBe(d.signal); // one per deadline
    await tk.advance(249);
    expect(signal.aborted).toBe(false);
    await tk.advance(1);
    expect(signal.aborted).toBe(true);
    expect(isTimeoutError(signal.reason)).toBe(true);
  });

  it('dispose() releases the timer; expired and never deadlines arm none', async () => {
    const tk = new ManualTimekeeper();
    const d = Deadline.after(1000, tk);
    void d.signal;
    expect(tk.pendingSleeps).toBe(1);
    d.dispose();
    await tk.advance(0);
    expect(tk.pendingSleeps).toBe(0);
    expect(d.signal.aborted).toBe(false);
    expect(Deadline.after(0, tk).signal.aborted).toBe(true);
    const never = Deadline.never(tk);
    expect(never.signal.aborted).toBe(false);
    expect(never.remainingMs()).toBe(Infinity);
    expect(tk.pendingSleeps).toBe(0);
  });

  it('releases its timers with one shared reason, not a new DOMException per call (its stack trace cost a tenth of a client call)', async () => {
    const tk = new ManualTimekeeper();
    const released: unknown[] = [];
    const spy = { now: () => tk.now(), sleep: (ms: number, signal?: AbortSignal) => (signal?.addEventListener('abort', () => released.push(signal.reason)), tk.sleep(ms, signal)) };
    const d = Deadline.after(1000, spy);
    void d.signal;
    d.dispose();
    await withTimeout(async () => 'v', 100, { timekeeper: spy });
    await withTimeout(async () => 'v', 100, { timekeeper: spy });
    expect(released).toHaveLength(3);
    expect(released.some((r) => r instanceof DOMException)).toBe(false);
    expect(new Set(released).size).toBe(1);
  });

  it('validates', () => {
    const tk = new ManualTimekeeper();
    expect(() => Deadline.after(-1, tk)).toThrow(/Deadline.after: budgetMs/);
    expect(() => Deadline.at(NaN, tk)).toThrow(/Deadline.at/);
    expect(() => Deadline.after(10, tk).child(-5)).toThrow(/Deadline.child/);
  });
});

describe('withTimeout', () => {
  it('resolves with the value when in time and releases its timer', async () => {
    const tk = new ManualTimekeeper();
    const p = withTimeout(async () => {
      await tk.sleep(50);
      return 'done';
    }, 100, { timekeeper: tk });
    await tk.runAll();
    await expect(p).resolves.toBe('done');
    expect(tk.pendingSleeps).toBe(0);
    expect(tk.now()).toBe(50);
  });

  it('rejects with a typed TimeoutError at the limit and aborts the work', async () => {
    const tk = new ManualTimekeeper();
    let workSignal: AbortSignal | undefined;
    const p = withTimeout(({ signal }) => {
      workSignal = signal;
      return new Promise<never>(() => {});
    }, 100, { timekeeper: tk });
    const result = p.catch((e: unknown) => e);
    await tk.runAll();
    const error = await result;
    expect(isTimeoutError(error)).toBe(true);
    expect((error as TimeoutError).timeoutMs).toBe(100);
    expect((error as TimeoutError).code).toBe('FAULTLINE_TIMEOUT');
    expect(tk.now()).toBe(100);
    expect(workSignal?.aborted).toBe(true);
    expect(workSignal?.reason).toBe(error);
  });

  it('carries the remaining budget through nested calls', async () => {
    const tk = new ManualTimekeeper();
    const seen: number[] = [];
    let innerError: unknown;
    const p = withTimeout(async ({ deadline: outer }) => {
      seen.push(outer.remainingMs());
      await tk.sleep(300);
      // The inner call asks for 1 s but only 200 ms are left.
      return withTimeout(async ({ deadline: inner }) => {
        seen.push(inner.remainingMs());
        await tk.sleep(10_000);
        return 'never';
      }, 1000, { timekeeper: tk, deadline: outer }).catch((e: unknown) => {
        innerError = e;
        throw e;
      });
    }, 500, { timekeeper: tk });
    const result = p.catch((e: unknown) => e);
    await tk.runAll();
    const error = await result;
    expect(seen).toEqual([500, 200]);
    // Both budgets end at t = 500: the inner one after 200 ms, the outer one after 500.
    expect((innerError as TimeoutError).timeoutMs).toBe(200);
    expect(isTimeoutError(error)).toBe(true);
    expect((error as TimeoutError).timeoutMs).toBe(500);
    expect(tk.now()).toBe(10_300); // the work ignored its signal; its own sleep still ran out in virtual time
  });

  it('does not start work with no budget left', async () => {
    const tk = new ManualTimekeeper();
    let ran = false;
    const spent = Deadline.after(0, tk);
    await expect(
      withTimeout(async () => {
        ran = true;
      }, 100, { timekeeper: tk, deadline: spent }),
    ).rejects.toSatisfy(isTimeoutError);
    expect(ran).toBe(false);
  });

  it("rejects with the caller's abort reason, and passes through the work's own errors", async () => {
    const tk = new ManualTimekeeper();
    const controller = new AbortController();
    const p = withTimeout(() => new Promise<never>(() => {}), 1000, { timekeeper: tk, signal: controller.signal });
    controller.abort('user');
    await expect(p).rejects.toBe('user');
    expect(tk.pendingSleeps).toBe(0);
    await expect(withTimeout(async () => Promise.reject(new Error('own')), 10, { timekeeper: tk })).rejects.toThrow('own');
    await expect(
      withTimeout(() => {
        throw new Error('sync');
      }, 10, { timekeeper: tk }),
    ).rejects.toThrow('sync');
    await expect(withTimeout(async () => 1, 10, { timekeeper: tk, signal: AbortSignal.abort('pre') })).rejects.toBe('pre');
    expect(() => withTimeout(async () => 1, -1, { timekeeper: tk })).toThrow(/withTimeout: timeoutMs/);
  });
});
