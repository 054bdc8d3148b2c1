/**
 * Snowflake ID generator that survives clock steps.
 *
 * Guarantee: one generator never returns a duplicate or a smaller ID than one
 * it returned before, whatever its clock does. It keeps issuing on the last
 * timestamp while that millisecond's sequence lasts; once it is used up it
 * needs the clock to reach the next millisecond:
 *
 * - `waitMode: 'spin'` (default) busy re-reads the injected `now()` until it
 *   does. There are no real timers in sans-I/O code, and a millisecond's wait
 *   is far cheaper spun than scheduled. Bounded twice: a clock more than
 *   `maxBackwardWaitMs` behind throws ClockMovedBackwardsError at once, and a
 *   clock that does not move within `maxSpinReads` readings (a frozen or
 *   virtual clock: a simulator's time does not advance inside a call) throws
 *   SequenceExhaustedError instead of hanging.
 * - `waitMode: 'throw'` never spins: it throws SequenceExhaustedError (with
 *   `retryAfterMs`) so an event-driven caller can set a timer and retry. Use it
 *   under the simulator and in event loops that must not block.
 *
 * Uniqueness across generators needs distinct worker IDs (from configuration)
 * and, across restarts, either a clock that did not step back while the
 * process was down or `after` set to the last ID issued before the restart.
 */
import { ClockMovedBackwardsError, SequenceExhaustedError, SnowflakeRangeError } from './errors.js';
import { decodeWith, resolveLayout } from './layout.js';
import type { SnowflakeLayout, SnowflakeParts } from './layout.js';

export type SnowflakeWaitMode = 'spin' | 'throw';

export interface SnowflakeGeneratorOptions {
  /** This generator's worker ID, an integer in [0, 2^workerIdBits). From configuration. */
  workerId: number;
  /** Wall clock, ms since the Unix epoch (fractions floored), e.g. `() => env.wallNowMs()`. */
  now: () => number;
  /** Start of the timestamp field, ms since the Unix epoch. Default 2024-01-01T00:00:00Z. */
  epochMs?: number;
  /** Default 41 (≈ 69.7 years of ms). */
  timestampBits?: number;
  /** Default 10 (1,024 workers). */
  workerIdBits?: number;
  /** Default 12 (4,096 IDs per ms per worker). */
  sequenceBits?: number;
  /**
   * Largest distance, ms, the clock may be behind the last issued timestamp
   * when the generator has to wait for it. Default 5 (Meituan Leaf's bound);
   * 0 waits only for the normal next millisecond.
   */
  maxBackwardWaitMs?: number;
  /** `'spin'` (default) or `'throw'`; see the module comment. */
  waitMode?: SnowflakeWaitMode;
  /** Clock readings a spin may take before giving up. Default 10,000,000 (≈ 0.3 s of `Date.now`). */
  maxSpinReads?: number;
  /**
   * Issue only IDs greater than this one: the last ID issued before a
   * restart (or `firstSnowflakeAt` of a persisted high-water time).
   */
  after?: bigint;
}

const DEFAULT_MAX_BACKWARD_WAIT_MS = 5;
const DEFAULT_MAX_SPIN_READS = 10_000_000;

// Sequence values as bigints, shared by all generators of the same width:
// one table lookup + one bigint add per ID beats converting each time.
const MAX_TABLE_SEQUENCE_BITS = 14;
const sequenceTables = new Map<number, readonly bigint[]>();

function sequenceTable(bits: number): readonly bigint[] | undefined {
  if (bits > MAX_TABLE_SEQUENCE_BITS) return undefined;
  let table = sequenceTables.get(bits);
  if (table === undefined) {
    table = Array.from({ length: 2 ** bits }, (_, i) => BigInt(i));
    sequenceTables.set(bits, table);
  }
  return table;
}

export class SnowflakeGenerator {
  readonly layout: SnowflakeLayout;
  readonly workerId: number;
  readonly maxBackwardWaitMs: number;
  readonly waitMode: SnowflakeWaitMode;
  readonly maxSpinReads: number;

  private readonly read: () => number;
  private readonly epochMs: number;
  private readonly maxTs: number;
  private readonly maxSeq: number;
  private readonly timestampShift: bigint;
  private readonly workerPart: bigint;
  private readonly seqTable: readonly bigint[] | undefined;
  // Invariant: every ID issued so far is ≤ base + seq, i.e. (lastTs, seq) is the last one issued.
  private lastTs = -1;
  private seq: number;
  private base = 0n;

