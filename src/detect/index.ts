/**
 * `faultline/detect`: failure detection that adapts to the network it
 * measures — φ accrual detectors, adaptive request timeouts (RFC 6298 or a
 * percentile), and a heartbeat monitor for many peers. Sans-I/O: time is
 * always an argument. See docs/RESILIENCE.md.
 */
export { PhiAccrualDetector } from './phi-accrual.js';
export { DeadlineFailureDetector } from './deadline-detector.js';
export { phi, timeDiffForPhi } from './phi.js';
export { HeartbeatHistory } from './heartbeat-history.js';
export { AdaptiveTimeout, RFC6298_ALPHA, RFC6298_BETA, RFC6298_K } from './adaptive-timeout.js';
export { SortedWindow } from './sorted-window.js';
export { HeartbeatMonitor } from './heartbeat-monitor.js';

export type { FailureDetector } from './failure-detector.js';
export type { PhiAccrualOptions } from './phi-accrual.js';
export type { DeadlineDetectorOptions } from './deadline-detector.js';
export type {
  AdaptiveTimeoutOptions,
  Rfc6298TimeoutOptions,
  PercentileTimeoutOptions,
  AdaptiveTimeoutStats,
  SampleOptions,
} from './adaptive-timeout.js';
export type { PeerStatus, PeerTransition, PeerSnapshot, HeartbeatMonitorOptions } from './heartbeat-monitor.js';
export type { Event, Disposable } from '../core/resilience/index.js';
