/**
 * Request timeouts that follow the observed round-trip time.
 *
 * `mode: 'rfc6298'` (default) is TCP's retransmission timer, RFC 6298 §2:
 *   first sample R:   SRTT = R, RTTVAR = R/2
 *   later samples R': RTTVAR = (1−β)·RTTVAR + β·|SRTT − R'|   (with the OLD SRTT)
 *                     SRTT   = (1−α)·SRTT + α·R'
 *   RTO = SRTT + max(G, K·RTTVAR),  K = 4, α = 1/8, β = 1/4, G = clock granularity
 * `mode: 'percentile'`: timeout = multiplier × the observed percentile (p99
 * by default) of the last `windowSize` samples (nearest rank, exact).
 *
 * Both modes: before any usable estimate the timeout is `initialTimeoutMs`
 * (RFC: 1 s); it is clamped to [minTimeoutMs, maxTimeoutMs]; `onTimeout()`
 * doubles it (§5.5, exponential backoff) up to the max, and the next valid
 * sample recomputes it; Karn's rule (§3): a sample from a retransmitted
 * request is ignored — the reply may answer either transmission, so its RTT
 * is ambiguous — and the backed-off value is kept until an unambiguous sample.
 *
 * Sans-I/O: the caller measures RTTs on its monotonic clock and passes them in.
 */
import { SortedWindow } from './sorted-window.js';
import { integerAtLeast, invalid, positive } from './validate.js';

export const RFC6298_ALPHA = 1 / 8;
export const RFC6298_BETA = 1 / 4;
export const RFC6298_K = 4;

interface TimeoutBounds {
  /** Timeout before any usable sample, ms. @defaultValue 1000 (RFC 6298 §2.1) */
  readonly initialTimeoutMs?: number;
  /**
   * Lower clamp, ms. RFC 6298 says 1 s for TCP; for RPC inside a cluster that
   * is far too slow, so the default is Linux TCP's RTO_min. @defaultValue 200
   */
  readonly minTimeoutMs?: number;
  /** Upper clamp, also caps backoff, ms. @defaultValue 60_000 (RFC 6298 §2.5's floor for a maximum) */
  readonly maxTimeoutMs?: number;
}

export interface Rfc6298TimeoutOptions extends TimeoutBounds {
  readonly mode?: 'rfc6298';
  /** G: the clock granularity, ms. @defaultValue 1 */
  readonly clockGranularityMs?: number;
}

export interface PercentileTimeoutOptions extends TimeoutBounds {
  readonly mode: 'percentile';
  /** In (0, 1]. @defaultValue 0.99 */
  readonly percentile?: number;
  /** Timeout = multiplier × percentile. @defaultValue 2 */
  readonly multiplier?: number;
  /** Samples kept. @defaultValue 1000 */
  readonly windowSize?: number;
  /** Samples needed before the percentile replaces initialTimeoutMs. @defaultValue 20 */
  readonly minSamples?: number;
}

export type AdaptiveTimeoutOptions = Rfc6298TimeoutOptions | PercentileTimeoutOptions;

export type AdaptiveTimeoutStats =
  | { readonly mode: 'rfc6298'; readonly srttMs: number | undefined; readonly rttvarMs: number | undefined; readonly samples: number }
  | { readonly mode: 'percentile'; readonly percentileMs: number | undefined; readonly samples: number };

export interface SampleOptions {
  /** The request was sent more than once: its RTT is ambiguous and is ignored (Karn). */
  readonly retransmitted?: boolean;
}

interface Estimator {
  add(rttMs: number): void;
  /** Unclamped timeout, or undefined before a usable estimate. */
  timeoutMs(): number | undefined;
  stats(samples: number): AdaptiveTimeoutStats;
  clear(): void;
}

class Rfc6298Estimator implements Estimator {
  #srttMs: number | undefined;
  #rttvarMs = 0;
  constructor(readonly clockGranularityMs: number) {}

  add(rttMs: number): void {
    if (this.#srttMs === undefined) {
      this.#srttMs = rttMs;
      this.#rttvarMs = rttMs / 2;
      return;
    }
    // §2.3: RTTVAR first, using the SRTT from before this sample.
    this.#rttvarMs = (1 - RFC6298_BETA) * this.#rttvarMs + RFC6298_BETA * Math.abs(this.#srttMs - rttMs);
    this.#srttMs = (1 - RFC6298_ALPHA) * this.#srttMs + RFC6298_ALPHA * rttMs;
  }

