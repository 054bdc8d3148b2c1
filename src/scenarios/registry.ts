import type { Scenario } from './scenario.js';

const scenarios = new Map<string, Scenario>();

/** Add a scenario to `faultline scenario`. Names are unique. */
export function registerScenario(scenario: Scenario): void {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(scenario.name)) {
    throw new Error(`registerScenario: name must be kebab-case, got "${scenario.name}"`);
  }
  if (scenarios.has(scenario.name)) throw new Error(`registerScenario: "${scenario.name}" is already registered`);
  scenarios.set(scenario.name, scenario);
}

export function getScenario(name: string): Scenario | undefined {
  return scenarios.get(name);
}

/** Every registered scenario, sorted by name. */
export function listScenarios(): Scenario[] {
  return [...scenarios.values()].sort((a, b) => a.name.localeCompare(b.name));
}
