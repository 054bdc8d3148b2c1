/**
 * Many seeds of each detection scenario: the mitigation never lets a
 * violation through and the naive design always shows one. Off by default;
 * run with `DETECTION_SOAK=200 npx vitest run src/scenarios/detection/soak.test.ts`
 * (DETECTION_SOAK_BASE sets the first seed). A failure names its seed;
 * replay it with `faultline scenario NAME --seed S`.
 */
import { describe, expect, it } from 'vitest';
import { detectionScenarios } from './index.js';

const seeds = Number(process.env.DETECTION_SOAK ?? 0);
const base = Number(process.env.DETECTION_SOAK_BASE ?? 1);

describe.skipIf(seeds === 0)(`detection scenarios over ${seeds} seeds from ${base}`, () => {
  for (const scenario of detectionScenarios) {
    it(`${scenario.name}: safe has no violation, unsafe has some`, () => {
      for (let seed = base; seed < base + seeds; seed++) {
        const report = scenario.run({ seed });
        expect(report.safe.violations, `${scenario.name} --seed ${seed}: safe`).toBe(0);
        expect(report.unsafe.violations, `${scenario.name} --seed ${seed}: unsafe`).toBeGreaterThan(0);
      }
    }, 600_000);
  }
});
