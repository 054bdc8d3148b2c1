/**
 * The φ accrual failure detector (Hayashibara, Défago, Yared, Katayama,
 * "The φ Accrual Failure Detector", 2004) with Akka's choices
 * (`akka.remote.PhiAccrualFailureDetector`):
 *
 * - a sliding window of the last `maxSampleSize` inter-arrival times with
 *   running sums (O(1) per heartbeat);
 * - the window is bootstrapped at the first heartbeat with two synthetic
 *   intervals, estimate ∓ estimate/4 (mean = estimate, σ = estimate/4), so a
 *   peer that sends exactly one heartbeat still becomes suspect;
 * - φ uses mean + `acceptableHeartbeatPauseMs` and max(σ, `minStdDeviationMs`);
 * - a heartbeat arriving while φ ≥ threshold is not added to the window (the
 *   gap after a failure would skew the statistics), but resets the timer;
 * - before the first heartbeat φ = 0 and the peer counts as available.
 *
 * Sans-I/O: every method takes the caller's monotonic time in ms.
 */
import type { FailureDetector } from './failure-detector.js';
import { HeartbeatHistory } from './heartbeat-history.js';
import { earliestReaching, phi, timeDiffForPhi } from './phi.js';
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

export class PhiAccrualDetector implements FailureDetector {
  readonly threshold: number;
  readonly maxSampleSize: number;
  readonly minStdDeviationMs: number;
  readonly acceptableHeartbeatPauseMs: number;
  readonly firstHeartbeatEstimateMs: number;
  readonly #history: HeartbeatHistory;
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
    finiteTime(API, nowMs);
    const lastMs = this.#lastHeartbeatMs;
    if (lastMs !== lastMs) {
      this.#bootstrap();
    } else {
      if (nowMs < lastMs) {
        throw new RangeError(`${API}: invariant nowMs ≥ last heartbeat broken (${nowMs} < ${lastMs}); time must come from a monotonic clock`);
      }
      // Akka: the first heartbeat after a failure does not enter the history.
      if (this.isAvailable(nowMs)) {
        this.#history.add(nowMs - lastMs);
        this.#refreshStatistics();
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

  isAvailable(nowMs: number): boolean {
    return this.phi(nowMs) < this.threshold;
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

  #bootstrap(): void {
    // Akka: mean = estimate, σ = estimate / 4, as two intervals mean − σ and mean + σ.
    const meanMs = this.firstHeartbeatEstimateMs;
    const stdDeviationMs = meanMs / 4;
    this.#history.clear();
    this.#history.add(meanMs - stdDeviationMs);
    this.#history.add(meanMs + stdDeviationMs);
    this.#refreshStatistics();
  }

  #refreshStatistics(): void {
    this.#meanMs = this.#history.mean + this.acceptableHeartbeatPauseMs;
    this.#stdDeviationMs = Math.max(this.#history.stdDeviation, this.minStdDeviationMs);
  }
}
