/**
 * Shared by the classic scenarios: the wall-clock epoch every run starts at,
 * seeded draws of a scenario's details, and number formatting for the story
 * lines (no `Date`: this folder is sans-I/O, so wall times are formatted by
 * hand).
 */
import { SeededRng, type Rng } from '../../core/random/index.js';

/**
 * Virtual time 0 of every classic scenario reads 2024-03-04 10:00:00.000 UTC
 * on a correct wall clock: the textbook's "10:00:00", and after the Snowflake
 * epoch (2024-01-01), so IDs have positive timestamps.
 */
export const SCENARIO_EPOCH_MS = 1_709_546_400_000;

const DAY_MS = 86_400_000;

/** A wall reading (ms since the Unix epoch) as UTC `hh:mm:ss.mmm`. */
export function formatWallClock(wallMs: number): string {
  const ms = Math.floor(wallMs);
  const ofDay = ((ms % DAY_MS) + DAY_MS) % DAY_MS;
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  const h = Math.floor(ofDay / 3_600_000);
  const m = Math.floor(ofDay / 60_000) % 60;
  const s = Math.floor(ofDay / 1000) % 60;
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(ofDay % 1000, 3)}`;
}

/** Virtual ms since the start of the run, as seconds with 3 decimals (`12.345 s`). */
export function formatRunTime(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

/** A duration for a story line: whole ms below 1 s (`250 ms`), else seconds (`5 s`, `4.995 s`). */
export function formatMs(ms: number): string {
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')} s`;
}

/** `lo–hi`, or one value when both read the same. */
export function formatMsRange(loMs: number, hiMs: number): string {
  const lo = formatMs(loMs);
  const hi = formatMs(hiMs);
  return lo === hi ? lo : `${lo}–${hi}`;
}

/** An integer with thousands separators (`4,096`). */
export function formatCount(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `1 write` / `3 writes`. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(n)} ${n === 1 ? singular : pluralForm}`;
}

/**
 * The stream a scenario draws its details from. The seed is scrambled first
 * (murmur3's 32-bit finalizer over both halves): SeededRng's first outputs
 * for small neighbouring seeds are nearly equal (xoroshiro128+ seeded with a
 * barely-mixed state), and seeds 1, 2, 3… must give different runs.
 */
export function scenarioRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`scenario seed must be a safe integer, got ${seed}`);
  const hi = Math.floor(seed / 0x1_0000_0000);
  return new SeededRng(fmix32(fmix32(seed | 0) ^ hi));
}

function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** One element of `items`, uniformly. */
export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new RangeError('pick: items must not be empty');
  return items[rng.int(items.length)];
}

/** A value log-uniform in [min, max], rounded to a multiple of `stepMs`: small and large both get tried. */
export function logUniformMs(rng: Rng, min: number, max: number, stepMs = 1): number {
  if (!(min > 0 && max >= min)) throw new RangeError(`logUniformMs: need 0 < min ≤ max, got ${min}, ${max}`);
  const x = min * Math.pow(max / min, rng.next());
  return Math.min(max, Math.max(min, Math.round(x / stepMs) * stepMs));
}
