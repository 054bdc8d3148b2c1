import { describe, expect, it } from 'vitest';
import { MAX_OFFSET_MS, UNSAFE_FRACTION, clockDrift, formatDriftTable, runClockDrift, tellClockDrift } from './clock-drift.js';
import type { DriftRow, DriftRun } from './clock-drift.js';

describe('clock-drift', () => {
  const report = clockDrift.run({ seed: 1 });

  it('the drifting node’s estimate of its own offset is within the reported error bound of the true offset, every minute', () => {
    const rows = report.safe.rows as DriftRow[];
    expect(rows.length).toBeGreaterThanOrEqual(10);
    for (const r of rows) {
      expect(r.estimatedOffsetMs).not.toBeNull();
      expect(Math.abs(r.estimatedOffsetMs! - r.trueOffsetMs)).toBeLessThanOrEqual(r.errorMs!);
      expect(r.errorMs!).toBeLessThan(20);
    }
    // And it did drift: the last row is hundreds of ms off.
    expect(rows[rows.length - 1].trueOffsetMs).toBeGreaterThan(MAX_OFFSET_MS);
  });

  it('a healthy node names the drifting one as the falseticker, long before it is dangerous', () => {
    const safe = report.safe;
    expect(safe.namedFalsetickerAtMs).not.toBeNull();
    expect(safe.namedFalsetickerAtMs as number).toBeLessThan(60_000);
    for (const r of (safe.rows as DriftRow[]).slice(1)) expect(r.falsetickers).toEqual([safe.drifting]);
  });

  it('takes itself out past the tolerance and before the bound; without acting, it serves beyond the bound', () => {
    const safe = report.safe;
    expect(safe.violations).toBe(0);
    expect(safe.leadAtOutMs as number).toBeGreaterThan(UNSAFE_FRACTION * MAX_OFFSET_MS);
    expect(safe.leadAtOutMs as number).toBeLessThan(MAX_OFFSET_MS);
    expect(report.unsafe.violations).toBeGreaterThan(100);
    expect(report.unsafe.falseExits).toBe(0);
  });

  it('is deterministic and works for other seeds', () => {
    expect(runClockDrift(1, true).traceHash).toBe(report.safe.traceHash);
    const other = runClockDrift(7, true);
    expect(other.servedBeyondBound + other.falseExits).toBe(0);
    expect(other.rows.every((r) => r.withinBound)).toBe(true);
    expect(formatDriftTable(other)[0]).toMatch(/true offset\s+estimate ± error/);
  });

  it('says the estimate stayed within its bound only when every row shows it', () => {
    const unsafe = runClockDrift(1, false);
    const safe = runClockDrift(1, true);
    expect(tellClockDrift(unsafe, safe).join('\n')).toMatch(/own estimate stays within its error bound/);
    const missedOne: DriftRun = { ...safe, rows: safe.rows.map((r, i) => (i === 2 ? { ...r, withinBound: false } : r)) };
    const text = tellClockDrift(unsafe, missedOne).join('\n');
    expect(text).not.toMatch(/own estimate stays within its error bound/);
    expect(text).toContain(`own estimate missed its error bound in 1 of ${safe.rows.length} rows`);
  });
});
