import { describe, expect, it } from 'vitest';
import { FAULT_NAMES, calmKnobs, getWorkload, registerWorkload, runSeed } from '../../sim/index.js';
import { membershipBounds, membershipWorkload } from './membership-workload.js';

if (getWorkload(membershipWorkload.name) === undefined) registerWorkload(membershipWorkload);

describe('membership workload', () => {
  it('passes every check over seeds with every fault on', () => {
    for (let seed = 1; seed <= 16; seed++) {
      const report = runSeed({ workload: 'membership', nodes: 5 + (seed % 4), seed, faults: FAULT_NAMES });
      expect(report.violations, report.replay).toEqual([]);
    }
  });

  it('passes at 50 members', () => {
    const report = runSeed({ workload: 'membership', nodes: 50, seed: 3, faults: FAULT_NAMES });
    expect(report.violations, report.replay).toEqual([]);
    expect(report.ops.ok).toBeGreaterThanOrEqual(40);
  });

  it('catches a member that never refutes: a pause shorter than the suspicion timeout kills it', () => {
    const knobs = calmKnobs();
    // Pauses up to 3 s (the nemesis's worst), all shorter than the 4 s minimum suspicion at 7 members.
    knobs.pause = { meanIntervalMs: 500, durationMsMax: 3_000 };
    const report = runSeed({ workload: 'membership', nodes: 7, seed: 1, knobs, bug: 'never-refute' });
    expect(report.violations.map((v) => v.kind)).toContain('false-death');
    expect(report.replay).toMatch(/--bug never-refute$/);
    // The same knobs without the bug pass.
    expect(runSeed({ workload: 'membership', nodes: 7, seed: 1, knobs }).violations).toEqual([]);
  });

  it('derives its bounds from memberlist’s arithmetic', () => {
    const b = membershipBounds(50);
    expect(b.suspicionMinMs).toBe(6792);
    expect(b.suspicionMaxMs).toBe(40_752);
    // Awareness unwinding (2+…+8 s) + two probe rounds (98 s) + one interval + the longest suspicion.
    expect(b.crashBoundMs).toBe(35_000 + 98_000 + 1_000 + 40_752);
  });
});
