import { describe, expect, it } from 'vitest';
import { raftPartition, story } from './raft-partition.js';
import type { RunResult } from './raft-partition.js';

describe('raft-partition scenario', () => {
  it.each([1, 2, 3])('seed %i: the minority leader without a majority commit loses acknowledged writes; Raft loses none', (seed) => {
    const report = raftPartition.run({ seed });
    const unsafe = report.unsafe as unknown as { acknowledged: { minority: number }; lost: string[]; minority: string[]; leader: string };
    const safe = report.safe as unknown as { acknowledged: { minority: number; majority: number }; lost: string[]; newLeader: string | null; majority: string[] };
    // The leader was on the minority side, with one follower.
    expect(unsafe.minority).toHaveLength(2);
    expect(unsafe.minority).toContain(unsafe.leader);
    // unsafe: the cut-off leader acknowledged writes, and they are gone after the heal.
    expect(unsafe.acknowledged.minority).toBeGreaterThan(0);
    expect(report.unsafe.violations).toBe(unsafe.lost.length);
    expect(unsafe.lost.length).toBeGreaterThan(0);
    expect(unsafe.lost.every((k) => k.startsWith('minority-'))).toBe(true);
    // safe: nothing acknowledged without a majority, the majority side made progress, nothing acknowledged was lost.
    expect(safe.acknowledged.minority).toBe(0);
    expect(safe.acknowledged.majority).toBeGreaterThan(0);
    expect(report.safe.violations).toBe(0);
    expect(safe.lost).toEqual([]);
    expect(safe.majority).toContain(safe.newLeader);
    expect(report.story.join('\n')).toMatch(/every acknowledged write survived/);
  });

  it('is deterministic: one seed, one report', () => {
    expect(JSON.stringify(raftPartition.run({ seed: 9 }))).toBe(JSON.stringify(raftPartition.run({ seed: 9 })));
  });

  it('tells a mitigation that lost acknowledged writes as one: the safe line is read off the numbers', () => {
    const report = raftPartition.run({ seed: 1 });
    const broken = report.unsafe as RunResult; // stands in for a safe run that lost writes
    expect(broken.lost.length).toBeGreaterThan(0);
    const safeLine = story(1, broken, broken)[2];
    expect(safeLine).not.toMatch(/every acknowledged write survived/);
    expect(safeLine).toContain(`${broken.lost.length} acknowledged write(s) are gone (${broken.lost.join(', ')})`);
  });
});
