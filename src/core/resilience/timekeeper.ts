/**
 * Where the resilience pieces get time from. Nothing here reads a real clock
 * or starts a real timer: the caller passes a `Timekeeper`.
 *
 * - In a simulation: `envTimekeeper(env)` (virtual time and the simulator's timers).
 * - In tests: `ManualTimekeeper` (time moves only when the test says so).
 * - In a real process: `systemTimekeeper` from `src/node/clock.ts`
 *   (`performance.now` + `setTimeout`), the only place real timers live.
 */
import type { Clocks, Timers } from '../../env/index.js';

/** A monotonic clock in ms (arbitrary origin, never decreases). */
export interface TimeSource {
  now(): number;
}

/** A monotonic clock plus a way to wait on it. */
export interface Timekeeper extends TimeSource {
  /**
   * Resolve after `delayMs` of this clock's time (immediately-ish for ≤ 0).
   * When `signal` aborts first, reject with `signal.reason` and release the
   * timer; an already-aborted signal rejects at once.
   */
  sleep(delayMs: number, signal?: AbortSignal): Promise<void>;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}

/**
 * A Timekeeper over an `Env` (or anything with `monoNowMs` and timers): the
 * simulator's virtual time, or the Node runtime's real time.
 */
export function envTimekeeper(env: Pick<Clocks, 'monoNowMs'> & Timers): Timekeeper {
  return {
    now: () => env.monoNowMs(),
    sleep: (delayMs, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(abortReason(signal));
          return;
        }
        const onAbort = (): void => {
          env.clearTimer(id);
          reject(abortReason(signal!));
        };
        const id = env.setTimer(Math.max(0, delayMs), () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
  };
}

interface Sleeper {
  readonly dueMs: number;
  readonly seq: number;
  readonly resolve: () => void;
}

/** Microtask turns let run after each wake-up, so continuations can schedule their next sleep. */
const SETTLE_TURNS = 64;

async function settle(): Promise<void> {
  for (let i = 0; i < SETTLE_TURNS; i++) await Promise.resolve();
}

/**
 * Virtual time for tests: `now()` stands still until `advance(ms)` or
 * `runAll()`, which wake sleepers in due-time order (ties in sleep order),
 * setting `now()` to each sleeper's due time and letting up to 64 microtask
 * turns run after each wake-up so its continuation can sleep again.
 * `sleep(≤ 0)` resolves at once.
 */
export class ManualTimekeeper implements Timekeeper {
  #nowMs: number;
  #seq = 0;
  // Sorted by (dueMs, seq); small in practice, so a sorted array is enough.
  #sleepers: Sleeper[] = [];

  constructor(startMs = 0) {
    if (!Number.isFinite(startMs)) throw new RangeError(`ManualTimekeeper: startMs must be finite, got ${startMs}`);
    this.#nowMs = startMs;
  }

  readonly now = (): number => this.#nowMs;

  readonly sleep = (delayMs: number, signal?: AbortSignal): Promise<void> => {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (!(delayMs > 0)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = {
        dueMs: this.#nowMs + delayMs,
        seq: this.#seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const i = this.#sleepers.indexOf(sleeper);
        if (i >= 0) this.#sleepers.splice(i, 1);
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      let i = this.#sleepers.length;
      while (i > 0 && this.#sleepers[i - 1].dueMs > sleeper.dueMs) i--;
      this.#sleepers.splice(i, 0, sleeper);
    });
  };

  /** Sleepers not yet woken. */
  get pendingSleeps(): number {
    return this.#sleepers.length;
  }

  /** Due time of the earliest sleeper, if any. */
  get nextDueMs(): number | undefined {
    return this.#sleepers[0]?.dueMs;
  }

  /** Move time forward by `deltaMs`, waking every sleeper due by then, in order. */
  async advance(deltaMs: number): Promise<void> {
    if (!(deltaMs >= 0 && Number.isFinite(deltaMs))) throw new RangeError(`ManualTimekeeper.advance: deltaMs must be finite and ≥ 0, got ${deltaMs}`);
    const targetMs = this.#nowMs + deltaMs;
    await settle();
    while (this.#sleepers.length > 0 && this.#sleepers[0].dueMs <= targetMs) {
      const sleeper = this.#sleepers.shift()!;
      this.#nowMs = Math.max(this.#nowMs, sleeper.dueMs);
      sleeper.resolve();
      await settle();
    }
    this.#nowMs = targetMs;
  }

  /** Wake sleepers one after another until none is left (or `maxWakeUps` is reached: a guard against loops). */
  async runAll(maxWakeUps = 100_000): Promise<void> {
    await settle();
    for (let n = 0; this.#sleepers.length > 0; n++) {
      if (n >= maxWakeUps) throw new Error(`ManualTimekeeper.runAll: more than ${maxWakeUps} wake-ups; is something sleeping in a loop forever?`);
      await this.advance(this.#sleepers[0].dueMs - this.#nowMs);
    }
  }
}