  constructor(options: SnowflakeGeneratorOptions) {
    const api = 'SnowflakeGenerator';
    if (typeof options !== 'object' || options === null) throw new TypeError(`${api}: options { workerId, now } are required`);
    const { workerId, now, waitMode = 'spin', maxBackwardWaitMs = DEFAULT_MAX_BACKWARD_WAIT_MS } = options;
    const { maxSpinReads = DEFAULT_MAX_SPIN_READS, after } = options;
    this.layout = resolveLayout(
      {
        epochMs: options.epochMs,
        timestampBits: options.timestampBits,
        workerIdBits: options.workerIdBits,
        sequenceBits: options.sequenceBits,
      },
      api,
    );
    const { epochMs, timestampBits, workerIdBits, sequenceBits } = this.layout;
    if (typeof now !== 'function') throw new TypeError(`${api}: now must be a function returning ms since the Unix epoch`);
    const maxWorker = 2 ** workerIdBits - 1;
    if (!Number.isInteger(workerId) || workerId < 0 || workerId > maxWorker) {
      throw new RangeError(`${api}: workerId must be an integer in [0, ${maxWorker}] for ${workerIdBits} worker bits, got ${workerId}`);
    }
    if (typeof maxBackwardWaitMs !== 'number' || !(maxBackwardWaitMs >= 0)) {
      throw new RangeError(`${api}: maxBackwardWaitMs must be ≥ 0, got ${String(maxBackwardWaitMs)}`);
    }
    if (waitMode !== 'spin' && waitMode !== 'throw') {
      throw new RangeError(`${api}: waitMode must be 'spin' or 'throw', got ${String(waitMode)}`);
    }
    if (!Number.isSafeInteger(maxSpinReads) || maxSpinReads < 1) {
      throw new RangeError(`${api}: maxSpinReads must be a positive integer, got ${maxSpinReads}`);
    }
    this.workerId = workerId;
    this.read = now;
    this.maxBackwardWaitMs = maxBackwardWaitMs;
    this.waitMode = waitMode;
    this.maxSpinReads = maxSpinReads;
    this.epochMs = epochMs;
    this.maxTs = 2 ** timestampBits - 1;
    this.maxSeq = 2 ** sequenceBits - 1;
    this.timestampShift = BigInt(workerIdBits + sequenceBits);
    this.workerPart = BigInt(workerId) << BigInt(sequenceBits);
    this.seqTable = sequenceTable(sequenceBits);
    this.seq = this.maxSeq;
    if (after !== undefined) this.resumeAfter(after);
  }

  /** The next ID: unique for this generator and greater than every ID it issued before. */
  next(): bigint {
    const t = Math.floor(this.read()) - this.epochMs;
    if (t > this.lastTs) {
      if (t <= this.maxTs) {
        this.lastTs = t;
        this.seq = 0;
        this.base = (BigInt(t) << this.timestampShift) | this.workerPart;
        return this.base;
      }
    } else if (t >= 0 && this.seq < this.maxSeq) {
      // Same millisecond, or the clock stepped back: stay on lastTs while the sequence lasts.
      const s = ++this.seq;
      return this.base + (this.seqTable !== undefined ? this.seqTable[s] : BigInt(s));
    }
    return this.slowNext(t);
  }

  /** `next()` as a decimal string (JSON-safe; JS numbers lose precision past 2^53). */
  nextString(): string {
    return this.next().toString();
  }

  /** Split an ID into `{ timestampMs, workerId, sequence }` under this generator's layout. */
  decode(id: bigint | string): SnowflakeParts {
    return decodeWith(id, this.layout, 'SnowflakeGenerator.decode');
  }

  /** Absolute ms (Unix epoch) of the last issued ID's timestamp, or undefined before the first. */
  get lastTimestampMs(): number | undefined {
    return this.lastTs < 0 ? undefined : this.epochMs + this.lastTs;
  }

  private slowNext(t: number): bigint {
    if (Number.isNaN(t) || !Number.isFinite(t)) {
      throw new RangeError(`SnowflakeGenerator: now() must return a finite number of ms, got ${t + this.epochMs}`);
    }
    if (t > this.maxTs) throw this.rangeError(t);
    if (this.lastTs < 0) {
      // Nothing issued and the clock is before the epoch: no timestamp to hold on to.
      throw this.rangeError(t);
    }
    if (this.seq < this.maxSeq) {
      // The clock is before the epoch but behind a timestamp we already issued on.
      const s = ++this.seq;
      return this.base + BigInt(s);
    }
    return this.waitForNextMs(t);
  }

  /** The sequence of lastTs is used up: the clock must reach lastTs + 1. */
  private waitForNextMs(t: number): bigint {
    const targetTs = this.lastTs + 1;
    if (targetTs > this.maxTs) throw this.rangeError(targetTs);
    for (let reads = 0; ; reads++) {
      if (this.lastTs - t > this.maxBackwardWaitMs) {
        throw new ClockMovedBackwardsError(this.epochMs + this.lastTs, this.epochMs + t, this.maxBackwardWaitMs);
      }
      if (this.waitMode === 'throw') {
        throw new SequenceExhaustedError(this.epochMs + targetTs, this.epochMs + t, "waitMode is 'throw'");
      }
      if (reads >= this.maxSpinReads) {
        throw new SequenceExhaustedError(
          this.epochMs + targetTs,
          this.epochMs + t,
          `the clock did not reach it within ${this.maxSpinReads} readings (frozen or virtual clock? use waitMode 'throw')`,
        );
      }
      t = Math.floor(this.read()) - this.epochMs;
      if (Number.isNaN(t) || !Number.isFinite(t)) {
        throw new RangeError(`SnowflakeGenerator: now() must return a finite number of ms, got ${t + this.epochMs}`);
      }
      if (t >= targetTs) {
        if (t > this.maxTs) throw this.rangeError(t);
        this.lastTs = t;
        this.seq = 0;
        this.base = (BigInt(t) << this.timestampShift) | this.workerPart;
        return this.base;
      }
    }
  }

  private resumeAfter(after: bigint): void {
    if (typeof after !== 'bigint') throw new TypeError('SnowflakeGenerator: after must be a bigint ID');
    const parts = decodeWith(after, this.layout, 'SnowflakeGenerator: after');
    this.lastTs = parts.timestampMs - this.epochMs;
    this.base = (BigInt(this.lastTs) << this.timestampShift) | this.workerPart;
    // Next ID on lastTs must exceed `after`: compare our worker with its worker.
    if (this.workerId > parts.workerId) this.seq = -1;
    else if (this.workerId === parts.workerId) this.seq = parts.sequence;
    else this.seq = this.maxSeq;
  }

  private rangeError(t: number): SnowflakeRangeError {
    return new SnowflakeRangeError(this.epochMs + t, this.epochMs, this.epochMs + this.maxTs);
  }
}
