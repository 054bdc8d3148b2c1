import { describe, expect, it } from 'vitest';
import {
  calmKnobs,
  formatDuration,
  formatFaults,
  formatKnobs,
  getWorkload,
  listWorkloads,
  parseDuration,
  parseFaults,
  registerWorkload,
  replayCommand,
  runSeed,
  type Workload,
} from './index.js';

describe('parseDuration / formatDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['250', 250],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'abc', '-5s', '0s', '5 days', '1e3s'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/duration/);
  });

  it('formats in the largest whole unit', () => {
    expect([formatDuration(120_000), formatDuration(1_500), formatDuration(10_000), formatDuration(3_600_000)]).toEqual(['2m', '1500ms', '10s', '1h']);
  });
});

describe('parseFaults', () => {
  it('accepts all, none and lists in any order', () => {
    expect(parseFaults('all')).toHaveLength(9);
    expect(parseFaults('none')).toEqual([]);
    expect(parseFaults('crash,loss,crash')).toEqual(['loss', 'crash']);
    expect(formatFaults(parseFaults('disk, clock'))).toBe('clock,disk');
    expect(formatFaults(parseFaults('all'))).toBe('all');
  });

  it('rejects unknown names, listing the valid ones', () => {
    expect(() => parseFaults('loss,gremlins')).toThrow(/unknown fault "gremlins".*loss, delay, duplicate/);
  });
});

describe('runSeed', () => {
  it('builds the replay command, leaving defaults out', () => {
    expect(replayCommand({ workload: 'heartbeat', nodes: 5, seed: 7 })).toBe('faultline sim --workload heartbeat --nodes 5 --seed 7');
    expect(replayCommand({ workload: 'heartbeat', nodes: 3, seed: 1, faults: ['loss', 'clock'], simTimeMs: 30_000, bug: 'x' })).toBe(
      'faultline sim --workload heartbeat --nodes 3 --seed 1 --faults loss,clock --sim-time 30s --bug x',
    );
  });

  it('rejects unknown workloads, unknown bugs and bad node counts', () => {
    expect(() => runSeed({ workload: 'nope', nodes: 3, seed: 1 })).toThrow(/unknown workload "nope"/);
    expect(() => runSeed({ workload: 'heartbeat', nodes: 3, seed: 1, bug: 'nope' })).toThrow(/no bug "nope".*wall-clock-elapsed/);
    expect(() => runSeed({ workload: 'heartbeat', nodes: 1, seed: 1 })).toThrow(/between 2 and 1000/);
  });

  it('runs the fault phase, heals, runs the quiet phase, and reports an exception as a violation with its replay', () => {
    const phases: string[] = [];
    const flaky: Workload = {
      name: 'test-flaky',
      summary: 'throws in the quiet phase',
      setup: ({ sim, nodes }) => {
        for (const n of nodes) sim.host(n, () => ({}));
        return {
          quietMs: 100,
          onQuiet: () => {
            phases.push(`quiet@${sim.nowMs}`);
            sim.after(50, () => {
              throw new Error('workload invariant broke');
            });
          },
          finish: () => ({ violations: [], ops: { ok: 0, fail: 0, info: 0 } }),
        };
      },
    };
    registerWorkload(flaky);
    expect(getWorkload('test-flaky')).toBe(flaky);
    expect(listWorkloads().map((w) => w.name)).toContain('heartbeat');
    expect(() => registerWorkload(flaky)).toThrow(/already registered/);
    const report = runSeed({ workload: 'test-flaky', nodes: 2, seed: 3, simTimeMs: 1_000, faults: [] });
    expect(phases).toEqual(['quiet@1000']);
    expect(report.violations).toEqual([{ kind: 'exception', message: expect.stringMatching(/scripted action threw at 1050 ms: workload invariant broke/) }]);
    expect(report.replay).toBe('faultline sim --workload test-flaky --nodes 2 --seed 3 --faults none --sim-time 1s');
    expect(report.knobs).toEqual({ ...calmKnobs(), intensity: report.knobs.intensity });
    expect(formatKnobs(report.knobs)).toContain('crash     off');
  });
});
