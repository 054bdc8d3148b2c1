/**
 * Reconnect delay with "full jitter" (AWS Architecture Blog, "Exponential
 * Backoff And Jitter"): uniform in [0, min(capMs, baseMs · 2^attempt)].
 * Jitter spreads the reconnect storm after a partition heals or a node
 * restarts; the cap bounds how stale a recovered link can be.
 */
export function fullJitterDelayMs(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  if (!Number.isSafeInteger(attempt) || attempt < 0) throw new RangeError(`fullJitterDelayMs: attempt must be an integer >= 0, got ${attempt}`);
  const ceilingMs = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * (ceilingMs + 1));
}
