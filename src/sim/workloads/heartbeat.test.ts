import { describe, expect, it } from 'vitest';
import { FAULT_NAMES, calmKnobs, runSeed } from '../index.js';

describe('heartbeat workload', () => {
  it('finds no violation over 60 seeds with every fault on', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const report = runSeed({ workload: 'heartbeat', nodes: 2 + (seed % 4), seed, faults: FAULT_NAMES, simTimeMs: 5_000 });
      expect(report.violations, report.replay).toEqual([]);
      expect(report.ops.ok).toBeGreaterThan(0);
    }
  });

  it('with no faults, every heartbeat arrives in order and nothing is lost', () => {
    const report = runSeed({ workload: 'heartbeat', nodes: 5, seed: 1, faults: [], simTimeMs: 2_000 });
    expect(report.violations).toEqual([]);
    expect(report.stats.droppedLoss + report.stats.droppedPartition + report.stats.droppedDown).toBe(0);
    // 5 nodes × 4 peers × (one beat at start + one per 100 ms) over ~2.1 s of virtual time.
    expect(report.ops.ok).toBeGreaterThanOrEqual(20 * 21);
  });

  it('catches the wall-clock bug only when clocks step', () => {
    const knobs = calmKnobs();
    knobs.clock = { offsetMsMax: 10, driftPpmMax: 10, stepMeanIntervalMs: 200, stepMsMax: 500, backwardProbability: 1 };
    const buggy = runSeed({ workload: 'heartbeat', nodes: 3, seed: 1, simTimeMs: 3_000, bug: 'wall-clock-elapsed', knobs });
    expect(buggy.violations.map((v) => v.kind)).toContain('negative-elapsed');
    expect(buggy.replay).toMatch(/--bug wall-clock-elapsed$/);
    const calm = runSeed({ workload: 'heartbeat', nodes: 3, seed: 1, simTimeMs: 3_000, bug: 'wall-clock-elapsed', faults: [] });
    expect(calm.violations).toEqual([]);
  });

  it('catches a node that forgets its timer after a restart, through the liveness check', () => {
    const knobs = calmKnobs();
    knobs.crash = { meanIntervalMs: 300, downtimeMsMax: 100, crashStopProbability: 0, maxCrashStopped: 0 };
    const report = runSeed({ workload: 'heartbeat', nodes: 3, seed: 2, simTimeMs: 2_000, bug: 'forget-timer-on-restart', knobs });
    expect(report.violations.map((v) => v.kind)).toContain('liveness');
  });

  it('recovers its checksummed log through torn writes and bit flips without losing acknowledged records', () => {
    const knobs = calmKnobs();
    knobs.crash = { meanIntervalMs: 150, downtimeMsMax: 50, crashStopProbability: 0, maxCrashStopped: 0 };
    knobs.disk = { bitFlipMeanIntervalMs: 300, tornWriteProbability: 1, fsyncLatencyMsMax: 30 };
    let torn = 0;
    let flips = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const report = runSeed({ workload: 'heartbeat', nodes: 3, seed, simTimeMs: 3_000, knobs });
      expect(report.violations, report.replay).toEqual([]);
      torn += report.stats.tornWrites;
      flips += report.stats.bitFlips;
    }
    expect(torn).toBeGreaterThan(0);
    expect(flips).toBeGreaterThan(0);
  });
});
