import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeededRng } from '../random/rng.js';
import { exponentialBackoff } from './backoff.js';
import { ConsecutiveFailurePolicy, FailureRatePolicy } from './breaker-policy.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { BreakEvent, CircuitStateKind, StateChangeEvent } from './circuit-breaker.js';
import { BrokenCircuitError, isBrokenCircuitError } from './errors.js';
import { ManualTimekeeper } from './timekeeper.js';

function open(breaker: CircuitBreaker, nowMs: number, failures: number): void {
  for (let i = 0; i < failures; i++) {
    const permit = breaker.tryAcquire(nowMs);
    expect(permit).toBeGreaterThan(0);
    breaker.onFailure(nowMs, permit);
  }
}

describe('CircuitBreaker (sync core)', () => {
  it('opens after N consecutive failures; a success resets the count', () => {
    const breaker = new CircuitBreaker({ policy: new ConsecutiveFailurePolicy(3) });
    open(breaker, 0, 2);
    breaker.onSuccess(0, breaker.tryAcquire(0));
    open(breaker, 0, 2);
    expect(breaker.state.kind).toBe('closed');
    open(breaker, 1, 1);
    expect(breaker.state).toEqual({ kind: 'open', openedAtMs: 1, halfOpenAtMs: 10_001, openings: 1 });
  });

  it('fails fast while open, half-opens after openDurationMs, closes after the trial succeeds', () => {
    const breaker = new CircuitBreaker({ policy: new ConsecutiveFailurePolicy(1), openDurationMs: 1000 });
    const kinds: Array<[CircuitStateKind, CircuitStateKind, number]> = [];
    breaker.onStateChange((e: StateChangeEvent) => kinds.push([e.from.kind, e.to.kind, e.atMs]));
    const events: string[] = [];
    breaker.onBreak(() => events.push('break'));
    breaker.onHalfOpen(() => events.push('half-open'));
    breaker.onReset(() => events.push('reset'));
    open(breaker, 0, 1);
    expect(breaker.tryAcquire(999)).toBe(0);
    expect(breaker.retryAfterMs(400)).toBe(600);
    const trial = breaker.tryAcquire(1000);
    expect(trial).toBeGreaterThan(0);
    expect(breaker.state).toMatchObject({ kind: 'half-open', trialsAdmitted: 1 });
    expect(breaker.tryAcquire(1000)).toBe(0); // only one trial by default
    breaker.onSuccess(1005, trial);
    expect(breaker.state.kind).toBe('closed');
    expect(kinds).toEqual([['closed', 'open', 0], ['open', 'half-open', 1000], ['half-open', 'closed', 1005]]);
    expect(events).toEqual(['break', 'half-open', 'reset']);
  });

  it('a failed trial re-opens, for longer with openBackoff', () => {
    const breaks: BreakEvent[] = [];
    const breaker = new CircuitBreaker({
      policy: new ConsecutiveFailurePolicy(1),
      openBackoff: exponentialBackoff({ baseMs: 1000, capMs: 5000, jitter: 'none' }),
    });
    breaker.onBreak((e) => breaks.push(e));
    open(breaker, 0, 1);
    let t = 0;
    for (let i = 0; i < 4; i++) {
      t = (breaker.state as { halfOpenAtMs: number }).halfOpenAtMs;
      breaker.onFailure(t, breaker.tryAcquire(t));
    }
    expect(breaks.map((b) => [b.reason, b.openDurationMs, b.openings])).toEqual([
      ['consecutive-failures', 1000, 1],
      ['half-open-trial-failed', 2000, 2],
      ['half-open-trial-failed', 4000, 3],
      ['half-open-trial-failed', 5000, 4],
      ['half-open-trial-failed', 5000, 5],
    ]);
    // Closing resets the backoff.
    t = (breaker.state as { halfOpenAtMs: number }).halfOpenAtMs;
    breaker.onSuccess(t, breaker.tryAcquire(t));
    open(breaker, t, 1);
    expect(breaks.at(-1)!.openDurationMs).toBe(1000);
  });

  it('lets exactly halfOpenMaxCalls through and closes only when all succeed', () => {
    const breaker = new CircuitBreaker({ policy: new ConsecutiveFailurePolicy(1), openDurationMs: 10, halfOpenMaxCalls: 3 });
    open(breaker, 0, 1);
    const permits = [10, 10, 10, 10, 11].map((t) => breaker.tryAcquire(t));
    expect(permits.filter((p) => p > 0)).toHaveLength(3);
    breaker.onSuccess(12, permits[0]);
    breaker.onSuccess(12, permits[1]);
    expect(breaker.state.kind).toBe('half-open');
    breaker.onSuccess(12, permits[2]);
    expect(breaker.state.kind).toBe('closed');
  });

  it('ignores outcomes of calls admitted before the last transition (stale permits)', () => {
    const breaker = new CircuitBreaker({ policy: new ConsecutiveFailurePolicy(2), openDurationMs: 100 });
    const slow = breaker.tryAcquire(0); // admitted while closed, answers much later
    open(breaker, 0, 2);
    const trial = breaker.tryAcquire(100);
    breaker.onSuccess(101, slow); // stale: must not close the circuit
    expect(breaker.state.kind).toBe('half-open');
    breaker.onFailure(102, slow); // stale: must not re-open either
    expect(breaker.state.kind).toBe('half-open');
    breaker.onSuccess(103, trial);
    expect(breaker.state.kind).toBe('closed');
  });

  it('onIgnored frees a half-open slot', () => {
    const breaker = new CircuitBreaker({ policy: new ConsecutiveFailurePolicy(1), openDurationMs: 1 });
    open(breaker, 0, 1);
    const trial = breaker.tryAcquire(1);
    expect(breaker.tryAcquire(1)).toBe(0);
    breaker.onIgnored(2, trial);
    expect(breaker.tryAcquire(2)).toBeGreaterThan(0);
  });

  it('asserts it never records more half-open successes than calls admitted', () => {
    const breaker = new CircuitBreaker({ policy: new ConsecutiveFailurePolicy(1), openDurationMs: 1, halfOpenMaxCalls: 2 });
    open(breaker, 0, 1);
    breaker.tryAcquire(1);
    breaker.onSuccess(1);
    expect(() => breaker.onSuccess(1)).toThrow(/invariant trialsSucceeded/);
    expect(() => breaker.onSuccess(1, 0)).toThrow(/permit 0/);
  });

  it('never admits a call while open, and admits exactly halfOpenMaxCalls per half-open period (property)', () => {
    type Step = { dtMs: number; op: 'call' | 'ok' | 'fail' | 'ignore' };
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ dtMs: fc.integer({ min: 0, max: 400 }), op: fc.constantFrom<Step['op']>('call', 'call', 'ok', 'fail', 'fail', 'ignore') }),
          { maxLength: 300 },
        ),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        (steps, threshold, halfOpenMaxCalls) => {
          const openDurationMs = 500;
          const breaker = new CircuitBreaker({ policy: new ConsecutiveFailurePolicy(threshold), openDurationMs, halfOpenMaxCalls });
          let t = 0;
          const inFlight: number[] = [];
          let admittedThisHalfOpen = 0;
          let ignoredThisHalfOpen = 0;
          breaker.onHalfOpen(() => {
            admittedThisHalfOpen = 0;
            ignoredThisHalfOpen = 0;
          });
          for (const step of steps) {
            t += step.dtMs;
            if (step.op === 'call') {
              const before = breaker.state;
              const permit = breaker.tryAcquire(t);
              if (before.kind === 'open' && t < before.halfOpenAtMs) expect(permit).toBe(0);
              if (permit > 0) {
                inFlight.push(permit);
                if (breaker.state.kind === 'half-open') admittedThisHalfOpen++;
              } else {
                expect(breaker.state.kind).not.toBe('closed');
              }
              const s = breaker.state;
              if (s.kind === 'half-open') {
                expect(s.trialsAdmitted).toBeLessThanOrEqual(halfOpenMaxCalls);
                expect(admittedThisHalfOpen).toBeLessThanOrEqual(halfOpenMaxCalls + ignoredThisHalfOpen);
                // Refused only when every slot is taken.
                if (permit === 0) expect(s.trialsAdmitted).toBe(halfOpenMaxCalls);
              }
            } else if (inFlight.length > 0) {
              const permit = inFlight.shift()!;
              if (step.op === 'ok') breaker.onSuccess(t, permit);
              else if (step.op === 'fail') breaker.onFailure(t, permit);
              else {
                if (breaker.state.kind === 'half-open') ignoredThisHalfOpen++;
                breaker.onIgnored(t, permit);
              }
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('FailureRatePolicy', () => {
  it('opens at the failure rate once minThroughput calls are in the window', () => {
    const breaker = new CircuitBreaker({ policy: new FailureRatePolicy({ threshold: 0.5, windowMs: 1000, minThroughput: 10 }) });
    for (let i = 0; i < 4; i++) breaker.onSuccess(i, breaker.tryAcquire(i));
    for (let i = 0; i < 5; i++) breaker.onFailure(10 + i, breaker.tryAcquire(10 + i));
    expect(breaker.state.kind).toBe('closed'); // 9 calls < minThroughput
    breaker.onFailure(20, breaker.tryAcquire(20)); // 6/10 failed
    expect(breaker.state.kind).toBe('open');
  });

  it('forgets calls that left the window', () => {
    const policy = new FailureRatePolicy({ threshold: 0.5, windowMs: 1000, minThroughput: 4, buckets: 10 });
    for (let i = 0; i < 3; i++) expect(policy.failure(0)).toBe(false);
    expect(policy.counts(999)).toEqual({ successes: 0, failures: 3 });
    expect(policy.failure(1000)).toBe(false); // the three at t=0 are gone: 1 call < 4
    expect(policy.counts(1000)).toEqual({ successes: 0, failures: 1 });
  });

  it('validates options', () => {
    expect(() => new FailureRatePolicy({ threshold: 0 })).toThrow(/FailureRatePolicy: threshold/);
    expect(() => new FailureRatePolicy({ threshold: 1.5 })).toThrow(/threshold/);
    expect(() => new FailureRatePolicy({ minThroughput: 0 })).toThrow(/minThroughput/);
    expect(() => new FailureRatePolicy({ windowMs: -1 })).toThrow(/windowMs/);
  });
});

describe('CircuitBreaker.execute', () => {
  it('runs calls, fails fast with a branded BrokenCircuitError while open, and recovers', async () => {
    const tk = new ManualTimekeeper();
    const breaker = new CircuitBreaker({ policy: new ConsecutiveFailurePolicy(2), openDurationMs: 1000, clock: tk });
    let calls = 0;
    const failing = async (): Promise<never> => {
      calls++;
      throw new Error('down');
    };
    await expect(breaker.execute(failing)).rejects.toThrow('down');
    await expect(breaker.execute(failing)).rejects.toThrow('down');
    const refused = await breaker.execute(failing).catch((e: unknown) => e);
    expect(isBrokenCircuitError(refused)).toBe(true);
    expect(refused).toBeInstanceOf(BrokenCircuitError);
    expect((refused as BrokenCircuitError).retryAfterMs).toBe(1000);
    expect(calls).toBe(2);
    expect(isBrokenCircuitError(new Error('x'))).toBe(false);
    expect(isBrokenCircuitError({ code: 'FAULTLINE_BROKEN_CIRCUIT' })).toBe(true); // brand, not instanceof
    await tk.advance(1000);
    await expect(breaker.execute(async () => 'up')).resolves.toBe('up');
    expect(breaker.state.kind).toBe('closed');
  });

  it('counts only errors isFailure accepts; an aborted call is ignored', async () => {
    const tk = new ManualTimekeeper();
    const breaker = new CircuitBreaker({ policy: new ConsecutiveFailurePolicy(1), clock: tk, isFailure: (e) => (e as Error).message !== 'not found' });
    await expect(breaker.execute(async () => Promise.reject(new Error('not found')))).rejects.toThrow();
    expect(breaker.state.kind).toBe('closed');
    const controller = new AbortController();
    controller.abort();
    await expect(breaker.execute(async () => Promise.reject(new Error('aborted')), controller.signal)).rejects.toThrow();
    expect(breaker.state.kind).toBe('closed');
    await expect(breaker.execute(async () => Promise.reject(new Error('boom')))).rejects.toThrow();
    expect(breaker.state.kind).toBe('open');
  });

  it('reads no clock on a closed circuit’s success path with a count-only policy, and does with a time window', async () => {
    const tk = new ManualTimekeeper(5_000);
    let reads = 0;
    const clock = { now: (): number => (reads++, tk.now()) };
    const counting = new CircuitBreaker({ policy: new ConsecutiveFailurePolicy(2), openDurationMs: 1000, clock });
    for (let i = 0; i < 3; i++) await counting.execute(async () => i);
    expect(reads).toBe(0);
    await expect(counting.execute(async () => Promise.reject(new Error('x')))).rejects.toThrow();
    expect(reads).toBe(1); // the failure is timed
    await expect(counting.execute(async () => Promise.reject(new Error('x')))).rejects.toThrow();
    expect(counting.state).toMatchObject({ kind: 'open', openedAtMs: 5_000, halfOpenAtMs: 6_000 });
    reads = 0;
    const windowed = new CircuitBreaker({ policy: new FailureRatePolicy({ minThroughput: 2 }), clock });
    await windowed.execute(async () => 1);
    expect(reads).toBe(2); // admitted and recorded at their times
    expect(windowed.state.kind).toBe('closed');
  });

  it('needs a clock for execute, and validates options', async () => {
    await expect(new CircuitBreaker().execute(async () => 1)).rejects.toThrow(/CircuitBreaker: execute needs options.clock/);
    expect(() => new CircuitBreaker({ openDurationMs: 0 })).toThrow(/CircuitBreaker: openDurationMs/);
    expect(() => new CircuitBreaker({ halfOpenMaxCalls: 0 })).toThrow(/halfOpenMaxCalls/);
    expect(() => new CircuitBreaker({ openBackoff: exponentialBackoff() })).toThrow(/rng is required/);
    expect(() => new CircuitBreaker({ openBackoff: exponentialBackoff(), rng: new SeededRng(1) })).not.toThrow();
    expect(() => new ConsecutiveFailurePolicy(0)).toThrow(/ConsecutiveFailurePolicy: threshold/);
  });
});
