/**
 * Typed errors a caller of the clocks may want to catch. Each carries a
 * stable `code` and has a type guard that checks the code, not `instanceof`,
 * so it still works when two copies of the package are loaded (cockatiel's
 * lesson).
 */
import type { HlcTimestamp } from './hlc-timestamp.js';

export const CLOCK_OFFSET_ERROR = 'FAULTLINE_CLOCK_OFFSET';
export const HLC_OVERFLOW_ERROR = 'FAULTLINE_HLC_OVERFLOW';
export const CLOCK_DECODE_ERROR = 'FAULTLINE_CLOCK_DECODE';

function hasCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

/**
 * A remote hybrid timestamp is further ahead of this node's physical clock
 * than the configured `maxOffsetMs`: one of the two clocks is broken, and
 * accepting it would drag this clock (and everyone it talks to) into the
 * future. The message must be refused; the clock's state is unchanged.
 * CockroachDB refuses such messages the same way.
 */
export class ClockOffsetError extends Error {
  readonly code = CLOCK_OFFSET_ERROR;
  override readonly name = 'ClockOffsetError';
  /** How far the remote wall time is ahead of the local physical reading, ms. */
  readonly offsetMs: number;
  /** The configured bound it exceeded, ms. */
  readonly maxOffsetMs: number;
  /** The refused remote timestamp. */
  readonly remote: HlcTimestamp;
  /** The local physical clock reading the remote was compared with, ms. */
  readonly physicalMs: number;

  constructor(remote: HlcTimestamp, physicalMs: number, maxOffsetMs: number) {
    const offsetMs = remote.wallMs - physicalMs;
    super(
      `HybridLogicalClock: remote timestamp is ${offsetMs} ms ahead of the local physical clock ` +
        `(max offset ${maxOffsetMs} ms); message refused`,
    );
    this.offsetMs = offsetMs;
    this.maxOffsetMs = maxOffsetMs;
    this.remote = { wallMs: remote.wallMs, logical: remote.logical };
    this.physicalMs = physicalMs;
  }
}

export function isClockOffsetError(e: unknown): e is ClockOffsetError {
  return hasCode(e, CLOCK_OFFSET_ERROR);
}

/**
 * The hybrid clock's `logical` counter would exceed its 16 bits (65,535):
 * more than 65,535 events were stamped without the physical clock advancing
 * past the clock's wall component (a frozen clock, or a busy node whose wall
 * component a faster peer pulled ahead). The clock refuses rather than
 * wrapping, which would break ordering; its state is unchanged, so a caller
 * may retry after `retryAfterMs`.
 */
export class HlcOverflowError extends Error {
  readonly code = HLC_OVERFLOW_ERROR;
  override readonly name = 'HlcOverflowError';
  /** The wall component that ran out of logical values. */
  readonly wallMs: number;
  /** The largest logical value the encoding holds. */
  readonly maxLogical: number;
  /** The local physical reading at the refusal, ms. */
  readonly physicalMs: number;
  /** Ms until the physical clock passes `wallMs` and `logical` resets (≥ 1): when to retry. */
  readonly retryAfterMs: number;

  constructor(wallMs: number, maxLogical: number, physicalMs: number) {
    const retryAfterMs = Math.max(1, wallMs - physicalMs + 1);
    super(
      `HybridLogicalClock: logical counter would exceed ${maxLogical} at wallMs ${wallMs}; ` +
        `refusing to wrap (retry in ${retryAfterMs} ms, when the physical clock has passed it)`,
    );
    this.wallMs = wallMs;
    this.maxLogical = maxLogical;
    this.physicalMs = physicalMs;
    this.retryAfterMs = retryAfterMs;
  }
}

export function isHlcOverflowError(e: unknown): e is HlcOverflowError {
  return hasCode(e, HLC_OVERFLOW_ERROR);
}

/** Bytes or a string handed to a clock decoder are not a valid encoding. */
export class ClockDecodeError extends Error {
  readonly code = CLOCK_DECODE_ERROR;
  override readonly name = 'ClockDecodeError';

  constructor(message: string) {
    super(message);
  }
}

export function isClockDecodeError(e: unknown): e is ClockDecodeError {
  return hasCode(e, CLOCK_DECODE_ERROR);
}
