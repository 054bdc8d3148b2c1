/**
 * Heartbeat-silence detectors for the timeout-dilemma scenario: each answers
 * "when will I suspect the peer if no heartbeat arrives after the last one?"
 * and is told every arrival. A suspicion happens the moment that deadline
 * passes; whether it was false is known only later (a heartbeat arrives
 * after all, or the peer had really crashed).
 *
 * Thin adapters over the project's real detectors:
 * - a fixed timeout: silence ≥ T;
 * - `PhiAccrualDetector`: φ ≥ threshold, at `suspicionReachedAtMs()`;
 * - `AdaptiveTimeout` fed the inter-arrival gaps, so its timeout is a
 *   silence budget learnt from them (percentile mode: multiplier × p99).
 *   Every gap is a sample, the one that ended a false suspicion included:
 *   a gap is measured exactly from two arrivals, so it is never ambiguous
 *   the way the RTT of a retransmitted request is (Karn's rule does not
 *   apply), and the long gaps are precisely what the p99 must see. A
 *   percentile is not skewed by one huge gap the way φ's mean and σ are,
 *   which is why Akka's φ detector skips it and this one need not.
 */
import { AdaptiveTimeout, PhiAccrualDetector } from '../../detect/index.js';
import type { AdaptiveTimeoutOptions, PhiAccrualOptions } from '../../detect/index.js';

export type DetectorFamily = 'fixed' | 'phi' | 'adaptive';

export interface SilenceDetector {
  readonly label: string;
  readonly family: DetectorFamily;
  /** The knob a sweep turns: timeout ms, φ threshold, or multiplier. */
  readonly parameter: number;
  /** When this detector suspects the peer if nothing more arrives, ms (−Infinity before the first heartbeat). */
  suspectAtMs(): number;
  /** A heartbeat arrived at `nowMs` (non-decreasing). */
  heartbeat(nowMs: number): void;
}

export class FixedTimeout implements SilenceDetector {
  readonly family = 'fixed';
  #lastMs = -Infinity;

  constructor(
    readonly label: string,
    readonly timeoutMs: number,
  ) {
    if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) throw new RangeError(`FixedTimeout: timeoutMs must be finite and > 0, got ${timeoutMs}`);
  }

  get parameter(): number {
    return this.timeoutMs;
  }

  suspectAtMs(): number {
    return this.#lastMs + this.timeoutMs;
  }

  heartbeat(nowMs: number): void {
    this.#lastMs = nowMs;
  }
}

export class PhiSilence implements SilenceDetector {
  readonly family = 'phi';
  readonly detector: PhiAccrualDetector;

  constructor(
    readonly label: string,
    options: PhiAccrualOptions,
  ) {
    this.detector = new PhiAccrualDetector(options);
  }

  get parameter(): number {
    return this.detector.threshold;
  }

  suspectAtMs(): number {
    return this.detector.suspicionReachedAtMs() ?? -Infinity;
  }

  heartbeat(nowMs: number): void {
    this.detector.heartbeat(nowMs);
  }
}

export class AdaptiveSilence implements SilenceDetector {
  readonly family = 'adaptive';
  readonly timeout: AdaptiveTimeout;
  readonly parameter: number;
  #lastMs = -Infinity;

  constructor(
    readonly label: string,
    options: AdaptiveTimeoutOptions,
  ) {
    this.timeout = new AdaptiveTimeout(options);
    this.parameter = options.mode === 'percentile' ? (options.multiplier ?? 2) : 4; // RFC 6298's K
  }

  suspectAtMs(): number {
    return this.#lastMs + this.timeout.timeoutMs();
  }

  heartbeat(nowMs: number): void {
    if (this.#lastMs !== -Infinity) this.timeout.sample(nowMs - this.#lastMs);
    this.#lastMs = nowMs;
  }
}

/**
 * One detector watching the peer: its suspicions (at most one per silence),
 * split at the crash into false ones (the peer was alive) and the detection.
 */
export class SuspicionLog {
  /** Suspicion times while the peer was alive, ms (monitor's monotonic clock). */
  readonly falseAtMs: number[] = [];
  /** First suspicion at or after the crash, ms. */
  detectedAtMs: number | undefined;
  #crashAtMs = Infinity;
  /** Suspected since the last heartbeat. */
  #suspected = false;

  constructor(readonly detector: SilenceDetector) {}

  /** The peer crashed at `atMs` (monitor's clock): suspicions from here on are right. */
  crashAt(atMs: number): void {
    this.#crashAtMs = atMs;
  }

  /** A heartbeat arrived at `nowMs`: first settle a suspicion that fell in the silence before it. */
  heartbeat(nowMs: number): void {
    this.#settle(nowMs);
    this.#suspected = false;
    this.detector.heartbeat(nowMs);
  }

  /** The run ended at `nowMs` with no further heartbeat. */
  finish(nowMs: number): void {
    this.#settle(nowMs);
    // Falsely suspected just before the crash and never cleared: the crash found it suspected already.
    if (this.detectedAtMs === undefined && this.#suspected) this.detectedAtMs = this.#crashAtMs;
  }

  /** Crash → suspicion, ms (Infinity if never detected). */
  detectionMs(): number {
    return this.detectedAtMs === undefined ? Infinity : this.detectedAtMs - this.#crashAtMs;
  }

  #settle(nowMs: number): void {
    if (this.#suspected) return;
    const atMs = this.detector.suspectAtMs();
    // A heartbeat arriving exactly at the deadline is too late: φ ≥ threshold there already.
    if (atMs === -Infinity || !(atMs <= nowMs)) return;
    this.#suspected = true;
    if (atMs < this.#crashAtMs) this.falseAtMs.push(atMs);
    else if (this.detectedAtMs === undefined) this.detectedAtMs = atMs;
  }
}
