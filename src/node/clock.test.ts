import { describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import { createSystemRng, sleepMs, systemRng, systemTimekeeper } from './clock.js';
import { retry, withTimeout, isTimeoutError } from '../core/resilience/index.js';

describe('systemTimekeeper', () => {
  it('now() is monotonic performance time and wallNowMs() is epoch time', () => {
    const a = systemTimekeeper.now();
    const b = systemTimekeeper.now();
    expect(b).toBeGreaterThanOrEqual(a);
    expect(Math.abs(systemTimekeeper.wallNowMs() - Date.now())).toBeLessThan(50);
    expect(Math.abs(a - performance.now())).toBeLessThan(50);
  });

  it('sleep resolves no earlier than the delay on the monotonic clock', async () => {
    for (const delayMs of [0, 1, 5, 20]) {
      const start = performance.now();
      await systemTimekeeper.sleep(delayMs);
      expect(performance.now() - start).toBeGreaterThanOrEqual(delayMs);
    }
  });

  it('sleep rejects with the abort reason and clears its timer', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const start = performance.now();
    const pending = sleepMs(10_000, controller.signal);
    setTimeout(() => controller.abort(reason), 5);
    await expect(pending).rejects.toBe(reason);
    expect(performance.now() - start).toBeLessThan(5_000);
  });

  it('sleep with an already-aborted signal rejects at once', async () => {
    await expect(sleepMs(10, AbortSignal.abort('x'))).rejects.toBe('x');
    await expect(sleepMs(NaN)).rejects.toThrow(/NaN/);
  });

  it('drives retry and withTimeout in real time', async () => {
    let calls = 0;
    const value = await retry(
      async () => {
        if (++calls < 3) throw new Error('flaky');
        return 'ok';
      },
      { timekeeper: systemTimekeeper, rng: systemRng, maxAttempts: 3, backoff: undefined },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(3);
    const error = await withTimeout(() => new Promise(() => {}), 10, { timekeeper: systemTimekeeper }).catch((e: unknown) => e);
    expect(isTimeoutError(error)).toBe(true);
  });
});

describe('systemRng', () => {
  it('differs between instances (seeded from crypto) and stays in [0, 1)', () => {
    const a = createSystemRng();
    const b = createSystemRng();
    const xs = Array.from({ length: 4 }, () => a.next());
    const ys = Array.from({ length: 4 }, () => b.next());
    expect(xs).not.toEqual(ys);
    for (let i = 0; i < 1000; i++) {
      const x = systemRng.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});
