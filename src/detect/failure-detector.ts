/**
 * What the HeartbeatMonitor needs from a per-peer failure detector. Time is
 * always passed in (monotonic ms), so detectors run under the simulator.
 */
export interface FailureDetector {
  /** Suspicion level at or above which the peer is unavailable (φ threshold for phi accrual). */
  readonly threshold: number;
  /** True once a heartbeat has been recorded. */
  readonly isMonitoring: boolean;
  /** Record a heartbeat received at `nowMs` (non-decreasing across calls). */
  heartbeat(nowMs: number): void;
  /** suspicion(nowMs) < threshold. */
  isAvailable(nowMs: number): boolean;
  /** Suspicion level at `nowMs`: non-decreasing in `nowMs` between heartbeats; 0 before the first. */
  suspicion(nowMs: number): number;
  /**
   * The earliest time at which suspicion reaches `level` if no heartbeat
   * arrives, so a caller can set one timer instead of polling. Undefined
   * before the first heartbeat (never suspected then).
   */
  suspicionReachedAtMs(level: number): number | undefined;
}
