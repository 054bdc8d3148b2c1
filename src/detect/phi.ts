/**
 * φ, the suspicion level of the accrual failure detector (Hayashibara et al.
 * 2004), computed exactly as Akka's PhiAccrualFailureDetector does:
 *
 *   φ = −log10(1 − F(timeDiff)), F the CDF of N(mean, stdDev), via the
 *   logistic approximation (error 0.00014 at ±3.16σ):
 *   y = (timeDiff − mean) / stdDev
 *   e = exp(−y · (1.5976 + 0.070566 · y²))
 *   φ = timeDiff > mean ? −log10(e / (1 + e)) : −log10(1 − 1 / (1 + e))
 *
 * Both branches are the same function; each is the numerically safe form on
 * its side (for very negative y, e overflows and e/(1+e) would be NaN).
 * φ = 1 means a 10 % chance the peer is alive and merely late, φ = 8 one in
 * 10⁸. Past y ≈ 21 the exponential underflows and φ is +Infinity.
 */

const A = 1.5976;
const B = 0.070566;

/** φ for a silence of `timeDiffMs` given the inter-arrival mean and standard deviation. */
export function phi(timeDiffMs: number, meanMs: number, stdDevMs: number): number {
  const y = (timeDiffMs - meanMs) / stdDevMs;
  const e = Math.exp(-y * (A + B * y * y));
  if (timeDiffMs > meanMs) return -Math.log10(e / (1 + e));
  // `+ 0` turns −0 (from log10(1)) into 0.
  return -Math.log10(1 - 1 / (1 + e)) + 0;
}

/**
 * The y at which φ reaches `level` (> 0): inverts φ(y) = log10(1 + exp(a)),
 * a = y(1.5976 + 0.070566y²), by solving the depressed cubic
 * 0.070566y³ + 1.5976y − a = 0 (Cardano: one real root, since both
 * coefficients are positive) and polishing with Newton steps.
 */
export function yForPhi(level: number): number {
  // 10^level − 1 = exp(a)  ⇒  a = ln(10^level − 1); for large levels use level·ln10 + log1p(−10^−level).
  const a = level > 15 ? level * Math.LN10 + Math.log1p(-(10 ** -level)) : Math.log(Math.expm1(level * Math.LN10));
  const p = A / B;
  const q = -a / B;
  const root = Math.sqrt((q * q) / 4 + (p * p * p) / 27);
  let y = Math.cbrt(-q / 2 + root) + Math.cbrt(-q / 2 - root);
  for (let i = 0; i < 3; i++) {
    const f = B * y * y * y + A * y - a;
    const df = 3 * B * y * y + A;
    y -= f / df;
  }
  return y;
}

/**
 * The earliest silence (ms since the last heartbeat) at which φ ≥ `level`,
 * for the given statistics: the closed form, made exact to floating point.
 */
export function timeDiffForPhi(level: number, meanMs: number, stdDevMs: number): number {
  return earliestReaching((t) => phi(t, meanMs, stdDevMs), level, meanMs + yForPhi(level) * stdDevMs);
}

/**
 * For a non-decreasing `f` and an estimate `t0` of where it reaches `level`:
 * a t with f(t) ≥ level and f(t − ulp-ish step) < level. Closed forms land a
 * few ulps off after rounding; this walks the last few ulps.
 */
export function earliestReaching(f: (t: number) => number, level: number, t0: number): number {
  if (!Number.isFinite(t0)) return t0;
  let t = t0;
  const ulp = (x: number): number => Math.max(Math.abs(x) * Number.EPSILON, Number.MIN_VALUE);
  for (let step = ulp(t), i = 0; f(t) < level; step *= 2, i++) {
    if (i > 1100) throw new Error(`earliestReaching: f never reaches ${level} above ${t0}`);
    t += step;
  }
  for (let i = 0; i < 64 && f(t - ulp(t)) >= level; i++) t -= ulp(t);
  return t;
}
