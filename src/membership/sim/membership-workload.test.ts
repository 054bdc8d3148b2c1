import { describe, expect, it } from 'vitest';
import { FAULT_NAMES, getWorkload, registerWorkload, runSeed } from '../../sim/index.js';
import { membershipWorkload } from './membership-workload.js';

if (getWorkload(membershipWorkload.name) === undefined) registerWorkload(membershipWorkload);

describe('membership workload', () => {
  it('passes every check over seeds with every fault on', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const report = runSeed({ workload: 'membership', nodes: 5 + (seed % 4), seed, faults: FAULT_NAMES });
      expect(report.violations, report.replay).toEqual([]);
    }
  });
});
