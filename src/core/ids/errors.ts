/**
 * Typed errors of the Snowflake generator. Each has a stable `code` and a type
 * guard that checks it (works across duplicated package copies, unlike
 * `instanceof`).
 */
export const CLOCK_MOVED_BACKWARDS_ERROR = 'FAULTLINE_CLOCK_MOVED_BACKWARDS';
export const SEQUENCE_EXHAUSTED_ERROR = 'FAULTLINE_SEQUENCE_EXHAUSTED';
export const SNOWFLAKE_RANGE_ERROR = 'FAULTLINE_SNOWFLAKE_RANGE';

function hasCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

/**
 * The clock is further behind the last issued timestamp than
 * `maxBackwardWaitMs` and the sequence for that timestamp is used up: issuing
 * would need a wait longer than allowed, and issuing anything else could
 * duplicate or reorder IDs. Nothing was issued; the generator is unchanged and
 * will work again once the clock catches up (or `maxBackwardWaitMs` is met).
 */
export class ClockMovedBackwardsError extends Error {
  readonly code = CLOCK_MOVED_BACKWARDS_ERROR;
  override readonly name = 'ClockMovedBackwardsError';
  /** Absolute ms (Unix epoch) of the last issued ID's timestamp. */
  readonly lastTimestampMs: number;
  /** Absolute ms the clock read (floored). */
  readonly nowMs: number;
  /** `lastTimestampMs − nowMs`. */
  readonly backwardsMs: number;
  /** The configured bound it exceeded. */
  readonly maxBackwardWaitMs: number;

  constructor(lastTimestampMs: number, nowMs: number, maxBackwardWaitMs: number) {
    const backwardsMs = lastTimestampMs - nowMs;
    super(
      `SnowflakeGenerator: clock is ${backwardsMs} ms behind the last issued timestamp ` +
        `(max backward wait ${maxBackwardWaitMs} ms) and its sequence is exhausted; refusing to issue`,
    );
    this.lastTimestampMs = lastTimestampMs;
    this.nowMs = nowMs;
    this.backwardsMs = backwardsMs;
    this.maxBackwardWaitMs = maxBackwardWaitMs;
  }
}

export function isClockMovedBackwardsError(e: unknown): e is ClockMovedBackwardsError {
  return hasCode(e, CLOCK_MOVED_BACKWARDS_ERROR);
}

/**
 * No ID can be issued until the clock reaches `retryAtMs`: the sequence of
 * the current millisecond is used up and the generator did not wait (because
 * `waitMode: 'throw'`, or because the clock did not advance within
 * `maxSpinReads` readings — a frozen or virtual clock). Retry after
 * `retryAfterMs` of clock time; nothing was issued.
 */
export class SequenceExhaustedError extends Error {
  readonly code = SEQUENCE_EXHAUSTED_ERROR;
  override readonly name = 'SequenceExhaustedError';
  /** Absolute ms (Unix epoch) the clock must reach before the next ID. */
  readonly retryAtMs: number;
  /** Absolute ms the clock read last (floored). */
  readonly nowMs: number;
  /** `retryAtMs − nowMs` (≥ 1). */
  readonly retryAfterMs: number;

  constructor(retryAtMs: number, nowMs: number, reason: string) {
    super(`SnowflakeGenerator: sequence exhausted until ${retryAtMs} (clock reads ${nowMs}); ${reason}`);
    this.retryAtMs = retryAtMs;
    this.nowMs = nowMs;
    this.retryAfterMs = retryAtMs - nowMs;
  }
}

export function isSequenceExhaustedError(e: unknown): e is SequenceExhaustedError {
  return hasCode(e, SEQUENCE_EXHAUSTED_ERROR);
}

/**
 * The clock reads a time the layout cannot represent: before the epoch (with
 * nothing issued yet to hold on to), or past the last representable
 * millisecond (`epochMs + 2^timestampBits − 1`; about 69 years with the
 * default 41 bits).
 */
export class SnowflakeRangeError extends Error {
  readonly code = SNOWFLAKE_RANGE_ERROR;
  override readonly name = 'SnowflakeRangeError';
  readonly nowMs: number;
  readonly minMs: number;
  readonly maxMs: number;

  constructor(nowMs: number, minMs: number, maxMs: number) {
    super(`SnowflakeGenerator: clock reads ${nowMs}, outside the layout's range [${minMs}, ${maxMs}]`);
    this.nowMs = nowMs;
    this.minMs = minMs;
    this.maxMs = maxMs;
  }
}

export function isSnowflakeRangeError(e: unknown): e is SnowflakeRangeError {
  return hasCode(e, SNOWFLAKE_RANGE_ERROR);
}
