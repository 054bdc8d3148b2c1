/**
 * One node's two clocks over virtual time, in µs.
 *
 *   mono(t) = monoAtAnchor + (t - anchor) × rate        rate = 1 + driftPpm / 1e6
 *   wall(t) = mono(t) + wallOffset
 *
 * Drift applies to both clocks (one oscillator). Offsets and steps (an NTP
 * correction) move only the wall clock, forwards or backwards; the monotonic
 * clock is never stepped and, because rate > 0, never decreases. A process
 * pause does not stop either clock: the node sees the time jump when it
 * resumes. Changing the drift re-anchors, so the clock stays continuous.
 */
export const MAX_DRIFT_PPM = 100_000;

export class NodeClock {
  #anchorUs: number;
  #monoAtAnchorUs: number;
  #rate = 1;
  #driftPpm = 0;
  #wallOffsetUs: number;

  /**
   * @param nowUs virtual time now
   * @param monoOriginUs the monotonic reading now (an arbitrary origin, e.g. uptime)
   * @param wallNowUs the wall reading now
   */
  constructor(nowUs: number, monoOriginUs: number, wallNowUs: number) {
    this.#anchorUs = nowUs;
    this.#monoAtAnchorUs = monoOriginUs;
    this.#wallOffsetUs = wallNowUs - monoOriginUs;
  }

  get driftPpm(): number {
    return this.#driftPpm;
  }

  /** Monotonic clock rate relative to true time. */
  get rate(): number {
    return this.#rate;
  }

  monoUs(nowUs: number): number {
    return this.#monoAtAnchorUs + (nowUs - this.#anchorUs) * this.#rate;
  }

  wallUs(nowUs: number): number {
    return this.monoUs(nowUs) + this.#wallOffsetUs;
  }

  setDriftPpm(nowUs: number, driftPpm: number): void {
    if (!Number.isFinite(driftPpm) || Math.abs(driftPpm) > MAX_DRIFT_PPM) {
      throw new RangeError(`Simulation.setClockDrift: driftPpm must be within ±${MAX_DRIFT_PPM}, got ${driftPpm}`);
    }
    this.#monoAtAnchorUs = this.monoUs(nowUs);
    this.#anchorUs = nowUs;
    this.#driftPpm = driftPpm;
    this.#rate = 1 + driftPpm / 1e6;
  }

  /** Step the wall clock by `deltaUs` (negative = backwards). The monotonic clock is untouched. */
  stepWall(deltaUs: number): void {
    if (!Number.isFinite(deltaUs)) throw new RangeError(`Simulation.stepClock: deltaMs must be finite, got ${deltaUs / 1000}`);
    this.#wallOffsetUs += deltaUs;
  }

  /** Set the wall clock so that it reads `wallUs` now. */
  setWall(nowUs: number, wallUs: number): void {
    this.#wallOffsetUs = wallUs - this.monoUs(nowUs);
  }

  /** Virtual µs until this clock's monotonic reading advances by `monoDelayUs` (rounded up). */
  virtualDelayUs(monoDelayUs: number): number {
    return Math.ceil(monoDelayUs / this.#rate);
  }
}
