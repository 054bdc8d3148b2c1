/**
 * A scenario retells one classic distributed-systems failure: it runs the
 * naive design (`unsafe`) and the mitigation (`safe`) on the same seed and
 * reports what went wrong and what the fix changed, with numbers.
 *
 * Scenarios are deterministic: the outcome is a pure function of the seed.
 */
export interface ScenarioOutcome {
  /** Bad outcomes: lost writes, duplicate IDs, double leaders, … */
  violations: number;
  /** Further numbers worth showing (all JSON-serialisable). */
  [metric: string]: unknown;
}

export interface ScenarioReport {
  scenario: string;
  seed: number;
  unsafe: ScenarioOutcome;
  safe: ScenarioOutcome;
  /** A few plain lines for a human: the damage, then the fix. */
  story: string[];
}

export interface ScenarioOptions {
  seed: number;
}

export interface Scenario {
  /** kebab-case name, used on the command line. */
  readonly name: string;
  /** One line for `faultline scenario` listings. */
  readonly summary: string;
  /** The seed used when none is given. */
  readonly defaultSeed?: number;
  run(options: ScenarioOptions): ScenarioReport;
  /**
   * Optional picture for `faultline scenario NAME --plot FILE.svg`: a
   * self-contained SVG document (deterministic for a seed).
   */
  plot?(options: ScenarioOptions): string;
}
