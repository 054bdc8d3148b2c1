import type { Scenario } from '../scenario.js';

/** The membership scenarios, in the order `faultline scenario` lists them. */
export const membershipScenarios: readonly Scenario[] = [];
