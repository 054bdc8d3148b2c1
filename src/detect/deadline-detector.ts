/**
 * The plain timeout detector (Akka's `DeadlineFailureDetector`): a peer is
 * available while less than `heartbeatIntervalMs + acceptableHeartbeatPauseMs`
 * has passed since its last heartbeat. Suspicion is the elapsed fraction of
 * that deadline (1 = unavailable). Useful as a baseline against φ accrual and
 * where heartbeat timing is too regular for statistics to add anything.
 */
import type { FailureDetector } from './failure-detector.js';
import { earliestReaching } from './phi.js';
import { finiteTime, invalid, nonNegative, positive } from './validate.js';

export interface DeadlineDetectorOptions {
  /** Expected heartbeat interval, ms. @defaultValue 1000 */
  readonly heartbeatIntervalMs?: number;
  /** Extra silence tolerated, ms. @defaultValue 3000 (Akka's cluster default) */
  readonly acceptableHeartbeatPauseMs?: number;
}

const API = 'DeadlineFailureDetector';

export class DeadlineFailureDetector implements FailureDetector {
  readonly threshold = 1;
  /** heartbeatIntervalMs + acceptableHeartbeatPauseMs. */
  readonly deadlineMs: number;
  #lastHeartbeatMs = NaN;

  constructor(options: DeadlineDetectorOptions = {}) {
    const intervalMs = positive(API, 'heartbeatIntervalMs', options.heartbeatIntervalMs ?? 1000);
    const pauseMs = nonNegative(API, 'acceptableHeartbeatPauseMs', options.acceptableHeartbeatPauseMs ?? 3000);
    this.deadlineMs = intervalMs + pauseMs;
  }

  get isMonitoring(): boolean {
    return this.#lastHeartbeatMs === this.#lastHeartbeatMs;
  }

  heartbeat(nowMs: number): void {
    finiteTime(API, nowMs);
    if (nowMs < this.#lastHeartbeatMs) {
      throw new RangeError(`${API}: invariant nowMs ≥ last heartbeat broken (${nowMs} < ${this.#lastHeartbeatMs})`);
    }
    this.#lastHeartbeatMs = nowMs;
  }

  suspicion(nowMs: number): number {
    if (!this.isMonitoring) return 0;
    return Math.max(0, (nowMs - this.#lastHeartbeatMs) / this.deadlineMs);
  }

  isAvailable(nowMs: number): boolean {
    return this.suspicion(nowMs) < this.threshold;
  }

  suspicionReachedAtMs(level: number = this.threshold): number | undefined {
    if (!(level > 0)) throw invalid(API, `level must be > 0, got ${level}`);
    if (!this.isMonitoring) return undefined;
    return earliestReaching((t) => this.suspicion(t), level, this.#lastHeartbeatMs + level * this.deadlineMs);
  }
}
