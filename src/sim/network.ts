import type { Rng } from '../core/random/rng.js';
import { SimulationError } from './errors.js';

/**
 * Link behaviour for every message between two different nodes (a node's
 * messages to itself use the loopback: no loss, no delay, no partition).
 * All fields are validated by `validateNetwork`; see docs/SIMULATOR.md.
 */
export interface NetworkOptions {
  /** Probability a message is lost. @defaultValue 0 */
  lossProbability: number;
  /** Probability a message is delivered twice (the copy gets its own delay). @defaultValue 0 */
  duplicateProbability: number;
  /**
   * Probability a message ignores per-link FIFO order and may overtake
   * earlier ones. With 0 every link is FIFO, like TCP. @defaultValue 0
   */
  reorderProbability: number;
  /** Latency floor. @defaultValue 1 */
  latencyMsMin: number;
  /** Median of the log-normal body (≥ min). @defaultValue 1 */
  latencyMsMedian: number;
  /** Log-normal shape σ of the body above the floor; 0 = constant median. @defaultValue 0 */
  latencySigma: number;
  /** Probability a message's latency comes from the Pareto tail instead. @defaultValue 0 */
  latencyTailProbability: number;
  /** Pareto shape α of the tail (scale = the median); smaller is heavier. @defaultValue 1.5 */
  latencyTailAlpha: number;
  /** Cap on any latency (≥ median). @defaultValue 1 */
  latencyMsMax: number;
}

export const DEFAULT_NETWORK: Readonly<NetworkOptions> = Object.freeze({
  lossProbability: 0,
  duplicateProbability: 0,
  reorderProbability: 0,
  latencyMsMin: 1,
  latencyMsMedian: 1,
  latencySigma: 0,
  latencyTailProbability: 0,
  latencyTailAlpha: 1.5,
  latencyMsMax: 1,
});

/** Merge `partial` over `base` and check every field, naming the API in errors. */
export function validateNetwork(api: string, base: Readonly<NetworkOptions>, partial: Partial<NetworkOptions> = {}): NetworkOptions {
  const n: NetworkOptions = { ...base };
  for (const key of Object.keys(partial) as Array<keyof NetworkOptions>) {
    if (!(key in DEFAULT_NETWORK)) throw invalid(api, `unknown network option "${key}"`);
    const v = partial[key];
    if (v !== undefined) n[key] = v;
  }
  for (const key of ['lossProbability', 'duplicateProbability', 'reorderProbability', 'latencyTailProbability'] as const) {
    if (!(n[key] >= 0 && n[key] <= 1)) throw invalid(api, `${key} must be in [0, 1], got ${n[key]}`);
  }
  if (!(n.lossProbability < 1)) throw invalid(api, 'lossProbability must be < 1 (use a partition to cut a link)');
  if (!(n.latencyMsMin >= 0 && Number.isFinite(n.latencyMsMin))) throw invalid(api, `latencyMsMin must be ≥ 0, got ${n.latencyMsMin}`);
  if (!(n.latencyMsMedian >= n.latencyMsMin)) {
    throw invalid(api, `latencyMsMedian (${n.latencyMsMedian}) must be ≥ latencyMsMin (${n.latencyMsMin})`);
  }
  if (!(n.latencyMsMax >= n.latencyMsMedian && Number.isFinite(n.latencyMsMax))) {
    throw invalid(api, `latencyMsMax (${n.latencyMsMax}) must be ≥ latencyMsMedian (${n.latencyMsMedian})`);
  }
  if (!(n.latencySigma >= 0 && n.latencySigma <= 5)) throw invalid(api, `latencySigma must be in [0, 5], got ${n.latencySigma}`);
  if (!(n.latencyTailAlpha > 0 && Number.isFinite(n.latencyTailAlpha))) {
    throw invalid(api, `latencyTailAlpha must be > 0, got ${n.latencyTailAlpha}`);
  }
  return n;
}

function invalid(api: string, message: string): SimulationError {
  return new SimulationError('invalid-option', `${api}: ${message}`);
}

/**
 * Draws one message latency in integer µs: a floor plus a log-normal body
 * (median `latencyMsMedian`), or with `latencyTailProbability` a Pareto tail
 * starting at the median; capped at `latencyMsMax`. Precomputed per options
 * so the hot path is a few multiplications.
 */
export class LatencySampler {
  readonly #constantUs: number;
  readonly #minMs: number;
  readonly #bodyMs: number;
  readonly #sigma: number;
  readonly #tailP: number;
  readonly #invAlpha: number;
  readonly #medianMs: number;
  readonly #maxMs: number;

  constructor(n: Readonly<NetworkOptions>) {
    this.#minMs = n.latencyMsMin;
    this.#medianMs = n.latencyMsMedian;
    this.#bodyMs = n.latencyMsMedian - n.latencyMsMin;
    this.#sigma = n.latencySigma;
    this.#tailP = n.latencyTailProbability;
    this.#invAlpha = 1 / n.latencyTailAlpha;
    this.#maxMs = n.latencyMsMax;
    const constant = (n.latencySigma === 0 || this.#bodyMs === 0) && n.latencyTailProbability === 0;
    this.#constantUs = constant ? Math.round(Math.min(n.latencyMsMedian, n.latencyMsMax) * 1000) : -1;
  }

  /** Latency in µs; draws from `rng` only when the latency is not constant. */
  sampleUs(rng: Rng): number {
    if (this.#constantUs >= 0) return this.#constantUs;
    let ms: number;
    if (this.#tailP > 0 && rng.next() < this.#tailP) {
      ms = this.#medianMs * Math.pow(1 - rng.next(), -this.#invAlpha);
    } else if (this.#sigma === 0 || this.#bodyMs === 0) {
      ms = this.#medianMs;
    } else {
      // Box–Muller: one standard normal from two uniforms.
      const u1 = 1 - rng.next();
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rng.next());
      ms = this.#minMs + this.#bodyMs * Math.exp(this.#sigma * z);
    }
    if (ms > this.#maxMs) ms = this.#maxMs;
    return Math.round(ms * 1000);
  }
}

/** The network after a heal: no loss, duplication, reordering or tail; latency capped near the median. */
export function quietNetwork(n: Readonly<NetworkOptions>): NetworkOptions {
  return {
    ...n,
    lossProbability: 0,
    duplicateProbability: 0,
    reorderProbability: 0,
    latencyTailProbability: 0,
    latencyMsMax: Math.min(n.latencyMsMax, Math.max(n.latencyMsMedian * 4, n.latencyMsMin)),
  };
}