  timeoutMs(): number | undefined {
    if (this.#srttMs === undefined) return undefined;
    return this.#srttMs + Math.max(this.clockGranularityMs, RFC6298_K * this.#rttvarMs);
  }

  stats(samples: number): AdaptiveTimeoutStats {
    const srttMs = this.#srttMs;
    return { mode: 'rfc6298', srttMs, rttvarMs: srttMs === undefined ? undefined : this.#rttvarMs, samples };
  }

  clear(): void {
    this.#srttMs = undefined;
    this.#rttvarMs = 0;
  }
}

class PercentileEstimator implements Estimator {
  readonly #window: SortedWindow;
  constructor(
    readonly percentile: number,
    readonly multiplier: number,
    windowSize: number,
    readonly minSamples: number,
  ) {
    this.#window = new SortedWindow(windowSize);
  }

  add(rttMs: number): void {
    this.#window.add(rttMs);
  }

  timeoutMs(): number | undefined {
    if (this.#window.size < this.minSamples) return undefined;
    return this.multiplier * this.#window.percentile(this.percentile);
  }

  stats(samples: number): AdaptiveTimeoutStats {
    const percentileMs = this.#window.size === 0 ? undefined : this.#window.percentile(this.percentile);
    return { mode: 'percentile', percentileMs, samples };
  }

  clear(): void {
    this.#window.clear();
  }
}

const API = 'AdaptiveTimeout';

export class AdaptiveTimeout {
  readonly mode: 'rfc6298' | 'percentile';
  readonly initialTimeoutMs: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
  readonly #estimator: Estimator;
  /** 2^(timeouts since the last valid sample), capped once the max is reached. */
  #backoffFactor = 1;
  #consecutiveTimeouts = 0;
  #samples = 0;
  #ignoredSamples = 0;

  constructor(options: AdaptiveTimeoutOptions = {}) {
    this.initialTimeoutMs = positive(API, 'initialTimeoutMs', options.initialTimeoutMs ?? 1000);
    this.minTimeoutMs = positive(API, 'minTimeoutMs', options.minTimeoutMs ?? 200);
    this.maxTimeoutMs = positive(API, 'maxTimeoutMs', options.maxTimeoutMs ?? 60_000);
    if (this.maxTimeoutMs < this.minTimeoutMs) {
      throw invalid(API, `maxTimeoutMs (${this.maxTimeoutMs}) must be ≥ minTimeoutMs (${this.minTimeoutMs})`);
    }
    if (options.mode === 'percentile') {
      const percentile = options.percentile ?? 0.99;
      if (!(percentile > 0 && percentile <= 1)) throw invalid(API, `percentile must be in (0, 1], got ${percentile}`);
      const windowSize = integerAtLeast(API, 'windowSize', options.windowSize ?? 1000, 1);
      if (windowSize > 1_000_000) throw invalid(API, `windowSize must be ≤ 1000000, got ${windowSize}`);
      const minSamples = integerAtLeast(API, 'minSamples', options.minSamples ?? Math.min(20, windowSize), 1);
      if (minSamples > windowSize) throw invalid(API, `minSamples (${minSamples}) must be ≤ windowSize (${windowSize})`);
      this.mode = 'percentile';
      this.#estimator = new PercentileEstimator(percentile, positive(API, 'multiplier', options.multiplier ?? 2), windowSize, minSamples);
    } else if (options.mode === undefined || options.mode === 'rfc6298') {
      this.mode = 'rfc6298';
      this.#estimator = new Rfc6298Estimator(positive(API, 'clockGranularityMs', options.clockGranularityMs ?? 1));
    } else {
      throw invalid(API, `mode must be 'rfc6298' or 'percentile', got ${String((options as { mode: unknown }).mode)}`);
    }
  }

  /**
   * Feed a measured round-trip time. Returns false when it was ignored
   * (Karn's rule: the request was retransmitted). A used sample cancels any
   * backoff.
   */
  sample(rttMs: number, options?: SampleOptions): boolean {
    if (!(rttMs >= 0 && Number.isFinite(rttMs))) throw invalid(API, `rttMs must be finite and ≥ 0, got ${rttMs}`);
    if (options?.retransmitted) {
      this.#ignoredSamples++;
      return false;
    }
    this.#estimator.add(rttMs);
    this.#samples++;
    this.#backoffFactor = 1;
    this.#consecutiveTimeouts = 0;
    return true;
  }

  /** A request timed out: back off (double the timeout, up to maxTimeoutMs) until the next valid sample. */
  onTimeout(): void {
    this.#consecutiveTimeouts++;
    if (this.#clampedBaseMs() * this.#backoffFactor < this.maxTimeoutMs) this.#backoffFactor *= 2;
  }

  /** The timeout to use for the next request, ms. */
  timeoutMs(): number {
    return Math.min(this.maxTimeoutMs, this.#clampedBaseMs() * this.#backoffFactor);
  }

  /** Timeouts since the last valid sample. */
  get consecutiveTimeouts(): number {
    return this.#consecutiveTimeouts;
  }

  /** Samples ignored under Karn's rule. */
  get ignoredSamples(): number {
    return this.#ignoredSamples;
  }

  get stats(): AdaptiveTimeoutStats {
    return this.#estimator.stats(this.#samples);
  }

  /** Forget every sample and any backoff. */
  reset(): void {
    this.#estimator.clear();
    this.#backoffFactor = 1;
    this.#consecutiveTimeouts = 0;
    this.#samples = 0;
  }

  #clampedBaseMs(): number {
    const base = this.#estimator.timeoutMs() ?? this.initialTimeoutMs;
    return Math.min(this.maxTimeoutMs, Math.max(this.minTimeoutMs, base));
  }
}
