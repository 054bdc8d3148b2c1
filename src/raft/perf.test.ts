/**
 * Hot-path scaling (always on, cheap): doubling the work must not much more
 * than double the time, i.e. nothing quadratic in log length. Numbers are
 * printed with RAFT_PERF=1.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { measureThroughput } from './testing/throughput.js';

describe('hot path', () => {
  it('proposal throughput does not degrade as the log grows (no quadratic work)', () => {
    const now = () => performance.now();
    measureThroughput({ proposals: 5_000, batch: 100, now }); // warm-up
    const small = measureThroughput({ proposals: 20_000, batch: 100, now });
    const large = measureThroughput({ proposals: 80_000, batch: 100, now });
    expect(small.committed).toBeGreaterThanOrEqual(20_000);
    expect(large.committed).toBeGreaterThanOrEqual(80_000);
    if (process.env.RAFT_PERF) {
      for (const batch of [1, 10, 100, 1000]) {
        const r = measureThroughput({ proposals: 100_000, batch, now });
        console.log(`batch ${batch}: ${Math.round(r.proposalsPerSec)} proposals/s, ${(r.messages / r.committed).toFixed(2)} msgs/proposal`);
      }
      console.log(`20k: ${Math.round(small.proposalsPerSec)}/s, 80k: ${Math.round(large.proposalsPerSec)}/s`);
    }
    // 4× the entries at well over a third of the rate: linear, with generous room for a noisy machine.
    expect(large.proposalsPerSec).toBeGreaterThan(small.proposalsPerSec / 3);
  });
});
