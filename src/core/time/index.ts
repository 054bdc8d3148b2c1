/**
 * `faultline/time`: logical, hybrid and interval clocks, and the physical
 * clock interfaces. Which clock to use for what: docs/TIME.md.
 */
export { LamportClock } from './lamport.js';
export { VectorClock } from './vector.js';
export { HybridLogicalClock } from './hlc.js';
export {
  compareHlc,
  encodeHlc,
  decodeHlc,
  formatHlc,
  parseHlc,
  isHlcTimestamp,
  HLC_LOGICAL_BITS,
  HLC_MAX_LOGICAL,
  HLC_MAX_WALL_MS,
} from './hlc-timestamp.js';
export { IntervalClock } from './interval.js';
export { wallClock, ClampedMonotonicClock, ManualClock } from './physical.js';
export { ntpSample } from './ntp.js';
export { marzullo, intersect } from './intersection.js';
export { ClockSyncMonitor, parseClockSyncMessage, CLOCK_SYNC_PEER_ERROR_MS_MAX } from './clock-sync.js';
export {
  ClockOffsetError,
  isClockOffsetError,
  HlcOverflowError,
  isHlcOverflowError,
  ClockDecodeError,
  isClockDecodeError,
  CLOCK_OFFSET_ERROR,
  HLC_OVERFLOW_ERROR,
  CLOCK_DECODE_ERROR,
} from './errors.js';

export type { LamportClockOptions } from './lamport.js';
export type { VectorOrder } from './vector.js';
export type { HybridLogicalClockOptions } from './hlc.js';
export type { HlcTimestamp } from './hlc-timestamp.js';
export type { IntervalClockOptions, TimeInterval, ClockSyncSample, ClockSyncSource } from './interval.js';
export type { MonotonicClock, WallClock } from './physical.js';
export type { NtpTimestamps, NtpSample } from './ntp.js';
export type { Interval, IntervalSource, MarzulloResult, IntersectionResult, IntersectOptions } from './intersection.js';
export type {
  ClockSyncMonitorOptions,
  ClockSyncRequest,
  ClockSyncResponse,
  ClockSyncMessage,
  ClockStatus,
  ClockStatusEvent,
  ClockHealth,
  ClockEstimate,
  PeerClockOffset,
  ClockSyncStats,
} from './clock-sync.js';
