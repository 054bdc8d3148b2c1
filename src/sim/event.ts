/**
 * One scheduled event. Events are pooled and reused (see `EventHeap`), so the
 * hot path — a message or a timer — allocates no event object; every field is
 * reset before reuse. The class keeps one hidden shape for V8.
 */
export const EventKind = {
  /** A node's process starts (first boot or restart). */
  start: 1,
  /** A message arrives at `node` from `from`. */
  deliver: 2,
  /** A timer of `node` fires. */
  timer: 3,
  /** An fsync of `node` completes. */
  fsync: 4,
  /** A scripted or nemesis action (`fn`). */
  action: 5,
  /** A cancelled timer, or a pooled event not in use: skipped when popped. */
  cancelled: 6,
} as const;
export type EventKindCode = (typeof EventKind)[keyof typeof EventKind];

export class SimEvent {
  /** Virtual time in integer µs. */
  timeUs = 0;
  /** Tie-breaker: the scheduling order, so equal times run first-scheduled first. */
  seq = 0;
  kind: number = EventKind.cancelled;
  /** Target node index. */
  node = 0;
  /** Sender node index (deliver). */
  from = 0;
  /** Incarnation of the target node when scheduled (timer, fsync, start). */
  incarnation = 0;
  /** Message id, timer id or fsync id. */
  id = 0;
  /** Timer deadline on the node's monotonic clock (µs); 1 when a message is a duplicate. */
  aux = 0;
  payload: unknown = undefined;
  fn: (() => void) | undefined = undefined;
  /** fsync completion callback. */
  done: ((error?: Error) => void) | undefined = undefined;
}
