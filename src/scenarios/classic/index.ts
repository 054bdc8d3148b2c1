import type { Scenario } from '../scenario.js';

/** The classic scenarios, in the order `faultline scenario` lists them. */
export const classicScenarios: readonly Scenario[] = [];
