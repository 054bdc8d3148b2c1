import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runExecution, stepsArb } from './__fixtures__/execution.js';
import { LamportClock } from './lamport.js';

describe('LamportClock', () => {
  it('tick advances by one; receive takes max(local, remote) + 1', () => {
    const clock = new LamportClock();
    expect(clock.value).toBe(0);
    expect(clock.tick()).toBe(1);
    expect(clock.receive(10)).toBe(11);
    expect(clock.receive(3)).toBe(12);
    expect(clock.value).toBe(12);
  });

  it('resumes from an initial value and validates it', () => {
    expect(new LamportClock({ initial: 41 }).tick()).toBe(42);
    expect(() => new LamportClock({ initial: -1 })).toThrow(/LamportClock: initial/);
    expect(() => new LamportClock({ initial: 1.5 })).toThrow(/LamportClock: initial/);
  });

  it('rejects malformed remote values and refuses to overflow', () => {
    const clock = new LamportClock();
    expect(() => clock.receive(-1)).toThrow(/LamportClock.receive/);
    expect(() => clock.receive(Number.NaN)).toThrow(/LamportClock.receive/);
    expect(() => clock.receive(Number.MAX_SAFE_INTEGER)).toThrow(/MAX_SAFE_INTEGER/);
    expect(clock.value).toBe(0);
    const top = new LamportClock({ initial: Number.MAX_SAFE_INTEGER });
    expect(() => top.tick()).toThrow(/MAX_SAFE_INTEGER/);
  });

  it('never goes backwards and respects happened-before in arbitrary executions', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 5 }), stepsArb({ nodes: 5, maxSteps: 60 }), (nodes, rawSteps) => {
        const steps = rawSteps.map((s) => ({ ...s, node: s.node % nodes }));
        const clocks = Array.from({ length: nodes }, () => new LamportClock());
        const events = runExecution<number>(nodes, steps, {
          local: (n) => clocks[n].tick(),
          send: (n) => clocks[n].tick(),
          receive: (n, _pt, m) => clocks[n].receive(m),
        });
        for (const f of events) {
          for (const e of f.preds) expect(events[e].stamp).toBeLessThan(f.stamp);
        }
      }),
      { numRuns: 200 },
    );
  });
});
