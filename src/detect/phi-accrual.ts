/**
 * The φ accrual failure detector (Hayashibara, Défago, Yared, Katayama,
 * "The φ Accrual Failure Detector", 2004) with Akka's choices
 * (`akka.remote.PhiAccrualFailureDetector`):
 *
 * - a sliding window of the last `maxSampleSize` inter-arrival times with
 *   running sums (O(1) per heartbeat);
 * - the window is bootstrapped at the first heartbeat with two synthetic
 *   intervals, estimate ∓ σ₀ with σ₀ = estimate/4 (Akka's `mean / 4` on whole
 *   milliseconds, so ⌊estimate/4⌋ for an integer estimate), so a peer that
 *   sends exactly one heartbeat still becomes suspect;
 * - φ uses mean + `acceptableHeartbeatPauseMs` and max(σ, `minStdDeviationMs`);
 * - a heartbeat arriving while φ ≥ threshold is not added to the window (the
 *   gap after a failure would skew the statistics), but resets the timer;
 * - before the first heartbeat φ = 0 and the peer counts as available.
 *
 * Speed (every node feeds one detector per peer on every heartbeat): φ
 * depends on the silence only through y = (silence − mean)/σ and is
 * non-decreasing in y, so "φ < threshold" is "y < y*" with y* = yForPhi(threshold)
 * solved once in the constructor. `heartbeat` and `isAvailable` compare y
 * against a bracket [yBelow, yAbove] around y* and evaluate φ itself (two
 * transcendental calls) only inside it, so their answers are exactly those of
 * `phi(now) < threshold`, bit for bit, at a fraction of the cost.
 *
 * Sans-I/O: every method takes the caller's monotonic time in ms.
 */
import type { FailureDetector } from './failure-detector.js';
import { HeartbeatHistory } from './heartbeat-history.js';
import { earliestReaching, phi, timeDiffForPhi, yForPhi } from './phi.js';
import { finiteTime, integerAtLeast, invalid, nonNegative, positive } from './validate.js';

export interface PhiAccrualOptions {
  /** φ at or above which the peer is unavailable. @defaultValue 8 */
  readonly threshold?: number;
  /** Inter-arrival samples kept. @defaultValue 1000 */
  readonly maxSampleSize?: number;
  /** Floor on σ, ms: too small makes normal jitter look like failure. @defaultValue 100 */
  readonly minStdDeviationMs?: number;
  /** Extra silence tolerated on top of the mean (GC pauses, a lost beat or two), ms. @defaultValue 0 */
  readonly acceptableHeartbeatPauseMs?: number;
  /** Expected heartbeat interval, used to bootstrap the statistics, ms. @defaultValue 1000 */
  readonly firstHeartbeatEstimateMs?: number;
}

const API = 'PhiAccrualDetector';

/**
 * Half-width of the bracket around y* inside which φ is evaluated exactly.
 * φ's slope in y is ≥ 1.5976/ln 10 ≈ 0.69, so 1e-7 in y is ≥ 7e-8 in φ:
 * seven orders of magnitude above φ's floating-point error. The constructor
 * checks both ends anyway.
 */
const Y_MARGIN = 1e-7;

export class PhiAccrualDetector implements FailureDetector {
  readonly threshold: number;
  readonly maxSampleSize: number;
  readonly minStdDeviationMs: number;
  readonly acceptableHeartbeatPauseMs: number;
  readonly firstHeartbeatEstimateMs: number;
  readonly #history: HeartbeatHistory;
  /** y below which φ < threshold for certain (−Infinity: always evaluate φ). */
  readonly #yBelow: number;
  /** y above which φ ≥ threshold for certain (+Infinity: always evaluate φ). */
  readonly #yAbove: number;
  /** NaN until the first heartbeat. */
  #lastHeartbeatMs = NaN;
  /** Cached from the history after each change: mean + acceptable pause, and clamped σ. */
  #meanMs = 0;
  #stdDeviationMs = 0;

  constructor(options: PhiAccrualOptions = {}) {
    this.threshold = positive(API, 'threshold', options.threshold ?? 8);
    this.maxSampleSize = integerAtLeast(API, 'maxSampleSize', options.maxSampleSize ?? 1000, 1);
    this.minStdDeviationMs = positive(API, 'minStdDeviationMs', options.minStdDeviationMs ?? 100);
    this.acceptableHeartbeatPauseMs = nonNegative(API, 'acceptableHeartbeatPauseMs', options.acceptableHeartbeatPauseMs ?? 0);
    this.firstHeartbeatEstimateMs = positive(API, 'firstHeartbeatEstimateMs', options.firstHeartbeatEstimateMs ?? 1000);
    this.#history = new HeartbeatHistory(this.maxSampleSize);
    // φ(y) is phi(y, 0, 1): the same floating-point function of y that phi(t, mean, σ) evaluates.
    const yStar = yForPhi(this.threshold);
    const below = yStar - Y_MARGIN * Math.max(1, Math.abs(yStar));
    const above = yStar + Y_MARGIN * Math.max(1, Math.abs(yStar));
    // Far thresholds (φ ≳ 300) meet exp's underflow; there the bracket is dropped and φ always evaluated.
    this.#yBelow = phi(below, 0, 1) < this.threshold ? below : -Infinity;
    this.#yAbove = phi(above, 0, 1) >= this.threshold ? above : Infinity;
  }

