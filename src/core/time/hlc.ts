/**
 * Hybrid logical clock: Kulkarni, Demirbas, Madeppa, Avva, Leone,
 * "Logical Physical Clocks and Consistent Snapshots in Globally Distributed
 * Databases" (OPODIS 2014), Figure 5, implemented rule for rule.
 *
 * A timestamp `(l, c)` stays within the clock offset of physical time
 * (`pt ≤ l ≤ pt + ε`), respects happened-before (`e → f ⇒ (l,c)_e < (l,c)_f`)
 * and fits 64 bits. `c` is bounded: it counts a chain of events that share `l`
 * (paper, Theorem 4 / Corollary 2), so it resets to 0 whenever physical time
 * overtakes `l`.
 */
import { ClockOffsetError, HlcOverflowError } from './errors.js';
import { assertHlcTimestamp, HLC_MAX_LOGICAL, HLC_MAX_WALL_MS } from './hlc-timestamp.js';
import type { HlcTimestamp } from './hlc-timestamp.js';

export interface HybridLogicalClockOptions {
  /**
   * This node's physical (wall) clock in ms since the Unix epoch; fractions
   * are floored. It may step backwards: the clock then keeps its last wall
   * value and counts up `logical`. Typically `() => env.wallNowMs()`.
   */
  now: () => number;
  /**
   * Largest tolerated amount by which a remote timestamp's `wallMs` may be
   * ahead of this node's physical clock, ms. Beyond it `receive` throws
   * ClockOffsetError and leaves the clock unchanged. Must be > 0;
   * `Infinity` disables the check (not recommended). CockroachDB's default
   * is 500 ms.
   */
  maxOffsetMs: number;
  /**
   * Resume from this timestamp (e.g. the last one persisted before a
   * restart): every later timestamp is greater. Default `{ wallMs: 0, logical: 0 }`.
   */
  initial?: HlcTimestamp;
}

export class HybridLogicalClock {
  readonly maxOffsetMs: number;
  // Plain fields (not #private): this is the hot path of every message.
  private readonly readPhysical: () => number;
  private wallMs: number;
  private logical: number;

  constructor(options: HybridLogicalClockOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('HybridLogicalClock: options { now, maxOffsetMs } are required');
    }
    const { now, maxOffsetMs, initial } = options;
    if (typeof now !== 'function') throw new TypeError('HybridLogicalClock: now must be a function returning ms');
    if (typeof maxOffsetMs !== 'number' || !(maxOffsetMs > 0)) {
      throw new RangeError(`HybridLogicalClock: maxOffsetMs must be > 0, got ${String(maxOffsetMs)}`);
    }
    const start = initial ?? { wallMs: 0, logical: 0 };
    assertHlcTimestamp(start, 'HybridLogicalClock: initial');
    this.readPhysical = now;
    this.maxOffsetMs = maxOffsetMs;
    this.wallMs = start.wallMs;
    this.logical = start.logical;
  }

  /** The last timestamp issued (or `initial`); reading it does not tick. */
  get last(): HlcTimestamp {
    return { wallMs: this.wallMs, logical: this.logical };
  }

  /**
   * Timestamp a local or send event (paper: "send or local event"):
   * `l := max(l, pt)`; `c := c + 1` if `l` did not change, else 0.
   * Throws HlcOverflowError (state unchanged) rather than wrap `c`.
   */
  now(): HlcTimestamp {
    const pt = this.physical();
    if (pt > this.wallMs) {
      this.wallMs = pt;
      this.logical = 0;
    } else {
      if (this.logical === HLC_MAX_LOGICAL) throw new HlcOverflowError(this.wallMs, HLC_MAX_LOGICAL, pt);
      this.logical++;
    }
    return { wallMs: this.wallMs, logical: this.logical };
  }

  /**
   * Timestamp the receipt of a message stamped `remote` (paper: "receive
   * event of message m"): `l := max(l, l_m, pt)`, and `c` from whichever of
   * the local and remote clocks supplied `l` (both: the larger `c`), plus
   * one; 0 if physical time is ahead of both.
   *
   * Throws ClockOffsetError when `remote.wallMs − pt > maxOffsetMs`, and
   * HlcOverflowError rather than wrap `c`; in both cases the clock's state is
   * unchanged. A malformed `remote` throws RangeError.
   */
  receive(remote: HlcTimestamp): HlcTimestamp {
    const lm = remote.wallMs;
    const cm = remote.logical;
    // Inline validation (integers in range); NaN fails every comparison.
    if (!(lm >= 0 && lm <= HLC_MAX_WALL_MS && lm % 1 === 0 && cm >= 0 && cm <= HLC_MAX_LOGICAL && cm % 1 === 0)) {
      assertHlcTimestamp(remote, 'HybridLogicalClock.receive: remote');
    }
    const pt = this.physical();
    if (lm - pt > this.maxOffsetMs) throw new ClockOffsetError(remote, pt, this.maxOffsetMs);
    const l0 = this.wallMs;
    const c0 = this.logical;
    let l = l0 > lm ? l0 : lm;
    if (pt > l) l = pt;
    let c: number;
    if (l === l0 && l === lm) c = (c0 > cm ? c0 : cm) + 1;
    else if (l === l0) c = c0 + 1;
    else if (l === lm) c = cm + 1;
    else c = 0;
    if (c > HLC_MAX_LOGICAL) throw new HlcOverflowError(l, HLC_MAX_LOGICAL, pt);
    this.wallMs = l;
    this.logical = c;
    return { wallMs: l, logical: c };
  }

  private physical(): number {
    const pt = Math.floor(this.readPhysical());
    if (!(pt >= 0 && pt <= HLC_MAX_WALL_MS)) {
      throw new RangeError(`HybridLogicalClock: now() must return ms in [0, 2^48), got ${pt}`);
    }
    return pt;
  }
}
