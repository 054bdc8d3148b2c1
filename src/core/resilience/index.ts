/**
 * `faultline/resilience`: retry with backoff and budgets, circuit breakers,
 * deadlines and timeouts, and server-side idempotency keys. Every piece takes
 * its clock (and, where it jitters, its Rng) from the caller, so it runs
 * unchanged under the simulator. See docs/RESILIENCE.md.
 */
export { EventEmitter } from './event.js';
export { envTimekeeper, ManualTimekeeper } from './timekeeper.js';
export { exponentialBackoff, JITTER_MODES } from './backoff.js';
export { RetryBudget } from './retry-budget.js';
export { RetryPolicy, retry } from './retry.js';
export { RetrySession } from './retry-session.js';
export { CircuitBreaker } from './circuit-breaker.js';
export { ConsecutiveFailurePolicy, FailureRatePolicy } from './breaker-policy.js';
export { Deadline, deadline, withTimeout } from './deadline.js';
export { IdempotencyStore } from './idempotency.js';
export { stableJson } from './stable-json.js';
export { SlidingWindowCounter } from './sliding-window.js';
export {
  BrokenCircuitError,
  isBrokenCircuitError,
  TimeoutError,
  isTimeoutError,
  IdempotencyKeyReusedError,
  isIdempotencyKeyReusedError,
  IdempotencyStoreFullError,
  isIdempotencyStoreFullError,
  BROKEN_CIRCUIT_ERROR,
  TIMEOUT_ERROR,
  IDEMPOTENCY_KEY_REUSED_ERROR,
  IDEMPOTENCY_STORE_FULL_ERROR,
} from './errors.js';

export type { Event, Disposable } from './event.js';
export type { TimeSource, Timekeeper } from './timekeeper.js';
export type { Backoff, BackoffOptions, BackoffBounds, JitterMode } from './backoff.js';
export type { RetryBudgetOptions } from './retry-budget.js';
export type {
  RetryContext,
  RetryPolicyOptions,
  RetryCallOptions,
  RetryOptions,
  RetryEventData,
  GiveUpEventData,
  GiveUpReason,
  RetryDecision,
  RetryGiveUp,
} from './retry.js';
export type {
  CircuitState,
  CircuitStateKind,
  CircuitBreakerOptions,
  Permit,
  StateChangeEvent,
  BreakEvent,
} from './circuit-breaker.js';
export type { BreakerPolicy, FailureRatePolicyOptions } from './breaker-policy.js';
export type { TimeoutContext, WithTimeoutOptions } from './deadline.js';
export type { IdempotencyStoreOptions, IdempotencyRecord, Outcome } from './idempotency.js';
export type { Rng } from '../random/rng.js';
