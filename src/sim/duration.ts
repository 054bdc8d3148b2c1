import { SimulationError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `30s`, `2m`, `1h`, `1.5s` (or a bare number of ms) → ms. Must be > 0. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (match === null) throw new SimulationError('invalid-option', `invalid duration "${text}" (expected e.g. 500ms, 30s, 2m)`);
  const ms = Number(match[1]) * UNITS[match[2] ?? 'ms'];
  if (!(ms > 0) || !Number.isFinite(ms)) throw new SimulationError('invalid-option', `duration must be > 0, got "${text}"`);
  return Math.round(ms * 1000) / 1000;
}

/** The shortest exact text for `ms` in the largest whole unit: 120000 → `2m`, 1500 → `1500ms`. */
export function formatDuration(ms: number): string {
  for (const unit of ['h', 'm', 's'] as const) {
    const size = UNITS[unit];
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
