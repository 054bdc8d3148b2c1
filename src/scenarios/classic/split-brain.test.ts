import { describe, expect, it } from 'vitest';
import { SEEDS, sweep } from './__fixtures__/sweep.js';
import { drawSplitBrainParams, runVariant, splitBrain, tell } from './split-brain.js';

describe('split-brain', () => {
  const { reports, harmless, breached, distinctStories } = sweep(splitBrain);

  it(`has two leaders at once under a majority of the reachable nodes on every one of ${SEEDS} seeds, never under a majority of the cluster`, () => {
    expect(harmless).toEqual([]);
    expect(breached).toEqual([]);
    for (const r of reports) {
      expect(r.unsafe.overlapMs).toBeGreaterThan(0);
      expect(r.safe.overlapMs).toBe(0);
      // Both variants split the same cluster the same way around the same leader.
      expect(r.safe.sides).toEqual(r.unsafe.sides);
      expect(r.safe.leaderAtSplit).toBe(r.unsafe.leaderAtSplit);
    }
  });

  it('varies the cluster size, the split and the timings with the seed', () => {
    expect(distinctStories).toBe(SEEDS);
    const params = reports.map((r) => drawSplitBrainParams(r.seed));
    expect(new Set(params.map((p) => p.nodes.length))).toEqual(new Set([3, 4, 5, 6, 7]));
    const splits = new Set(reports.map((r) => JSON.stringify(r.unsafe.sides)));
    expect(splits.size).toBeGreaterThanOrEqual(40);
    expect(params.some((p) => p.leaderInMinority)).toBe(true);
    expect(params.some((p) => !p.leaderInMinority)).toBe(true);
  });

  it('tells the textbook run on its default seed: 5 nodes, the leader cut off with one follower', () => {
    const r = splitBrain.run({ seed: splitBrain.defaultSeed! });
    const [minority, majority] = r.unsafe.sides as string[][];
    expect(minority).toHaveLength(2);
    expect(majority).toHaveLength(3);
    expect(minority).toContain(r.unsafe.leaderAtSplit);
    expect(r.story[1]).toMatch(/the leader, on the minority side/);
    expect(r.story[3]).toMatch(/never more than one leader at once/);
    expect(splitBrain.run({ seed: splitBrain.defaultSeed! })).toEqual(r);
  });

  it('tells a quorum rule that let two leaders through as one: the safe line is read off the numbers', () => {
    const seed = splitBrain.defaultSeed!;
    const p = drawSplitBrainParams(seed);
    const broken = runVariant(p, seed, 'reachable-majority'); // stands in for a safe run with two leaders
    expect(broken.doubleLeaders).toBeGreaterThan(0);
    const safeLine = tell(p, broken, broken)[3];
    expect(safeLine).not.toMatch(/never more than one leader/);
    expect(safeLine).toMatch(/double-leader overlap.* — two leaders at once for [\d.]+ s in all\.$/);
  });
});