  get isMonitoring(): boolean {
    return this.#lastHeartbeatMs === this.#lastHeartbeatMs; // not NaN
  }

  /** When the last heartbeat was recorded (undefined before the first). */
  get lastHeartbeatMs(): number | undefined {
    return this.isMonitoring ? this.#lastHeartbeatMs : undefined;
  }

  /** Mean used by φ: window mean + acceptable pause, ms (0 before the first heartbeat). */
  get meanMs(): number {
    return this.#meanMs;
  }

  /** σ used by φ: max(window σ, minStdDeviationMs), ms (0 before the first heartbeat). */
  get stdDeviationMs(): number {
    return this.#stdDeviationMs;
  }

  /** Inter-arrival samples in the window (the two bootstrap ones included). */
  get sampleCount(): number {
    return this.#history.size;
  }

  heartbeat(nowMs: number): void {
    const lastMs = this.#lastHeartbeatMs;
    // For a number, nowMs − nowMs is 0 exactly when it is finite (NaN for NaN and ±Infinity).
    if (typeof nowMs !== 'number' || nowMs - nowMs !== 0) finiteTime(API, nowMs);
    if (lastMs !== lastMs) {
      this.#bootstrap();
    } else {
      const elapsedMs = nowMs - lastMs;
      if (elapsedMs < 0) {
        throw new RangeError(`${API}: invariant nowMs ≥ last heartbeat broken (${nowMs} < ${lastMs}); time must come from a monotonic clock`);
      }
      // Akka: the first heartbeat after a failure does not enter the history.
      if (this.#availableAfter(elapsedMs)) {
        const history = this.#history;
        history.add(elapsedMs);
        this.#meanMs = history.mean + this.acceptableHeartbeatPauseMs;
        const sd = history.stdDeviation;
        this.#stdDeviationMs = sd > this.minStdDeviationMs ? sd : this.minStdDeviationMs;
      }
    }
    this.#lastHeartbeatMs = nowMs;
  }

  /** Suspicion level at `nowMs`; 0 before the first heartbeat, +Infinity after a very long silence. */
  phi(nowMs: number): number {
    const lastMs = this.#lastHeartbeatMs;
    if (lastMs !== lastMs) return 0;
    return phi(nowMs - lastMs, this.#meanMs, this.#stdDeviationMs);
  }

  suspicion(nowMs: number): number {
    return this.phi(nowMs);
  }

  /** phi(nowMs) < threshold (computed without φ's logarithm away from the threshold). */
  isAvailable(nowMs: number): boolean {
    const lastMs = this.#lastHeartbeatMs;
    if (lastMs !== lastMs) return true; // φ = 0 < threshold
    return this.#availableAfter(nowMs - lastMs);
  }

  /** Earliest time φ reaches `level` without another heartbeat (undefined before the first). */
  suspicionReachedAtMs(level: number = this.threshold): number | undefined {
    if (!(level > 0)) throw invalid(API, `level must be > 0, got ${level}`);
    const lastMs = this.#lastHeartbeatMs;
    if (lastMs !== lastMs) return undefined;
    // Solve on the silence, then re-check on absolute time: lastMs + Δ rounds.
    return earliestReaching((t) => this.phi(t), level, lastMs + timeDiffForPhi(level, this.#meanMs, this.#stdDeviationMs));
  }

  /** Back to the state before the first heartbeat. */
  reset(): void {
    this.#history.clear();
    this.#lastHeartbeatMs = NaN;
    this.#meanMs = 0;
    this.#stdDeviationMs = 0;
  }

  /** phi(elapsedMs, mean, σ) < threshold, evaluating φ only near the threshold. */
  #availableAfter(elapsedMs: number): boolean {
    const meanMs = this.#meanMs;
    const sdMs = this.#stdDeviationMs;
    // Same expression as in phi(), so the same y, rounding included.
    const y = (elapsedMs - meanMs) / sdMs;
    if (y < this.#yBelow) return true;
    if (y > this.#yAbove) return false;
    return phi(elapsedMs, meanMs, sdMs) < this.threshold; // also NaN-safe: NaN < x is false
  }

  #bootstrap(): void {
    // Akka: mean = estimate, σ = estimate / 4 in Long (whole-ms) arithmetic, as two intervals mean − σ and mean + σ.
    const meanMs = this.firstHeartbeatEstimateMs;
    const stdDeviationMs = Number.isInteger(meanMs) ? Math.floor(meanMs / 4) : meanMs / 4;
    const history = this.#history;
    history.clear();
    history.add(meanMs - stdDeviationMs);
    history.add(meanMs + stdDeviationMs);
    this.#meanMs = history.mean + this.acceptableHeartbeatPauseMs;
    this.#stdDeviationMs = Math.max(history.stdDeviation, this.minStdDeviationMs);
  }
}
