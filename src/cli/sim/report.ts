import { formatKnobs, type FaultKnobs, type SeedReport, type Violation } from '../../sim/index.js';
import { describeRun, type SimCommandOptions } from './options.js';

export interface SimSummary {
  seeds: number;
  violations: Array<{ seed: number; kind: string; message: string; replay: string }>;
  ops: { ok: number; fail: number; info: number };
  simulatedMs: number;
  wallMs: number;
  traceHash?: string;
  /** Seeds with at least one violation (all of them, even beyond those listed). */
  failedSeeds: number;
}

/** Failing seeds kept in detail: the smallest ones, so the output is the same whatever the arrival order. */
export const MAX_FAILED_SEEDS_LISTED = 1_000;

interface Kept {
  seed: number;
  knobs: FaultKnobs;
  violations: Violation[];
  replay: string;
  traceHash: string;
}

/**
 * Folds seed reports as they arrive (in any order) into totals that do not
 * depend on the order: integer sums only (virtual time in µs), and the
 * failing seeds sorted by seed. Memory is bounded: only failing seeds are
 * kept, at most `MAX_FAILED_SEEDS_LISTED` of them.
 */
export class SeedAggregator {
  #count = 0;
  #ok = 0;
  #fail = 0;
  #info = 0;
  #simulatedUs = 0;
  #events = 0;
  #failed = 0;
  #kept: Kept[] = [];
  #single: Kept | undefined;

  add(r: SeedReport): void {
    this.#count++;
    this.#ok += r.ops.ok;
    this.#fail += r.ops.fail;
    this.#info += r.ops.info;
    this.#simulatedUs += Math.round(r.simulatedMs * 1000);
    this.#events += r.events;
    const kept: Kept = { seed: r.seed, knobs: r.knobs, violations: r.violations, replay: r.replay, traceHash: r.traceHash };
    if (this.#count === 1) this.#single = kept;
    if (r.violations.length === 0) return;
    this.#failed++;
    this.#kept.push(kept);
    if (this.#kept.length >= 2 * MAX_FAILED_SEEDS_LISTED) this.#trim();
  }

  get events(): number {
    return this.#events;
  }

  /** Failing seeds kept, in seed order (the single seed's report when only one ran). */
  detailed(): Kept[] {
    this.#trim();
    if (this.#count === 1 && this.#single !== undefined) return [this.#single];
    return this.#kept;
  }

  summary(wallMs: number): SimSummary {
    const summary: SimSummary = {
      seeds: this.#count,
      violations: [],
      ops: { ok: this.#ok, fail: this.#fail, info: this.#info },
      simulatedMs: this.#simulatedUs / 1000,
      wallMs: Math.round(wallMs),
      failedSeeds: this.#failed,
    };
    for (const k of this.detailed()) {
      for (const v of k.violations) summary.violations.push({ seed: k.seed, kind: v.kind, message: v.message, replay: k.replay });
    }
    if (this.#count === 1 && this.#single !== undefined) summary.traceHash = this.#single.traceHash;
    return summary;
  }

  #trim(): void {
    this.#kept.sort((a, b) => a.seed - b.seed);
    if (this.#kept.length > MAX_FAILED_SEEDS_LISTED) this.#kept.length = MAX_FAILED_SEEDS_LISTED;
  }
}

/** The human report: knobs for a single seed, and for every failing seed its violations and replay command. */
export function textReport(options: SimCommandOptions, aggregate: SeedAggregator, summary: SimSummary): string[] {
  const lines = [`faultline sim: ${describeRun(options)}`];
  const single = summary.seeds === 1;
  for (const r of aggregate.detailed()) {
    if (!single) lines.push('', `seed ${r.seed}: ${r.violations.length} violation${r.violations.length === 1 ? '' : 's'}`);
    lines.push('  knobs:', ...formatKnobs(r.knobs).map((l) => `    ${l}`));
    for (const v of r.violations) lines.push(`  VIOLATION ${v.kind}: ${v.message}`);
    if (r.violations.length > 0) lines.push(`  replay: ${r.replay}`);
  }
  if (summary.failedSeeds > MAX_FAILED_SEEDS_LISTED) {
    lines.push('', `(${summary.failedSeeds - MAX_FAILED_SEEDS_LISTED} more failing seeds not listed)`);
  }
  const verdict = summary.failedSeeds === 0 ? 'ok' : `${summary.failedSeeds} of ${summary.seeds} seed${summary.seeds === 1 ? '' : 's'} failed`;
  lines.push(
    '',
    `${verdict}: ${aggregate.events} events, ${(summary.simulatedMs / 1000).toFixed(1)} s simulated in ${(summary.wallMs / 1000).toFixed(1)} s` +
      (single && summary.traceHash !== undefined ? `, trace ${summary.traceHash}` : ''),
    `ops: ok ${summary.ops.ok}, fail ${summary.ops.fail}, info ${summary.ops.info}`,
  );
  return lines;
}
