/**
 * Group commit: coalesces flush requests per key. While a flush of a key is
 * in flight, new requests for that key wait and are all served by the next
 * flush, which starts the moment the in-flight one ends. So N requests that
 * arrive during one flush cost one more flush, not N.
 *
 * Invariant (what makes coalescing safe): a request is completed only by a
 * flush that STARTED after the request was made, so the flush covers every
 * write the requester did before asking.
 */
export type FlushFn = (key: string, done: (error?: Error) => void) => void;

interface KeyState {
  running: boolean;
  /** Requests waiting for the next flush (made while one was in flight, or not yet started). */
  next: Array<(error?: Error) => void>;
}

export interface GroupCommitStats {
  /** Calls to `request`. */
  requests: number;
  /** Flushes actually started. */
  flushes: number;
  /** Largest number of requests one flush served. */
  maxBatch: number;
}

export class GroupCommit {
  readonly #flush: FlushFn;
  readonly #keys = new Map<string, KeyState>();
  readonly #idleWaiters: Array<() => void> = [];
  #requests = 0;
  #flushes = 0;
  #maxBatch = 0;

  constructor(flush: FlushFn) {
    this.#flush = flush;
  }

  /** Ask for a flush of `key` that starts no earlier than now; `done` runs when it ends. */
  request(key: string, done: (error?: Error) => void): void {
    this.#requests++;
    let s = this.#keys.get(key);
    if (s === undefined) {
      s = { running: false, next: [] };
      this.#keys.set(key, s);
    }
    s.next.push(done);
    if (!s.running) this.#start(key, s);
  }

  /** No flush is running or waiting. */
  get idle(): boolean {
    return this.#keys.size === 0;
  }

  /** Resolves when no flush is running or waiting. */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  stats(): GroupCommitStats {
    return { requests: this.#requests, flushes: this.#flushes, maxBatch: this.#maxBatch };
  }

  #start(key: string, s: KeyState): void {
    const batch = s.next;
    s.next = [];
    s.running = true;
    this.#flushes++;
    if (batch.length > this.#maxBatch) this.#maxBatch = batch.length;
    let finished = false;
    this.#flush(key, (error) => {
      if (finished) throw new Error(`GroupCommit: flush of "${key}" completed twice`);
      finished = true;
      s.running = false;
      if (s.next.length > 0) this.#start(key, s);
      else this.#keys.delete(key);
      let thrown: unknown;
      let threw = false;
      for (const done of batch) {
        try {
          done(error);
        } catch (e) {
          // One caller's bug must not starve the others' callbacks; surface it after.
          if (!threw) thrown = e;
          threw = true;
        }
      }
      if (this.idle) for (const resolve of this.#idleWaiters.splice(0)) resolve();
      if (threw) throw thrown;
    });
  }
}
