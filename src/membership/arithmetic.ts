/**
 * memberlist's published arithmetic (util.go, suspicion.go), reproduced
 * exactly — including where Go's integer durations truncate — and tested
 * against memberlist's own test tables (`util_test.go`, `suspicion_test.go`).
 * All durations in ms.
 */

/**
 * The minimum suspicion timeout for a cluster of `n` members:
 * `suspicionMult × max(1, log10(max(1, n))) × probeInterval`. memberlist
 * multiplies the scale by 1000 and truncates it to an integer before
 * multiplying (Go's `time.Duration(nodeScale*1000)`), so 50 members scale by
 * 1.698, not 1.69897; this does the same, at nanosecond precision.
 */
export function suspicionTimeoutMs(suspicionMult: number, n: number, probeIntervalMs: number): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, n)));
  const scaleMilli = Math.trunc(nodeScale * 1000);
  const intervalNs = Math.round(probeIntervalMs * 1e6);
  return Math.trunc((suspicionMult * scaleMilli * intervalNs) / 1000) / 1e6;
}

/** How many times one broadcast is transmitted: `retransmitMult × ceil(log10(n + 1))`. */
export function retransmitLimit(retransmitMult: number, n: number): number {
  return retransmitMult * Math.ceil(Math.log10(n + 1));
}

/**
 * Lifeguard's dynamic suspicion (memberlist's `remainingSuspicionTime`): the
 * timeout starts at `maxMs` and falls towards `minMs` as independent
 * confirmations `n` arrive, on a log scale — `log(n + 1) / log(k + 1)` of the
 * way after `n` of the `k` expected confirmations — floored to whole ms and
 * never below `minMs`. Returns the time left after `elapsedMs`; it can be
 * negative (fire at once). `k` must be ≥ 1 (with k = 0 nobody confirms and
 * the timeout is simply `minMs`).
 */
export function remainingSuspicionTimeMs(n: number, k: number, elapsedMs: number, minMs: number, maxMs: number): number {
  if (!(k >= 1)) throw new RangeError(`remainingSuspicionTimeMs: k must be ≥ 1, got ${k}`);
  const frac = Math.log(n + 1) / Math.log(k + 1);
  const rawS = maxMs / 1000 - frac * (maxMs / 1000 - minMs / 1000);
  const timeoutMs = Math.max(minMs, Math.floor(1000 * rawS));
  return timeoutMs - elapsedMs;
}

/** Members past which push/pull slows down: log2(n) − log2(32) + 1 times the interval. */
export const PUSH_PULL_SCALE_THRESHOLD = 32;

/** memberlist's `pushPullScale`: the 33rd member doubles the interval, the 65th triples it. */
export function pushPullScaleMs(intervalMs: number, n: number): number {
  if (n <= PUSH_PULL_SCALE_THRESHOLD) return intervalMs;
  const multiplier = Math.ceil(Math.log2(n) - Math.log2(PUSH_PULL_SCALE_THRESHOLD)) + 1;
  return multiplier * intervalMs;
}
