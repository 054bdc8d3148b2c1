/**
 * Interval clock in the style of Spanner's TrueTime (Corbett et al., OSDI
 * 2012): `now()` is not a single reading but an interval
 * `[earliestMs, latestMs]` guaranteed to contain true time, provided the
 * inputs are honest — the error at the last synchronisation and a bound on
 * the local oscillator's drift since.
 *
 *   estimate = pt + offsetMs
 *   errorMs  = syncErrorMs + |pt − syncedAtMs| × d / (1 − d),   d = driftPpm / 10^6
 *
 * (If the local clock runs at a rate within 1 ± d of true time, `e` local ms
 * are between e/(1+d) and e/(1−d) true ms, so the estimate is off by at most
 * e·d/(1−d): slightly more than driftPpm µs per second, and exactly safe.)
 *
 * With it, "is t certainly past?" has a safe answer (`after(t)`), and commit
 * wait is `commitWaitMs(t)`.
 */

/** One synchronisation result: at local reading `atMs`, true time was `atMs + offsetMs ± errorMs`. */
export interface ClockSyncSample {
  /** Local physical reading (the clock's `now()`) when the sample was taken, ms. */
  readonly atMs: number;
  /** Estimated true time minus local reading, ms. */
  readonly offsetMs: number;
  /** Half-width of the uncertainty at `atMs`, ms (≥ 0). */
  readonly errorMs: number;
}

/**
 * Where a clock-synchronisation monitor (NTP/PTP/Marzullo-style over peers)
 * publishes its latest estimate. Read on every `now()`; return `undefined`
 * until the first sample exists.
 */
export interface ClockSyncSource {
  latestSync(): ClockSyncSample | undefined;
}

/** `[earliestMs, latestMs]`: true time is within it (inclusive). */
export interface TimeInterval {
  readonly earliestMs: number;
  readonly latestMs: number;
}

export interface IntervalClockOptions {
  /**
   * Local physical clock, ms. It must not step (a monotonic clock, or a wall
   * clock that is only slewed): the drift bound says nothing about steps.
   * Map it to true time with `offsetMs`.
   */
  now: () => number;
  /** Uncertainty (half-width) at construction, ms; ≥ 0. Required: only you know it. */
  errorMs: number;
  /** True time minus `now()` at construction, ms. Default 0. */
  offsetMs?: number;
  /**
   * Bound on the local clock's rate error in parts per million: its rate is
   * within (1 ± driftPpm·10⁻⁶) of true time, so the error grows by about
   * `driftPpm` µs per second since the last sync. Default 200 (TrueTime's
   * assumption; typical quartz is well under 100). In [0, 100000].
   */
  driftPpm?: number;
  /**
   * Optional live source of sync samples (a clock-sync monitor). On each
   * reading the newest sample (largest `atMs`) of this source and of `sync()`
   * calls is used (see `sampleSelection`).
   */
  syncSource?: ClockSyncSource;
  /**
   * Which sample is in force when `sync()` and `syncSource` both have one:
   * `'newest'` (largest `atMs`) or `'tightest'` (smallest error at the
   * current reading — both bounds hold if their inputs are honest, so the
   * tighter one is as safe and more useful; use it with a `ClockSyncMonitor`
   * whose samples may predate the clock's construction). @defaultValue 'newest'
   */
  sampleSelection?: 'newest' | 'tightest';
}

const DEFAULT_DRIFT_PPM = 200;
/** 10%: a clock worse than that is broken, and the error growth rate d/(1−d) must stay well below 1. */
const MAX_DRIFT_PPM = 100_000;

export class IntervalClock {
  readonly driftPpm: number;
  private readonly readPhysical: () => number;
  private readonly source: ClockSyncSource | undefined;
  private readonly tightest: boolean;
  private readonly driftPerMs: number;
  private lastSync: ClockSyncSample;

