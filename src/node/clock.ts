/**
 * Real time and real randomness for the resilience pieces, for callers in a
 * real process. Protocol code never imports this file: `retry`, `withTimeout`,
 * `Deadline`, `CircuitBreaker.execute` and `IdempotencyStore` take a
 * `Timekeeper` (and an `Rng`) as options, and a real caller passes these:
 *
 *   import { systemTimekeeper, systemRng } from '…/node/clock.js';
 *   await retry(call, { timekeeper: systemTimekeeper, rng: systemRng });
 *
 * A simulation passes `envTimekeeper(env)` and `env.rng` instead.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { SeededRng } from '../core/random/rng.js';
import type { Rng } from '../core/random/rng.js';
import type { Timekeeper } from '../core/resilience/timekeeper.js';

/** Node's setTimeout fires at once for delays above 2^31−1 ms (~24.8 days); longer sleeps are chained. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

/**
 * Sleep on the monotonic clock: resolves no earlier than `delayMs` after the
 * call as measured by `performance.now()` (setTimeout may fire up to 1 ms
 * early by that clock; the remainder is slept again). Abort rejects with the
 * signal's reason and clears the timer.
 */
export function sleepMs(delayMs: number, signal?: AbortSignal): Promise<void> {
  if (Number.isNaN(delayMs)) return Promise.reject(new RangeError('systemTimekeeper.sleep: delayMs is NaN'));
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const dueMs = performance.now() + Math.max(0, delayMs);
  return new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      reject(abortReason(signal!));
    };
    const arm = (): void => {
      const leftMs = dueMs - performance.now();
      if (leftMs <= 0) {
        signal?.removeEventListener('abort', onAbort);
        resolve();
        return;
      }
      timer = setTimeout(arm, Math.min(MAX_TIMEOUT_MS, Math.ceil(leftMs)));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(arm, Math.min(MAX_TIMEOUT_MS, Math.max(0, Math.ceil(delayMs))));
  });
}

export interface SystemTimekeeper extends Timekeeper {
  /** Monotonic ms (`performance.now()`): for durations, timeouts, expiry. */
  now(): number;
  /** Wall-clock ms since the Unix epoch (`Date.now()`): for display only; NTP may step it. */
  wallNowMs(): number;
}

/** The real-process Timekeeper: `performance.now()`, `Date.now()`, `setTimeout`. */
export const systemTimekeeper: SystemTimekeeper = Object.freeze({
  now: (): number => performance.now(),
  wallNowMs: (): number => Date.now(),
  sleep: sleepMs,
});

/** A fresh SeededRng seeded with 53 bits from the OS's CSPRNG. */
export function createSystemRng(): Rng {
  const bytes = randomBytes(8);
  const seed = bytes.readUInt32BE(0) * 0x20_0000 + (bytes.readUInt32BE(4) >>> 11);
  return new SeededRng(seed);
}

/**
 * A process-wide Rng seeded from crypto, for jitter in real callers. Not for
 * secrets: it is xoroshiro128+, fast and statistically good, not unpredictable.
 */
export const systemRng: Rng = createSystemRng();
