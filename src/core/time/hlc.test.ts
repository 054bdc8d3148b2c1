import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runExecution, SettableNow, stepsArb } from './__fixtures__/execution.js';
import { ClockOffsetError, HlcOverflowError, isClockOffsetError, isHlcOverflowError } from './errors.js';
import { HybridLogicalClock } from './hlc.js';
import { compareHlc, HLC_MAX_LOGICAL } from './hlc-timestamp.js';
import type { HlcTimestamp } from './hlc-timestamp.js';

const ts = (wallMs: number, logical: number): HlcTimestamp => ({ wallMs, logical });

function clockAt(ms: number, maxOffsetMs = 500) {
  const physical = new SettableNow();
  physical.ms = ms;
  return { physical, hlc: new HybridLogicalClock({ now: physical.now, maxOffsetMs }) };
}

describe('HybridLogicalClock: the send/local rule', () => {
  it('takes physical time when it advances, resetting logical to 0', () => {
    const { physical, hlc } = clockAt(100);
    expect(hlc.now()).toEqual(ts(100, 0));
    physical.ms = 250;
    expect(hlc.now()).toEqual(ts(250, 0));
  });

  it('counts up logical while physical time stands still or steps back', () => {
    const { physical, hlc } = clockAt(100);
    hlc.now();
    expect(hlc.now()).toEqual(ts(100, 1));
    physical.ms = 40; // NTP stepped the clock back
    expect(hlc.now()).toEqual(ts(100, 2));
    physical.ms = 101;
    expect(hlc.now()).toEqual(ts(101, 0));
  });

  it('floors fractional readings and validates them', () => {
    const { physical, hlc } = clockAt(100.9);
    expect(hlc.now()).toEqual(ts(100, 0));
    physical.ms = Number.NaN;
    expect(() => hlc.now()).toThrow(/HybridLogicalClock: now\(\) must return ms/);
    physical.ms = -5;
    expect(() => hlc.now()).toThrow(RangeError);
    physical.ms = 2 ** 48;
    expect(() => hlc.now()).toThrow(RangeError);
  });
});

describe('HybridLogicalClock: the receive rule', () => {
  // [local (l, c), physical, remote (l_m, c_m)] → expected; one row per branch of the paper's rule.
  it.each([
    ['l = l\' = l_m: max(c, c_m) + 1', ts(100, 3), 50, ts(100, 7), ts(100, 8)],
    ['l = l\' = l_m, local c larger', ts(100, 9), 50, ts(100, 2), ts(100, 10)],
    ['l = l\' only: c + 1', ts(100, 3), 50, ts(90, 7), ts(100, 4)],
    ['l = l_m only: c_m + 1', ts(100, 3), 50, ts(120, 7), ts(120, 8)],
    ['physical ahead of both: c = 0', ts(100, 3), 200, ts(150, 7), ts(200, 0)],
    ['physical ties l_m: l = l_m branch', ts(100, 3), 150, ts(150, 7), ts(150, 8)],
  ])('%s', (_name, local, physicalMs, remote, expected) => {
    const physical = new SettableNow();
    const hlc = new HybridLogicalClock({ now: physical.now, maxOffsetMs: 1000, initial: local });
    physical.ms = physicalMs;
    expect(hlc.receive(remote)).toEqual(expected);
    expect(hlc.last).toEqual(expected);
  });

  it('rejects malformed remote timestamps', () => {
    const { hlc } = clockAt(100);
    expect(() => hlc.receive(ts(1.5, 0))).toThrow(/HybridLogicalClock.receive: remote/);
    expect(() => hlc.receive(ts(10, -1))).toThrow(RangeError);
    expect(() => hlc.receive(ts(10, HLC_MAX_LOGICAL + 1))).toThrow(RangeError);
    expect(() => hlc.receive({ wallMs: Number.NaN, logical: 0 })).toThrow(RangeError);
    expect(hlc.last).toEqual(ts(0, 0));
  });
});

