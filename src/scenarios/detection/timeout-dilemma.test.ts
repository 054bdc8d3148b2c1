import { describe, expect, it } from 'vitest';
import { DETECTION_BUDGET_MS, runTimeoutDilemma, timeoutDilemma } from './timeout-dilemma.js';
import type { DetectorResult } from './timeout-dilemma.js';

const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);
const runs = SEEDS.map((seed) => runTimeoutDilemma(seed));
const violations = (r: DetectorResult): number => r.falseSuspicions + (r.detectionMs > DETECTION_BUDGET_MS ? 1 : 0);
const total = (pick: (run: (typeof runs)[number]) => number): number => runs.reduce((n, r) => n + pick(r), 0);

describe('timeout-dilemma: the direction of the result, over 40 seeds', () => {
  it('the short fixed timeout raises false alarms on GC pauses; the long one never does', () => {
    expect(total((r) => r.short.falseSuspicions)).toBeGreaterThan(5 * SEEDS.length);
    for (const r of runs) expect(r.long.falseSuspicions).toBe(0);
  });

  it('φ accrual and 3.5 × p99 raise (almost) none: fewer than a twentieth of the short timeout’s', () => {
    const short = total((r) => r.short.falseSuspicions);
    expect(total((r) => r.phi.falseSuspicions)).toBeLessThanOrEqual(short / 20);
    expect(total((r) => r.adaptive.falseSuspicions)).toBeLessThanOrEqual(short / 20);
  });

  it('…and detect the crash far sooner than the long timeout, within the 10 s budget, on every seed', () => {
    for (const r of runs) {
      for (const safe of [r.phi, r.adaptive]) {
        expect(safe.detectionMs).toBeGreaterThan(0);
        expect(safe.detectionMs).toBeLessThan(DETECTION_BUDGET_MS);
        expect(safe.detectionMs).toBeLessThan(r.long.detectionMs / 2.5);
      }
      expect(r.long.detectionMs).toBeGreaterThan(DETECTION_BUDGET_MS);
      expect(r.short.detectionMs).toBeLessThan(r.phi.detectionMs); // the price: the short one is fastest
    }
  });

  it('each safe detector has fewer violations (false alarms + slow detections) than each fixed timeout', () => {
    for (const safe of ['phi', 'adaptive'] as const) {
      for (const unsafe of ['short', 'long'] as const) {
        expect(total((r) => violations(r[safe]))).toBeLessThan(total((r) => violations(r[unsafe])));
      }
    }
  });

  it('the scenario report: unsafe has violations, safe none, for the default seed', () => {
    const report = timeoutDilemma.run({ seed: timeoutDilemma.defaultSeed ?? 1 });
    expect(report.unsafe.violations).toBeGreaterThan(0);
    expect(report.safe.violations).toBe(0);
    expect(report.story.join('\n')).toMatch(/φ accrual/);
  });
});

describe('timeout-dilemma: determinism and the picture', () => {
  it('one seed, one run (trace hash and numbers)', () => {
    const a = runTimeoutDilemma(7);
    const b = runTimeoutDilemma(7);
    expect(b).toEqual(a);
    expect(runTimeoutDilemma(8).traceHash).not.toBe(a.traceHash);
  });

  it('the sweep behaves: a longer fixed timeout never raises more false alarms and always detects later', () => {
    const fixed = runTimeoutDilemma(3, { sweep: true }).sweep.filter((p) => p.series === 'fixed timeout');
    for (let i = 1; i < fixed.length; i++) {
      expect(fixed[i].parameter).toBeGreaterThan(fixed[i - 1].parameter);
      expect(fixed[i].falseSuspicions).toBeLessThanOrEqual(fixed[i - 1].falseSuspicions);
      expect(fixed[i].detectionMs).toBeGreaterThan(fixed[i - 1].detectionMs);
    }
  });

  it('plot() is a self-contained SVG, the same for the same seed', () => {
    const svg = timeoutDilemma.plot!({ seed: 1 });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).not.toMatch(/NaN|Infinity|undefined|<script|href=/);
    for (const label of ['fixed 2 s', 'fixed 30 s', 'φ accrual (8, pause 3 s)', 'adaptive 3.5 × p99']) expect(svg).toContain(label);
    expect(timeoutDilemma.plot!({ seed: 1 })).toBe(svg);
  });
});
