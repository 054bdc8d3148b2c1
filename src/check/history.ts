/**
 * Histories in Jepsen's shape. A client operation is two events from one
 * process: an `invoke`, then exactly one completion:
 *
 * - `ok`   — it happened, and `value` is its result;
 * - `fail` — it certainly did not happen (it constrains nothing);
 * - `info` — unknown: it may have happened, at any moment after its
 *   invocation, or never (a timeout, a crashed client). Its interval runs to
 *   +infinity.
 *
 * Intervals are closed: two operations that share a timestamp are
 * concurrent. When `time` is absent, the order of events defines real time.
 */

/** A client (or `"nemesis"`, whose events are ignored by the checker). */
export type Process = number | string;

export type EventType = 'invoke' | 'ok' | 'fail' | 'info';

export const EVENT_TYPES: readonly EventType[] = ['invoke', 'ok', 'fail', 'info'];

/** One line of a history. */
export interface HistoryEvent {
  process: Process;
  type: EventType;
  /** The operation's name: `read`, `write`, `cas`, `get`, `acquire`, … */
  f: string;
  /** Invocation argument, or the completion's result. `null` when none. */
  value: unknown;
  /** The object the operation acts on (kv key, lock name, independent key). */
  key?: unknown;
  /** Timestamp in nanoseconds; when absent, line order is real time. */
  time?: number;
  /** Position in the original history (Jepsen's `:index`). */
  index?: number;
  /** Why an operation failed or is unknown (`fail` / `info` only). */
  error?: unknown;
  /** 1-based line in the file this event was read from (set by the readers). */
  line?: number;
}

export type History = HistoryEvent[];

/** The process name whose events are fault injections, not client operations. */
export const NEMESIS = 'nemesis';
