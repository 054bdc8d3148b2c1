/**
 * `faultline/ids`: Snowflake IDs that stay unique and increasing when the
 * clock steps backwards. Behaviour and options: docs/TIME.md.
 */
export { SnowflakeGenerator } from './snowflake.js';
export { decodeSnowflake, firstSnowflakeAt, DEFAULT_SNOWFLAKE_LAYOUT, DEFAULT_SNOWFLAKE_EPOCH_MS } from './layout.js';
export {
  ClockMovedBackwardsError,
  isClockMovedBackwardsError,
  SequenceExhaustedError,
  isSequenceExhaustedError,
  SnowflakeRangeError,
  isSnowflakeRangeError,
  CLOCK_MOVED_BACKWARDS_ERROR,
  SEQUENCE_EXHAUSTED_ERROR,
  SNOWFLAKE_RANGE_ERROR,
} from './errors.js';

export type { SnowflakeGeneratorOptions, SnowflakeWaitMode } from './snowflake.js';
export type { SnowflakeLayout, SnowflakeParts } from './layout.js';
