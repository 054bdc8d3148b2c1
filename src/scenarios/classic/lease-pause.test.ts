import { describe, expect, it } from 'vitest';
import { SEEDS, sweep } from './__fixtures__/sweep.js';
import { drawLeasePauseParams, leasePause } from './lease-pause.js';

describe('lease-pause', () => {
  const { reports, harmless, breached, distinctStories } = sweep(leasePause);

  it(`accepts the paused holder's stale writes without fencing on every one of ${SEEDS} seeds, and never with tokens`, () => {
    expect(harmless).toEqual([]);
    expect(breached).toEqual([]);
    for (const r of reports) {
      const p = drawLeasePauseParams(r.seed);
      expect(r.unsafe.tokens).toEqual([33, 34]);
      expect(r.safe.tokens).toEqual([33, 34]);
      expect(r.unsafe.corruptedWrites).toBe(p.writesA); // every write A had in hand landed on B's data
      expect(r.unsafe.finalWriter).toBe('A');
      expect(r.safe.rejectedWrites).toBe(p.writesA); // and the fence refused each one
      expect(r.safe.finalWriter).toBe('B');
    }
  });

  it('varies the lease, the pause and the timings with the seed', () => {
    expect(distinctStories).toBe(SEEDS);
    const params = reports.map((r) => drawLeasePauseParams(r.seed));
    expect(new Set(params.map((p) => p.ttlMs)).size).toBeGreaterThanOrEqual(8);
    expect(new Set(params.map((p) => p.pauseMs)).size).toBeGreaterThanOrEqual(20);
  });

  it('tells the textbook run on its default seed: a 10 s lease, a 15 s pause, tokens 33 and 34', () => {
    const r = leasePause.run({ seed: leasePause.defaultSeed! });
    expect(r.story[0]).toMatch(/fencing token 33 and a 10 s lease .* then stops in a 15 s GC pause/);
    expect(r.story[1]).toMatch(/gets the lock at [\d.]+ s with token 34/);
    expect(r.story[4]).toMatch(/refused 1 write with token 33 \(it had seen 34\) — 0 corrupted writes/);
    expect(leasePause.run({ seed: leasePause.defaultSeed! })).toEqual(r);
  });
});
