import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ClockMovedBackwardsError,
  isClockMovedBackwardsError,
  isSequenceExhaustedError,
  isSnowflakeRangeError,
  SequenceExhaustedError,
  SnowflakeRangeError,
} from './errors.js';
import { DEFAULT_SNOWFLAKE_EPOCH_MS, DEFAULT_SNOWFLAKE_LAYOUT, decodeSnowflake, firstSnowflakeAt } from './layout.js';
import { SnowflakeGenerator } from './snowflake.js';

const EPOCH = DEFAULT_SNOWFLAKE_EPOCH_MS;

/** A clock the test sets by hand. */
function manual(ms: number) {
  const clock = { ms, now: () => clock.ms };
  return clock;
}

/** A clock that replays `readings` (then repeats the last one) and counts reads. */
function scripted(readings: readonly number[]) {
  const clock = {
    reads: 0,
    now: () => readings[Math.min(clock.reads++, readings.length - 1)],
  };
  return clock;
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('SnowflakeGenerator: layout and decoding', () => {
  it('uses Twitter’s 41/10/12 layout by default with a 2024-01-01 epoch', () => {
    expect(DEFAULT_SNOWFLAKE_LAYOUT).toEqual({ epochMs: 1_704_067_200_000, timestampBits: 41, workerIdBits: 10, sequenceBits: 12 });
    const clock = manual(EPOCH + 1234);
    const gen = new SnowflakeGenerator({ workerId: 7, now: clock.now });
    const id = gen.next();
    expect(id).toBe((1234n << 22n) | (7n << 12n));
    expect(gen.decode(id)).toEqual({ timestampMs: EPOCH + 1234, workerId: 7, sequence: 0 });
    expect(gen.nextString()).toBe(((1234n << 22n) | (7n << 12n) | 1n).toString());
    expect(decodeSnowflake(gen.nextString())).toEqual({ timestampMs: EPOCH + 1234, workerId: 7, sequence: 2 });
    expect(gen.lastTimestampMs).toBe(EPOCH + 1234);
  });

  it('IDs stay positive signed 64-bit until the end of the layout', () => {
    const last = EPOCH + 2 ** 41 - 1;
    const gen = new SnowflakeGenerator({ workerId: 1023, now: () => last });
    const id = gen.next();
    expect(id).toBeGreaterThan(0n);
    expect(id).toBeLessThan(2n ** 63n);
    expect(BigInt.asIntN(64, id)).toBe(id);
  });

  it('decode round-trips for any layout, worker and time', () => {
    const layoutArb = fc
      .record({ timestampBits: fc.integer({ min: 20, max: 45 }), workerIdBits: fc.integer({ min: 0, max: 12 }), sequenceBits: fc.integer({ min: 1, max: 14 }) })
      .filter((l) => l.timestampBits + l.workerIdBits + l.sequenceBits <= 63);
    fc.assert(
      fc.property(layoutArb, fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(5), (layout, wf, tf, extra) => {
        const workerId = Math.floor(wf * (2 ** layout.workerIdBits - 1));
        const tMs = EPOCH + Math.floor(tf * (2 ** layout.timestampBits - 1));
        const gen = new SnowflakeGenerator({ workerId, now: () => tMs, ...layout, waitMode: 'throw' });
        for (let i = 0; i <= Math.min(extra, 2 ** layout.sequenceBits - 1); i++) {
          const id = gen.next();
          expect(gen.decode(id)).toEqual({ timestampMs: tMs, workerId, sequence: i });
          expect(decodeSnowflake(id, { ...layout, epochMs: EPOCH })).toEqual({ timestampMs: tMs, workerId, sequence: i });
        }
      }),
      { numRuns: 300 },
    );
  });

  it('firstSnowflakeAt bounds the IDs of a millisecond from below', () => {
    const clock = manual(EPOCH + 500);
    const gen = new SnowflakeGenerator({ workerId: 0, now: clock.now });
    const early = gen.next();
    clock.ms = EPOCH + 501;
    const late = gen.next();
    expect(early).toBeLessThan(firstSnowflakeAt(EPOCH + 501));
    expect(late).toBeGreaterThanOrEqual(firstSnowflakeAt(EPOCH + 501));
    expect(() => firstSnowflakeAt(EPOCH - 1)).toThrow(/firstSnowflakeAt/);
  });

  it('decode rejects what is not an ID of the layout', () => {
    expect(() => decodeSnowflake(-1n)).toThrow(/decodeSnowflake/);
    expect(() => decodeSnowflake(2n ** 63n)).toThrow(/does not fit the 63-bit layout/);
    expect(() => decodeSnowflake('12a')).toThrow(/decimal string/);
    expect(() => decodeSnowflake('-5')).toThrow(RangeError);
  });

  it('validates options with messages naming the API', () => {
    const now = () => EPOCH;
    expect(() => new SnowflakeGenerator({ workerId: 1024, now })).toThrow('SnowflakeGenerator: workerId must be an integer in [0, 1023]');
    expect(() => new SnowflakeGenerator({ workerId: -1, now })).toThrow(/workerId/);
    expect(() => new SnowflakeGenerator({ workerId: 1.5, now })).toThrow(/workerId/);
    expect(() => new SnowflakeGenerator({ workerId: 0, now, timestampBits: 42 })).toThrow(/must be ≤ 63/);
    expect(() => new SnowflakeGenerator({ workerId: 0, now, sequenceBits: 0 })).toThrow(/sequenceBits must be an integer in \[1, 31\]/);
    expect(() => new SnowflakeGenerator({ workerId: 0, now, workerIdBits: 32 })).toThrow(/workerIdBits/);
    expect(() => new SnowflakeGenerator({ workerId: 0, now, epochMs: 1.5 })).toThrow(/epochMs/);
    expect(() => new SnowflakeGenerator({ workerId: 0, now, maxBackwardWaitMs: -1 })).toThrow(/maxBackwardWaitMs/);
    expect(() => new SnowflakeGenerator({ workerId: 0, now, waitMode: 'sleep' as 'spin' })).toThrow(/waitMode/);
    expect(() => new SnowflakeGenerator({ workerId: 0, now, maxSpinReads: 0 })).toThrow(/maxSpinReads/);
    expect(() => new SnowflakeGenerator({ workerId: 0, now: undefined as unknown as () => number })).toThrow(/now must be a function/);
    expect(new SnowflakeGenerator({ workerId: 3, now, workerIdBits: 2, sequenceBits: 20, timestampBits: 41 }).layout.workerIdBits).toBe(2);
  });
});

describe('SnowflakeGenerator: sequence exhaustion', () => {
  it('issues 4,096 IDs in one millisecond, then waits (spins) for the next one', () => {
    // The clock stays at T for 4,096 + 50 readings, then moves to T + 1.
    const readings = [...new Array<number>(4_096 + 50).fill(EPOCH + 10), EPOCH + 11];
    const clock = scripted(readings);
    const gen = new SnowflakeGenerator({ workerId: 5, now: clock.now });
    const ids = Array.from({ length: 4_097 }, () => gen.next());
    expect(gen.decode(ids[4_095])).toEqual({ timestampMs: EPOCH + 10, workerId: 5, sequence: 4_095 });
    expect(gen.decode(ids[4_096])).toEqual({ timestampMs: EPOCH + 11, workerId: 5, sequence: 0 });
    expect(clock.reads).toBe(4_096 + 51);
  });

  it("waitMode 'throw' reports SequenceExhaustedError with the retry time instead of waiting", () => {
    const clock = manual(EPOCH + 10);
    const gen = new SnowflakeGenerator({ workerId: 0, now: clock.now, sequenceBits: 2, waitMode: 'throw' });
    const ids = [gen.next(), gen.next(), gen.next(), gen.next()];
    const err = catchError(() => gen.next());
    expect(isSequenceExhaustedError(err)).toBe(true);
    expect(err).toBeInstanceOf(SequenceExhaustedError);
    expect((err as SequenceExhaustedError).retryAtMs).toBe(EPOCH + 11);
    expect((err as SequenceExhaustedError).retryAfterMs).toBe(1);
    clock.ms++;
    const next = gen.next();
    expect(next).toBeGreaterThan(ids[3]);
    expect(gen.decode(next).sequence).toBe(0);
  });

  it('gives up on a frozen clock after maxSpinReads readings instead of hanging', () => {
    const clock = scripted([EPOCH + 10]);
    const gen = new SnowflakeGenerator({ workerId: 0, now: clock.now, sequenceBits: 1, maxSpinReads: 100 });
    gen.next();
    gen.next();
    const readsBefore = clock.reads;
    const err = catchError(() => gen.next());
    expect(isSequenceExhaustedError(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/within 100 readings/);
    expect(clock.reads - readsBefore).toBe(101);
  });
});

describe('SnowflakeGenerator: clock steps', () => {
  it('keeps issuing on the last timestamp while the sequence lasts when the clock steps back', () => {
    const clock = manual(EPOCH + 1_000);
    const gen = new SnowflakeGenerator({ workerId: 1, now: clock.now, sequenceBits: 3 });
    const first = gen.next();
    clock.ms = EPOCH + 900;
    const during = Array.from({ length: 7 }, () => gen.next());
    for (const id of during) expect(gen.decode(id).timestampMs).toBe(EPOCH + 1_000);
    expect(during[0]).toBeGreaterThan(first);
  });

  it('throws ClockMovedBackwardsError once the sequence is used up and the clock is beyond the bound; state unchanged', () => {
    const clock = manual(EPOCH + 1_000);
    const gen = new SnowflakeGenerator({ workerId: 1, now: clock.now, sequenceBits: 2, maxBackwardWaitMs: 5 });
    const ids = [gen.next()];
    clock.ms = EPOCH + 900;
    for (let i = 0; i < 3; i++) ids.push(gen.next());
    const err = catchError(() => gen.next());
    expect(err).toBeInstanceOf(ClockMovedBackwardsError);
    expect(isClockMovedBackwardsError(err)).toBe(true);
    const e = err as ClockMovedBackwardsError;
    expect(e.backwardsMs).toBe(100);
    expect(e.lastTimestampMs).toBe(EPOCH + 1_000);
    expect(e.nowMs).toBe(EPOCH + 900);
    expect(e.maxBackwardWaitMs).toBe(5);
    // Still refusing while behind; recovers when the clock passes the last timestamp.
    expect(() => gen.next()).toThrow(ClockMovedBackwardsError);
    clock.ms = EPOCH + 1_001;
    const after = gen.next();
    expect(after).toBeGreaterThan(ids[3]);
  });

  it('waits (spins) through a backward step within maxBackwardWaitMs', () => {
    // Issue the whole sequence at T, then the clock reads T − 3 and climbs 1 ms per reading.
    const T = EPOCH + 1_000;
    const clock = scripted([T, T, T, T, T - 3, T - 3, T - 2, T - 1, T, T + 1]);
    const gen = new SnowflakeGenerator({ workerId: 0, now: clock.now, sequenceBits: 2, maxBackwardWaitMs: 3 });
    const ids = Array.from({ length: 5 }, () => gen.next());
    expect(gen.decode(ids[4])).toEqual({ timestampMs: T + 1, workerId: 0, sequence: 0 });
    expect(clock.reads).toBe(10);
  });

  it('with maxBackwardWaitMs 0 it refuses any backward wait but still waits for the normal next ms', () => {
    const clock = manual(EPOCH + 1_000);
    const gen = new SnowflakeGenerator({ workerId: 0, now: clock.now, sequenceBits: 1, maxBackwardWaitMs: 0, waitMode: 'throw' });
    gen.next();
    gen.next();
    expect(() => gen.next()).toThrow(SequenceExhaustedError);
    clock.ms -= 1;
    expect(() => gen.next()).toThrow(ClockMovedBackwardsError);
  });

  it('for arbitrary clock sequences (steps back and forth, stalls, any layout) IDs are unique and strictly increasing', () => {
    const scenario = fc.record({
      sequenceBits: fc.integer({ min: 1, max: 4 }),
      workerIdBits: fc.integer({ min: 0, max: 4 }),
      workerFrac: fc.double({ min: 0, max: 1, noNaN: true }),
      maxBackwardWaitMs: fc.integer({ min: 0, max: 10 }),
      waitMode: fc.constantFrom<'spin' | 'throw'>('spin', 'throw'),
      // Each reading: a jump relative to the previous one (mostly small, sometimes a big step back or forward).
      deltas: fc.array(fc.oneof(fc.integer({ min: -2, max: 3 }), fc.integer({ min: -500, max: 500 }), fc.constant(0)), { minLength: 1, maxLength: 300 }),
      calls: fc.integer({ min: 1, max: 200 }),
    });
    fc.assert(
      fc.property(scenario, (s) => {
        let t = EPOCH + 10_000;
        const readings = s.deltas.map((d) => (t = Math.max(EPOCH, t + d)));
        const clock = scripted(readings);
        const workerId = Math.floor(s.workerFrac * (2 ** s.workerIdBits - 1));
        const gen = new SnowflakeGenerator({ workerId, now: clock.now, ...s, maxSpinReads: 50 });
        let last = -1n;
        let issued = 0;
        for (let i = 0; i < s.calls; i++) {
          let id: bigint;
          try {
            id = gen.next();
          } catch (e) {
            expect(isClockMovedBackwardsError(e) || isSequenceExhaustedError(e)).toBe(true);
            continue;
          }
          expect(id).toBeGreaterThan(last); // strictly increasing ⇒ unique
          const parts = gen.decode(id);
          expect(parts.workerId).toBe(workerId);
          expect(parts.timestampMs).toBe(gen.lastTimestampMs);
          last = id;
          issued++;
        }
        expect(issued).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('resumes after a restart with `after`: every new ID is greater, whatever the clock and worker', () => {
    fc.assert(
      fc.property(fc.nat(3), fc.nat(3), fc.nat(3), fc.integer({ min: -5, max: 5 }), (prevWorker, seq, ourWorker, clockDelta) => {
        const layout = { workerIdBits: 2, sequenceBits: 2 };
        const T = EPOCH + 1_000;
        const previous = (1_000n << 4n) | (BigInt(prevWorker) << 2n) | BigInt(seq);
        const clock = manual(T + clockDelta);
        const gen = new SnowflakeGenerator({ workerId: ourWorker, now: clock.now, ...layout, after: previous, waitMode: 'throw' });
        let last = previous;
        for (let i = 0; i < 6; i++) {
          let id: bigint;
          try {
            id = gen.next();
          } catch (e) {
            expect(isSequenceExhaustedError(e) || isClockMovedBackwardsError(e)).toBe(true);
            clock.ms++;
            continue;
          }
          expect(id).toBeGreaterThan(last);
          last = id;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses clock readings outside the layout with SnowflakeRangeError, and NaN with a RangeError', () => {
    const before = new SnowflakeGenerator({ workerId: 0, now: () => EPOCH - 1 });
    const err = catchError(() => before.next());
    expect(isSnowflakeRangeError(err)).toBe(true);
    expect((err as SnowflakeRangeError).minMs).toBe(EPOCH);
    const tiny = new SnowflakeGenerator({ workerId: 0, now: () => EPOCH + 16, timestampBits: 4 });
    expect(() => tiny.next()).toThrow(SnowflakeRangeError);
    const nan = new SnowflakeGenerator({ workerId: 0, now: () => Number.NaN });
    expect(() => nan.next()).toThrow(/finite number of ms/);
  });
});
