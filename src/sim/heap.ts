import { EventKind, SimEvent } from './event.js';
import { SimulationError } from './errors.js';

/**
 * The scheduler's queue: a binary min-heap of events keyed by (timeUs, seq).
 * `seq` is assigned at push time from one counter, so two events at the same
 * virtual time run in the order they were scheduled — ties are deterministic.
 *
 * Popped events go back to a free list on `recycle`, so a steady-state run
 * allocates no events (memory stays flat over millions of events).
 */
export class EventHeap {
  readonly #items: SimEvent[] = [];
  readonly #free: SimEvent[] = [];
  #nextSeq = 0;
  /** Decreasing counter for `pushFront` batches (always below every `push` seq). */
  #frontSeq = 0;
  /** Events handed out and not yet recycled: queued, held by a paused node, or running. */
  #live = 0;
  readonly #maxLive: number;

  /** @param maxLive bound on outstanding events; a runaway sender fails fast instead of eating memory. */
  constructor(maxLive = Number.MAX_SAFE_INTEGER) {
    this.#maxLive = maxLive;
  }

  get size(): number {
    return this.#items.length;
  }

  /** A clean event from the pool; fill it in, then `push` it. */
  obtain(): SimEvent {
    if (++this.#live > this.#maxLive) {
      this.#live--;
      throw new SimulationError(
        'invalid-state',
        `Simulation: more than ${this.#maxLive} events outstanding (maxQueuedEvents); is a node sending or setting timers in a loop?`,
      );
    }
    return this.#free.pop() ?? new SimEvent();
  }

  /** Return a finished event to the pool (drops its references). */
  recycle(ev: SimEvent): void {
    this.#live--;
    ev.payload = undefined;
    ev.fn = undefined;
    ev.done = undefined;
    ev.kind = EventKind.cancelled;
    this.#free.push(ev);
  }

  push(ev: SimEvent): void {
    ev.seq = this.#nextSeq++;
    this.#insert(ev);
  }

  /**
   * Insert a batch at `timeUs` ahead of every event already scheduled for
   * that time, keeping the batch's own order (a resumed node's queued
   * messages must not be overtaken by ones that arrive at the same instant).
   */
  pushFront(batch: readonly SimEvent[], timeUs: number): void {
    this.#frontSeq -= batch.length;
    let seq = this.#frontSeq;
    for (const ev of batch) {
      ev.timeUs = timeUs;
      ev.seq = seq++;
      this.#insert(ev);
    }
  }

  #insert(ev: SimEvent): void {
    if (!Number.isSafeInteger(ev.timeUs) || ev.timeUs < 0) {
      throw new Error(`EventHeap: invariant violated: event time must be a safe integer ≥ 0 µs, got ${ev.timeUs}`);
    }
    const items = this.#items;
    let i = items.length;
    items.push(ev);
    // Sift up.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent];
      if (p.timeUs < ev.timeUs || (p.timeUs === ev.timeUs && p.seq < ev.seq)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = ev;
  }

  /** The earliest event, without removing it. */
  peek(): SimEvent | undefined {
    return this.#items[0];
  }

  /** Remove and return the earliest event. */
  pop(): SimEvent | undefined {
    const items = this.#items;
    const n = items.length;
    if (n === 0) return undefined;
    const top = items[0];
    const last = items.pop()!;
    if (n > 1) {
      const size = n - 1;
      let i = 0;
      // Sift down.
      while (true) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        let c = l;
        let child = items[l];
        if (r < size) {
          const rc = items[r];
          if (rc.timeUs < child.timeUs || (rc.timeUs === child.timeUs && rc.seq < child.seq)) {
            c = r;
            child = rc;
          }
        }
        if (last.timeUs < child.timeUs || (last.timeUs === child.timeUs && last.seq < child.seq)) break;
        items[i] = child;
        i = c;
      }
      items[i] = last;
    }
    return top;
  }
}
