/**
 * Hybrid logical timestamps as values: comparison and the sortable 64-bit
 * encodings. A timestamp is `(wallMs, logical)`: 48 bits of milliseconds since
 * the Unix epoch (good until the year 10889) and a 16-bit counter. Encoded as
 * `wallMs * 2^16 + logical`, the integer order equals the timestamp order.
 */
import { ClockDecodeError } from './errors.js';

export interface HlcTimestamp {
  /** The largest physical time (ms since the Unix epoch) this event knows of. */
  readonly wallMs: number;
  /** Orders events that share `wallMs`; 0 ≤ logical ≤ HLC_MAX_LOGICAL. */
  readonly logical: number;
}

/** Bits of the encoding given to `logical`. */
export const HLC_LOGICAL_BITS = 16;
/** Largest `logical` value (65,535); the clock refuses to go past it. */
export const HLC_MAX_LOGICAL = 0xffff;
/** Largest `wallMs` value (2^48 − 1 ms, about the year 10889). */
export const HLC_MAX_WALL_MS = 2 ** 48 - 1;

const LOGICAL_BITS_BIG = 16n;
const LOGICAL_MASK_BIG = 0xffffn;
const MAX_ENCODED = (1n << 64n) - 1n;

/** Total order on hybrid timestamps: negative, zero or positive (an `Array.sort` comparator). */
export function compareHlc(a: HlcTimestamp, b: HlcTimestamp): number {
  if (a.wallMs !== b.wallMs) return a.wallMs < b.wallMs ? -1 : 1;
  if (a.logical !== b.logical) return a.logical < b.logical ? -1 : 1;
  return 0;
}

/** True when `value` is a well-formed timestamp (integers within the encoding's ranges). */
export function isHlcTimestamp(value: unknown): value is HlcTimestamp {
  if (typeof value !== 'object' || value === null) return false;
  const { wallMs, logical } = value as { wallMs?: unknown; logical?: unknown };
  return (
    Number.isInteger(wallMs) &&
    (wallMs as number) >= 0 &&
    (wallMs as number) <= HLC_MAX_WALL_MS &&
    Number.isInteger(logical) &&
    (logical as number) >= 0 &&
    (logical as number) <= HLC_MAX_LOGICAL
  );
}

/** Throws a RangeError naming `api` unless `ts` is a well-formed timestamp. */
export function assertHlcTimestamp(ts: HlcTimestamp, api: string): void {
  if (!isHlcTimestamp(ts)) {
    throw new RangeError(
      `${api}: timestamp must be { wallMs: integer in [0, 2^48), logical: integer in [0, ${HLC_MAX_LOGICAL}] }, ` +
        `got ${safeDescribe(ts)}`,
    );
  }
}

/** 64-bit unsigned encoding: `wallMs << 16 | logical`. Order-preserving. */
export function encodeHlc(ts: HlcTimestamp): bigint {
  assertHlcTimestamp(ts, 'encodeHlc');
  return (BigInt(ts.wallMs) << LOGICAL_BITS_BIG) | BigInt(ts.logical);
}

/** Inverse of `encodeHlc`; throws ClockDecodeError outside [0, 2^64). */
export function decodeHlc(encoded: bigint): HlcTimestamp {
  if (typeof encoded !== 'bigint' || encoded < 0n || encoded > MAX_ENCODED) {
    throw new ClockDecodeError(`decodeHlc: expected a bigint in [0, 2^64), got ${safeDescribe(encoded)}`);
  }
  return { wallMs: Number(encoded >> LOGICAL_BITS_BIG), logical: Number(encoded & LOGICAL_MASK_BIG) };
}

const HEX16 = /^[0-9a-f]{16}$/;

/**
 * Fixed-width 16-character lowercase hex form of the 64-bit encoding (12 hex
 * digits of wallMs, 4 of logical). Strings sort bytewise in timestamp order,
 * which makes them good keys in text stores, logs and JSON.
 */
export function formatHlc(ts: HlcTimestamp): string {
  assertHlcTimestamp(ts, 'formatHlc');
  return ts.wallMs.toString(16).padStart(12, '0') + ts.logical.toString(16).padStart(4, '0');
}

/** Inverse of `formatHlc`; throws ClockDecodeError for anything else. */
export function parseHlc(text: string): HlcTimestamp {
  if (typeof text !== 'string' || !HEX16.test(text)) {
    throw new ClockDecodeError(`parseHlc: expected 16 lowercase hex digits, got ${safeDescribe(text)}`);
  }
  return { wallMs: parseInt(text.slice(0, 12), 16), logical: parseInt(text.slice(12), 16) };
}

function safeDescribe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
