/**
 * Every runnable classic failure. Each area keeps its own list (one folder
 * each, so the areas grow independently); this file only joins them.
 */
import { classicScenarios } from './classic/index.js';
import { detectionScenarios } from './detection/index.js';
import { membershipScenarios } from './membership/index.js';
import { raftScenarios } from './raft/index.js';
import { getScenario, listScenarios, registerScenario } from './registry.js';
import type { Scenario } from './scenario.js';

export type { Scenario, ScenarioOptions, ScenarioOutcome, ScenarioReport } from './scenario.js';
export { getScenario, listScenarios, registerScenario };

const ALL: readonly Scenario[] = [...classicScenarios, ...detectionScenarios, ...raftScenarios, ...membershipScenarios];

/** Register the built-in scenarios once (idempotent). */
export function loadScenarios(): void {
  for (const scenario of ALL) if (getScenario(scenario.name) !== scenario) registerScenario(scenario);
}
