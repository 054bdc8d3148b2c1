/**
 * The client's view of a lease, built so it always runs out BEFORE the
 * server's can. Sans-I/O: pass the client's monotonic time in.
 *
 * Why it is safe: the server measures a lease's TTL from when its leader
 * APPLIED the grant or keep-alive, which is after the client SENT the
 * request; the client measures from the send. Clocks may run at different
 * rates: with every clock's rate error at most ρ = maxDriftPpm / 10^6, a TTL
 * the server measures lasts at least ttl / (1 + ρ) real time and a span the
 * client measures as d lasts at most d / (1 − ρ). So the client keeps the
 * lease for
 *
 *     validMs = floor(ttlMs × (1 − ρ) / (1 + ρ)) − safetyMarginMs
 *
 * after the send, which ends no later in real time than the earliest moment
 * the server may expire it. The margin absorbs what the math does not: the
 * gap between checking `isValid` and acting on it. A process that can pause
 * (GC, VM migration) between the check and the write still needs fencing
 * tokens — no timer can fix that.
 *
 * Retries: if a keep-alive was sent more than once, pass the FIRST attempt's
 * send time. A session-deduplicated retry returns the first attempt's
 * result, and that attempt may have applied long before the retry was sent.
 */
import { ServiceConfigError } from './errors.js';

export interface ClientLeaseTimerOptions {
  /**
   * Largest rate error of any clock involved (client or any server), parts
   * per million. Quartz is typically within 100 ppm; 500 leaves room.
   * @defaultValue 500
   */
  readonly maxDriftPpm?: number;
  /** Subtracted from every validity window. @defaultValue 50 */
  readonly safetyMarginMs?: number;
  /** Fraction of the validity window after which to send the next keep-alive. @defaultValue 1/3 */
  readonly keepAliveFraction?: number;
}

type TimerState =
  | { readonly kind: 'none' }
  | { readonly kind: 'held'; readonly sentAtMs: number; readonly validMs: number; readonly expiresAtMs: number }
  | { readonly kind: 'lost' };

const API = 'ClientLeaseTimer';
const PPM = 1_000_000;

export class ClientLeaseTimer {
  readonly maxDriftPpm: number;
  readonly safetyMarginMs: number;
  readonly keepAliveFraction: number;
  #state: TimerState = { kind: 'none' };

  constructor(options: ClientLeaseTimerOptions = {}) {
    this.maxDriftPpm = options.maxDriftPpm ?? 500;
    this.safetyMarginMs = options.safetyMarginMs ?? 50;
    this.keepAliveFraction = options.keepAliveFraction ?? 1 / 3;
    if (!(Number.isFinite(this.maxDriftPpm) && this.maxDriftPpm >= 0 && this.maxDriftPpm < PPM)) {
      throw new ServiceConfigError(`${API}: maxDriftPpm must be in [0, 1000000), got ${this.maxDriftPpm}`);
    }
    if (!(Number.isFinite(this.safetyMarginMs) && this.safetyMarginMs >= 0)) {
      throw new ServiceConfigError(`${API}: safetyMarginMs must be ≥ 0, got ${this.safetyMarginMs}`);
    }
    if (!(this.keepAliveFraction > 0 && this.keepAliveFraction < 1)) {
      throw new ServiceConfigError(`${API}: keepAliveFraction must be in (0, 1), got ${this.keepAliveFraction}`);
    }
  }

  /** How long after the send a lease with `ttlMs` may be trusted (≤ 0: never; see class doc). */
  validForMs(ttlMs: number): number {
    return Math.floor((ttlMs * (PPM - this.maxDriftPpm)) / (PPM + this.maxDriftPpm)) - this.safetyMarginMs;
  }

  /**
   * A grant or keep-alive succeeded; `sentAtMs` is when (the first attempt
   * of) that request was sent. Out-of-order responses are fine: the later
   * expiry wins. Ignored once the lease is lost.
   * @throws RangeError when the TTL is too short for the drift and margin
   */
  confirmed(sentAtMs: number, ttlMs: number): void {
    if (!Number.isFinite(sentAtMs)) throw new RangeError(`${API}.confirmed: sentAtMs must be finite, got ${sentAtMs}`);
    const validMs = this.validForMs(ttlMs);
    if (!(validMs > 0)) {
      throw new RangeError(
        `${API}.confirmed: ttlMs ${ttlMs} leaves no validity after drift (${this.maxDriftPpm} ppm) and safetyMarginMs (${this.safetyMarginMs})`,
      );
    }
    const s = this.#state;
    if (s.kind === 'lost') return;
    const expiresAtMs = sentAtMs + validMs;
    if (s.kind === 'held' && s.expiresAtMs >= expiresAtMs) return;
    this.#state = { kind: 'held', sentAtMs, validMs, expiresAtMs };
  }

  /** The server said the lease is gone (lease_not_found) or the client revoked it. Final. */
  lost(): void {
    this.#state = { kind: 'lost' };
  }

  get isLost(): boolean {
    return this.#state.kind === 'lost';
  }

  /** Client-clock time after which the lease must be treated as gone (undefined if never confirmed or lost). */
  get expiresAtMs(): number | undefined {
    return this.#state.kind === 'held' ? this.#state.expiresAtMs : undefined;
  }

  isValid(nowMs: number): boolean {
    return this.#state.kind === 'held' && nowMs < this.#state.expiresAtMs;
  }

  remainingMs(nowMs: number): number {
    return this.#state.kind === 'held' ? Math.max(0, this.#state.expiresAtMs - nowMs) : 0;
  }

  /** When to send the next keep-alive: a fraction of the validity window after the last confirmed send. */
  keepAliveAtMs(): number | undefined {
    const s = this.#state;
    return s.kind === 'held' ? s.sentAtMs + Math.floor(s.validMs * this.keepAliveFraction) : undefined;
  }
}
