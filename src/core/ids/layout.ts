/**
 * Snowflake bit layouts. An ID is, from the most significant bit:
 *
 *   [ 0 ][ timestamp: timestampBits ][ worker: workerIdBits ][ sequence: sequenceBits ]
 *
 * with the timestamp in ms since `epochMs`. The total is at most 63 bits, so
 * every ID is a positive signed 64-bit integer (safe in Java `long`, SQL
 * `BIGINT`). Twitter's layout (the default) is 41 + 10 + 12.
 */

export interface SnowflakeLayout {
  /** Start of the timestamp field, ms since the Unix epoch. */
  readonly epochMs: number;
  readonly timestampBits: number;
  readonly workerIdBits: number;
  readonly sequenceBits: number;
}

/**
 * Default epoch: 2024-01-01T00:00:00.000Z. With 41 timestamp bits IDs last
 * until 2093-09-06 (2^41 ms ≈ 69.7 years later).
 */
export const DEFAULT_SNOWFLAKE_EPOCH_MS = 1_704_067_200_000;

/** Twitter's layout: 41-bit ms timestamp, 10-bit worker (1,024), 12-bit sequence (4,096 per ms). */
export const DEFAULT_SNOWFLAKE_LAYOUT: SnowflakeLayout = Object.freeze({
  epochMs: DEFAULT_SNOWFLAKE_EPOCH_MS,
  timestampBits: 41,
  workerIdBits: 10,
  sequenceBits: 12,
});

/** The decoded fields of an ID. */
export interface SnowflakeParts {
  /** Absolute ms since the Unix epoch (`epochMs + timestamp field`). */
  readonly timestampMs: number;
  readonly workerId: number;
  readonly sequence: number;
}

/**
 * Fill defaults and validate. Widths are integers: timestampBits in [1, 53],
 * workerIdBits in [0, 31], sequenceBits in [1, 31], total ≤ 63.
 */
export function resolveLayout(layout: Partial<SnowflakeLayout> | undefined, api: string): SnowflakeLayout {
  const merged = { ...DEFAULT_SNOWFLAKE_LAYOUT, ...stripUndefined(layout ?? {}) };
  const { epochMs, timestampBits, workerIdBits, sequenceBits } = merged;
  checkInt(api, 'timestampBits', timestampBits, 1, 53);
  checkInt(api, 'workerIdBits', workerIdBits, 0, 31);
  checkInt(api, 'sequenceBits', sequenceBits, 1, 31);
  if (timestampBits + workerIdBits + sequenceBits > 63) {
    throw new RangeError(
      `${api}: timestampBits + workerIdBits + sequenceBits must be ≤ 63 (IDs stay positive signed 64-bit), ` +
        `got ${timestampBits} + ${workerIdBits} + ${sequenceBits} = ${timestampBits + workerIdBits + sequenceBits}`,
    );
  }
  if (!Number.isSafeInteger(epochMs)) throw new RangeError(`${api}: epochMs must be a safe integer, got ${epochMs}`);
  if (!Number.isSafeInteger(epochMs + 2 ** timestampBits)) {
    throw new RangeError(`${api}: epochMs + 2^timestampBits must be a safe integer`);
  }
  return Object.freeze({ epochMs, timestampBits, workerIdBits, sequenceBits });
}

/** Split `id` (a bigint or its decimal string) into its fields under `layout` (default: Twitter's). */
export function decodeSnowflake(id: bigint | string, layout?: Partial<SnowflakeLayout>): SnowflakeParts {
  const l = resolveLayout(layout, 'decodeSnowflake');
  return decodeWith(id, l, 'decodeSnowflake');
}

/**
 * The smallest ID any worker can issue at `timestampMs` (worker and sequence
 * 0): every ID created at or after that millisecond is ≥ it. For range scans
 * ("rows created since t").
 */
export function firstSnowflakeAt(timestampMs: number, layout?: Partial<SnowflakeLayout>): bigint {
  const l = resolveLayout(layout, 'firstSnowflakeAt');
  const t = Math.floor(timestampMs) - l.epochMs;
  if (!(t >= 0 && t <= 2 ** l.timestampBits - 1)) {
    throw new RangeError(`firstSnowflakeAt: ${timestampMs} is outside the layout's range`);
  }
  return BigInt(t) << BigInt(l.workerIdBits + l.sequenceBits);
}

/** @internal Shared by decodeSnowflake and SnowflakeGenerator.decode. */
export function decodeWith(id: bigint | string, l: SnowflakeLayout, api: string): SnowflakeParts {
  let value: bigint;
  if (typeof id === 'bigint') value = id;
  else if (typeof id === 'string' && /^(0|[1-9][0-9]*)$/.test(id)) value = BigInt(id);
  else throw new RangeError(`${api}: id must be a bigint or a decimal string, got ${String(id)}`);
  const totalBits = l.timestampBits + l.workerIdBits + l.sequenceBits;
  if (value < 0n || value >= 1n << BigInt(totalBits)) {
    throw new RangeError(`${api}: id ${value} does not fit the ${totalBits}-bit layout`);
  }
  const lowBits = l.workerIdBits + l.sequenceBits;
  // lowBits ≤ 62 but each field ≤ 31 bits: split with bigint, finish with numbers.
  const low = value & ((1n << BigInt(lowBits)) - 1n);
  return {
    timestampMs: l.epochMs + Number(value >> BigInt(lowBits)),
    workerId: Number(low >> BigInt(l.sequenceBits)),
    sequence: Number(low & ((1n << BigInt(l.sequenceBits)) - 1n)),
  };
}

function checkInt(api: string, name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${api}: ${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