  constructor(options: IntervalClockOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError('IntervalClock: options { now, errorMs } are required');
    }
    const { now, errorMs, offsetMs = 0, driftPpm = DEFAULT_DRIFT_PPM, syncSource, sampleSelection = 'newest' } = options;
    if (typeof now !== 'function') throw new TypeError('IntervalClock: now must be a function returning ms');
    if (typeof driftPpm !== 'number' || !(driftPpm >= 0 && driftPpm <= MAX_DRIFT_PPM)) {
      throw new RangeError(`IntervalClock: driftPpm must be in [0, ${MAX_DRIFT_PPM}], got ${String(driftPpm)}`);
    }
    if (syncSource !== undefined && typeof syncSource?.latestSync !== 'function') {
      throw new TypeError('IntervalClock: syncSource must have a latestSync() method');
    }
    if (sampleSelection !== 'newest' && sampleSelection !== 'tightest') {
      throw new RangeError(`IntervalClock: sampleSelection must be 'newest' or 'tightest', got ${String(sampleSelection)}`);
    }
    this.tightest = sampleSelection === 'tightest';
    this.readPhysical = now;
    this.driftPpm = driftPpm;
    // Error growth per local ms; see the module comment for why not simply d.
    this.driftPerMs = driftPpm / 1e6 / (1 - driftPpm / 1e6);
    this.source = syncSource;
    this.lastSync = checkSample({ atMs: this.physical(), offsetMs, errorMs }, 'IntervalClock');
  }

  /**
   * Record a synchronisation: at local reading `atMs` (default: now) true time
   * was `atMs + offsetMs` within `± errorMs`. A sample older than the one in
   * use is ignored (returns false).
   */
  sync(sample: { errorMs: number; offsetMs?: number; atMs?: number }): boolean {
    const checked = checkSample(
      { atMs: sample.atMs ?? this.physical(), offsetMs: sample.offsetMs ?? 0, errorMs: sample.errorMs },
      'IntervalClock.sync',
    );
    if (checked.atMs < this.lastSync.atMs) return false;
    this.lastSync = checked;
    return true;
  }

  /** The sync sample currently in force (the newest known). */
  get currentSync(): ClockSyncSample {
    return this.sample(this.physical());
  }

  /** An interval certain (given honest inputs) to contain true time. */
  now(): TimeInterval {
    const pt = this.physical();
    const s = this.sample(pt);
    const error = this.errorAt(s, pt);
    return { earliestMs: pt + s.offsetMs - error, latestMs: pt + s.offsetMs + error };
  }

  /** Current uncertainty half-width, ms. */
  errorMs(): number {
    const pt = this.physical();
    return this.errorAt(this.sample(pt), pt);
  }

  /** True when `tMs` has certainly passed (`tMs < earliest`). TrueTime's TT.after. */
  after(tMs: number): boolean {
    return tMs < this.now().earliestMs;
  }

  /** True when `tMs` has certainly not arrived yet (`tMs > latest`). TrueTime's TT.before. */
  before(tMs: number): boolean {
    return tMs > this.now().latestMs;
  }

  /**
   * Whole ms to wait (on the local clock, without a new sync) until `after(tMs)`
   * holds; 0 when it already does. Accounts for the error growing while you
   * wait: `(tMs − earliest) / (1 − drift)`, rounded up to the next whole ms so
   * that waiting exactly this long suffices.
   */
  commitWaitMs(tMs: number): number {
    if (!Number.isFinite(tMs)) throw new RangeError(`IntervalClock.commitWaitMs: t must be finite, got ${tMs}`);
    const pt = this.physical();
    const s = this.sample(pt);
    const earliest = this.earliestAt(s, pt);
    if (tMs < earliest) return 0;
    // While pt ≥ s.atMs the error grows by driftPerMs per ms waited; if the
    // last sample is in the future of pt (it should not be), the error first
    // shrinks, which only makes the wait shorter: the formula stays safe.
    let waitMs = Math.floor((tMs - earliest) / (1 - this.driftPerMs)) + 1;
    // Floating-point guard: agree exactly with what after() will compute.
    for (let step = 0; !(tMs < this.earliestAt(s, pt + waitMs)); step++) {
      if (step === 4) throw new Error('IntervalClock.commitWaitMs: invariant violated: wait converges within 4 ms of the estimate');
      waitMs++;
    }
    return waitMs;
  }

  private earliestAt(s: ClockSyncSample, pt: number): number {
    return pt + s.offsetMs - this.errorAt(s, pt);
  }

  private errorAt(s: ClockSyncSample, pt: number): number {
    const elapsedMs = pt >= s.atMs ? pt - s.atMs : s.atMs - pt;
    return s.errorMs + elapsedMs * this.driftPerMs;
  }

  private sample(pt: number): ClockSyncSample {
    const raw = this.source?.latestSync();
    if (raw === undefined) return this.lastSync;
    const fromSource = checkSample(raw, 'IntervalClock: syncSource.latestSync()');
    if (this.tightest) return this.errorAt(fromSource, pt) <= this.errorAt(this.lastSync, pt) ? fromSource : this.lastSync;
    return fromSource.atMs >= this.lastSync.atMs ? fromSource : this.lastSync;
  }

  private physical(): number {
    const pt = this.readPhysical();
    if (!Number.isFinite(pt)) throw new RangeError(`IntervalClock: now() must return a finite number of ms, got ${pt}`);
    return pt;
  }
}

function checkSample(s: ClockSyncSample, api: string): ClockSyncSample {
  if (!Number.isFinite(s.atMs)) throw new RangeError(`${api}: atMs must be finite, got ${s.atMs}`);
  if (!Number.isFinite(s.offsetMs)) throw new RangeError(`${api}: offsetMs must be finite, got ${s.offsetMs}`);
  if (typeof s.errorMs !== 'number' || !(s.errorMs >= 0 && s.errorMs < Infinity)) {
    throw new RangeError(`${api}: errorMs must be a finite number ≥ 0, got ${String(s.errorMs)}`);
  }
  return { atMs: s.atMs, offsetMs: s.offsetMs, errorMs: s.errorMs };
}
