import { describe, expect, it } from 'vitest';
import { FAULT_NAMES, calmKnobs, getWorkload, registerWorkload, runSeed } from '../../sim/index.js';
import { clocksyncWorkload } from './clocksync-workload.js';

if (getWorkload(clocksyncWorkload.name) === undefined) registerWorkload(clocksyncWorkload);

describe('clocksync workload', () => {
  it('passes every check over seeds with every fault on', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const report = runSeed({ workload: 'clocksync', nodes: 3 + (seed % 6), seed, faults: FAULT_NAMES });
      expect(report.violations, report.replay).toEqual([]);
      expect(report.ops.ok).toBeGreaterThan(0);
    }
  });

  it('the stepped node flags itself and nobody else does, in a calm cluster', () => {
    const report = runSeed({ workload: 'clocksync', nodes: 7, seed: 4, faults: [] });
    expect(report.violations).toEqual([]);
    expect(report.ops.info).toBe(1); // exactly one node took itself out
  });

  it('catches a monitor that flags on any one far peer', () => {
    const knobs = calmKnobs();
    const report = runSeed({ workload: 'clocksync', nodes: 7, seed: 1, knobs, bug: 'flag-on-any-peer' });
    expect(report.violations.map((v) => v.kind)).toContain('false-flag');
  });
});
