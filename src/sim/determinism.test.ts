import { describe, expect, it } from 'vitest';
import { FAULT_NAMES, Simulation, runSeed, type SeedReport } from './index.js';

// Same seed + options ⇒ byte-identical trace, over many seeds with every
// fault family enabled. Short virtual time per seed keeps this fast.
const SEEDS = 200;
const SIM_TIME_MS = 3_000;

function run(seed: number, trace?: (line: string) => void): SeedReport {
  return runSeed({ workload: 'heartbeat', nodes: 3 + (seed % 3), seed, faults: FAULT_NAMES, simTimeMs: SIM_TIME_MS, trace });
}

describe('determinism', () => {
  it(`gives the same trace hash twice for each of ${SEEDS} seeds with every fault on, and different hashes across seeds`, () => {
    const hashes = new Set<string>();
    const totals = { droppedLoss: 0, duplicated: 0, reordered: 0, partitions: 0, clockFaults: 0, pauses: 0, crashes: 0, bitFlips: 0, tornWrites: 0 };
    for (let seed = 1; seed <= SEEDS; seed++) {
      const first = run(seed);
      const second = run(seed);
      if (first.traceHash !== second.traceHash) {
        throw new Error(`seed ${seed} is not deterministic: ${first.traceHash} vs ${second.traceHash}; replay: ${first.replay}`);
      }
      expect(second.events).toBe(first.events);
      expect(first.violations, first.replay).toEqual([]);
      hashes.add(first.traceHash);
      for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += first.stats[key];
    }
    expect(hashes.size).toBe(SEEDS);
    // Every fault family actually acted somewhere in the sweep.
    for (const [key, count] of Object.entries(totals)) expect(count, key).toBeGreaterThan(0);
  });

  it('writes byte-identical trace lines for a seed, every fault on, and the hash does not depend on the sink', () => {
    for (const seed of [42, 3, 77, 1009, 65_537]) {
      const a: string[] = [];
      const b: string[] = [];
      const withSinkA = run(seed, (line) => a.push(line));
      const withSinkB = run(seed, (line) => b.push(line));
      const without = run(seed);
      expect(a.join('\n')).toBe(b.join('\n'));
      expect(a.length).toBe(withSinkA.events);
      expect(withSinkA.traceHash).toBe(withSinkB.traceHash);
      expect(without.traceHash).toBe(withSinkA.traceHash);
      for (const line of a) expect(line).toMatch(/^\d+\.\d{3} [a-z]+( |$)/);
    }
  });

  it('changes the hash when the script changes, even by one fault', () => {
    const script = (extraPause: boolean): string => {
      const sim = new Simulation({ seed: 9 });
      for (const name of ['a', 'b']) {
        sim.host(name, (env) => {
          const tick = (): void => {
            env.send(name === 'a' ? 'b' : 'a', 'ping');
            env.setTimer(10, tick);
          };
          tick();
          return {};
        });
      }
      if (extraPause) sim.at(50, () => sim.pause('a')).at(60, () => sim.resume('a'));
      sim.runFor(200);
      return sim.traceHash;
    };
    expect(script(false)).toBe(script(false));
    expect(script(true)).not.toBe(script(false));
  });
});
