/**
 * Test support for the classic scenarios: run one over many seeds and
 * collect what the claims need. (A fixture: not built into dist.)
 */
import type { Scenario, ScenarioReport } from '../../scenario.js';

export const SEEDS = 100;

export interface Sweep {
  reports: ScenarioReport[];
  /** Seeds whose unsafe variant did no damage. */
  harmless: number[];
  /** Seeds whose safe variant let a violation through. */
  breached: number[];
  /** Distinct stories: seeds that tell the same story are not meaningfully different runs. */
  distinctStories: number;
}

export function sweep(scenario: Scenario, seeds = SEEDS): Sweep {
  const reports: ScenarioReport[] = [];
  for (let seed = 1; seed <= seeds; seed++) reports.push(scenario.run({ seed }));
  return {
    reports,
    harmless: reports.filter((r) => !(r.unsafe.violations > 0)).map((r) => r.seed),
    breached: reports.filter((r) => r.safe.violations !== 0).map((r) => r.seed),
    distinctStories: new Set(reports.map((r) => r.story.join('\n'))).size,
  };
}
