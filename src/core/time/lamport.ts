/**
 * Lamport clock (Lamport, "Time, Clocks, and the Ordering of Events in a
 * Distributed System", 1978): a counter such that `e → f ⇒ L(e) < L(f)`.
 * The converse does not hold; use VectorClock to detect concurrency, and
 * break ties between equal values with the node id for a total order.
 */
export interface LamportClockOptions {
  /** Starting value (e.g. persisted across a restart). Default 0. */
  initial?: number;
}

export class LamportClock {
  private current: number;

  constructor(options: LamportClockOptions = {}) {
    const initial = options.initial ?? 0;
    if (!Number.isSafeInteger(initial) || initial < 0) {
      throw new RangeError(`LamportClock: initial must be a non-negative safe integer, got ${initial}`);
    }
    this.current = initial;
  }

  /** The current value (the timestamp of the last event). */
  get value(): number {
    return this.current;
  }

  /** A local event or a send: advance by one and return the event's timestamp. */
  tick(): number {
    if (this.current === Number.MAX_SAFE_INTEGER) throw overflow();
    return ++this.current;
  }

  /** Receipt of a message stamped `remote`: `max(local, remote) + 1`. */
  receive(remote: number): number {
    if (!Number.isSafeInteger(remote) || remote < 0) {
      throw new RangeError(`LamportClock.receive: remote must be a non-negative safe integer, got ${remote}`);
    }
    const base = remote > this.current ? remote : this.current;
    if (base === Number.MAX_SAFE_INTEGER) throw overflow();
    this.current = base + 1;
    return this.current;
  }
}

function overflow(): RangeError {
  return new RangeError('LamportClock: counter would exceed Number.MAX_SAFE_INTEGER (is a peer sending huge values?)');
}
