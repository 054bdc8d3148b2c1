import type { Rng } from './rng.js';

/**
 * Fisher–Yates in place: one `rng.int(i + 1)` draw per position from the
 * end, so a seed gives one order. Returns `items`.
 */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}