describe('HybridLogicalClock: the maximum offset', () => {
  it('refuses a remote more than maxOffsetMs ahead with ClockOffsetError, leaving state unchanged', () => {
    const { hlc } = clockAt(1_000, 500);
    hlc.now();
    const before = hlc.last;
    let caught: unknown;
    try {
      hlc.receive(ts(1_501, 0));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ClockOffsetError);
    expect(isClockOffsetError(caught)).toBe(true);
    const err = caught as ClockOffsetError;
    expect(err.offsetMs).toBe(501);
    expect(err.maxOffsetMs).toBe(500);
    expect(err.physicalMs).toBe(1_000);
    expect(err.remote).toEqual(ts(1_501, 0));
    expect(hlc.last).toEqual(before);
    // Exactly at the bound is accepted.
    expect(hlc.receive(ts(1_500, 4))).toEqual(ts(1_500, 5));
  });

  it('for any remote: accepted iff within the bound, and a refusal never changes the clock', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 0, max: 20_000 }),
        fc.nat(HLC_MAX_LOGICAL - 1),
        (physicalMs, maxOffsetMs, remoteWall, remoteLogical) => {
          const { hlc } = clockAt(physicalMs, maxOffsetMs);
          const before = hlc.now();
          const ahead = remoteWall - physicalMs > maxOffsetMs;
          if (ahead) {
            expect(() => hlc.receive(ts(remoteWall, remoteLogical))).toThrow(ClockOffsetError);
            expect(hlc.last).toEqual(before);
          } else {
            expect(compareHlc(hlc.receive(ts(remoteWall, remoteLogical)), before)).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('validates options with messages naming the API', () => {
    const now = () => 0;
    expect(() => new HybridLogicalClock({ now, maxOffsetMs: 0 })).toThrow('HybridLogicalClock: maxOffsetMs must be > 0');
    expect(() => new HybridLogicalClock({ now, maxOffsetMs: Number.NaN })).toThrow(/maxOffsetMs/);
    expect(() => new HybridLogicalClock({ now: 5 as unknown as () => number, maxOffsetMs: 1 })).toThrow(/now must be a function/);
    expect(() => new HybridLogicalClock({ now, maxOffsetMs: 1, initial: ts(-1, 0) })).toThrow(/initial/);
    expect(new HybridLogicalClock({ now, maxOffsetMs: Infinity }).receive(ts(2 ** 40, 0))).toEqual(ts(2 ** 40, 1));
  });
});

describe('HybridLogicalClock: logical overflow', () => {
  it('refuses to wrap logical past 65535 on now(), unchanged, and recovers when time moves', () => {
    const { physical, hlc } = clockAt(7);
    for (let i = 0; i <= HLC_MAX_LOGICAL; i++) hlc.now();
    expect(hlc.last).toEqual(ts(7, HLC_MAX_LOGICAL));
    let caught: unknown;
    try {
      hlc.now();
    } catch (e) {
      caught = e;
    }
    expect(isHlcOverflowError(caught)).toBe(true);
    expect((caught as HlcOverflowError).wallMs).toBe(7);
    expect((caught as HlcOverflowError).retryAfterMs).toBe(1);
    expect(hlc.last).toEqual(ts(7, HLC_MAX_LOGICAL));
    physical.ms = 8;
    expect(hlc.now()).toEqual(ts(8, 0));
  });

  it('refuses to wrap logical on receive, and says how long until physical time passes the wall component', () => {
    const { hlc } = clockAt(7);
    let caught: unknown;
    try {
      hlc.receive(ts(9, HLC_MAX_LOGICAL));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(HlcOverflowError);
    expect((caught as HlcOverflowError).retryAfterMs).toBe(3); // physical 7 must pass 9
    expect(hlc.last).toEqual(ts(0, 0));
  });
});

describe('HybridLogicalClock: properties over arbitrary executions (Kulkarni et al. 2014)', () => {
  function play(nodes: number, steps: Parameters<typeof runExecution>[1], maxOffsetMs: number) {
    const physical = new SettableNow();
    const clocks = Array.from({ length: nodes }, () => new HybridLogicalClock({ now: physical.now, maxOffsetMs }));
    let refused = 0;
    const events = runExecution<HlcTimestamp>(nodes, steps, {
      local: (n, pt) => ((physical.ms = pt), clocks[n].now()),
      send: (n, pt) => ((physical.ms = pt), clocks[n].now()),
      receive: (n, pt, m) => {
        physical.ms = pt;
        const before = clocks[n].last;
        try {
          return clocks[n].receive(m);
        } catch (e) {
          if (!isClockOffsetError(e)) throw e;
          expect(m.wallMs - pt).toBeGreaterThan(maxOffsetMs);
          expect(clocks[n].last).toEqual(before);
          refused++;
          return undefined;
        }
      },
    });
    return { events, refused };
  }

  // Narrow clock ranges make equal wall components (the interesting branches) common.
  const execution = fc.tuple(
    fc.integer({ min: 2, max: 5 }),
    fc.oneof(stepsArb({ nodes: 5, maxSteps: 60, maxPhysicalMs: 4 }), stepsArb({ nodes: 5, maxSteps: 60, maxPhysicalMs: 40 })),
  );

  it('never goes backwards on a node and respects happened-before (Theorem 1)', () => {
    fc.assert(
      fc.property(execution, fc.constantFrom(3, 10, Infinity), ([nodes, raw], maxOffsetMs) => {
        const { events } = play(nodes, raw.map((s) => ({ ...s, node: s.node % nodes })), maxOffsetMs);
        for (const f of events) for (const e of f.preds) expect(compareHlc(events[e].stamp, f.stamp)).toBeLessThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('l is the largest physical reading the event knows of, so l ≥ pt (Theorems 2 and 3)', () => {
    fc.assert(
      fc.property(execution, fc.constantFrom(3, 10, Infinity), ([nodes, raw], maxOffsetMs) => {
        const { events } = play(nodes, raw.map((s) => ({ ...s, node: s.node % nodes })), maxOffsetMs);
        for (const f of events) {
          let known = f.physicalMs;
          for (const g of f.preds) known = Math.max(known, events[g].physicalMs);
          expect(f.stamp.wallMs).toBe(known);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('logical is bounded by the happened-before events sharing l (Corollary 2: c.f ≤ |{g → f : l.g = l.f}|)', () => {
    fc.assert(
      fc.property(execution, ([nodes, raw]) => {
        const { events } = play(nodes, raw.map((s) => ({ ...s, node: s.node % nodes })), Infinity);
        for (const f of events) {
          let sameL = 0;
          for (const g of f.preds) if (events[g].stamp.wallMs === f.stamp.wallMs) sameL++;
          expect(f.stamp.logical).toBeLessThanOrEqual(sameL);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('with clock skew ≤ ε and one event per node per ms, l − pt ≤ ε and logical ≤ N(ε + 1) (Corollaries 1 and 3)', () => {
    const scenario = fc.record({
      nodes: fc.integer({ min: 2, max: 6 }),
      epsilonMs: fc.integer({ min: 0, max: 20 }),
      offsetsFraction: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }),
      rounds: fc.array(fc.array(fc.record({ act: fc.nat(3), pick: fc.nat(1000) }), { minLength: 6, maxLength: 6 }), { maxLength: 80 }),
    });
    fc.assert(
      fc.property(scenario, ({ nodes, epsilonMs, offsetsFraction, rounds }) => {
        // Node i's clock reads true time + offset_i with offsets in [0, ε]: pairwise skew ≤ ε.
        const offsets = offsetsFraction.map((f) => Math.round(f * epsilonMs));
        const physical = new SettableNow();
        const clocks = Array.from({ length: nodes }, () => new HybridLogicalClock({ now: physical.now, maxOffsetMs: epsilonMs + 1 }));
        const sent: HlcTimestamp[] = [];
        let maxLogical = 0;
        rounds.forEach((round, trueMs) => {
          for (let n = 0; n < nodes; n++) {
            const pt = 1_000 + trueMs + offsets[n];
            physical.ms = pt;
            const { act, pick } = round[n];
            let stamp: HlcTimestamp | undefined;
            if (act === 0) continue; // idle this ms
            if (act === 1 || sent.length === 0) stamp = clocks[n].now();
            else if (act === 2) sent.push((stamp = clocks[n].now()));
            else stamp = clocks[n].receive(sent[pick % sent.length]); // any delay, duplicates allowed
            expect(stamp.wallMs - pt).toBeLessThanOrEqual(epsilonMs);
            expect(stamp.wallMs).toBeGreaterThanOrEqual(pt);
            maxLogical = Math.max(maxLogical, stamp.logical);
          }
        });
        expect(maxLogical).toBeLessThanOrEqual(nodes * (epsilonMs + 1));
      }),
      { numRuns: 300 },
    );
  });
});
