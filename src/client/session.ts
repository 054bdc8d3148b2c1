/**
 * The client half of a replicated session (RIFL): every write carries
 * `Faultline-Session: clientId/seq/ackedSeq`, so a retry of the same seq —
 * to any member, across leader changes — returns the first attempt's result
 * instead of applying twice.
 *
 * - `seq` rises by one per write. `ackedSeq` is the highest seq such that
 *   every seq ≤ it is finished (answered, refused, or given up on): the
 *   client will never send those again, so the servers may drop their
 *   stored results.
 * - Invariant: `nextSeq − 1 − ackedSeq ≤ window` (< the 64 results a server
 *   keeps). A write that would break it waits, FIFO, for the mark to rise;
 *   at most `maxQueued` may wait (then `overloaded`).
 * - A session the cluster has forgotten (`session_expired`: idle too long)
 *   is replaced: `invalidate` drops it and the next `begin` registers anew.
 *   Writes still in flight on the old session finish on their own `ref`.
 */
import { FaultlineError } from './errors.js';

interface SessionState {
  readonly clientId: number;
  nextSeq: number;
  ackedSeq: number;
  /** Finished seqs above ackedSeq. */
  readonly finished: Set<number>;
}

/** One write's place in a session. */
export interface SessionRef {
  readonly clientId: number;
  readonly seq: number;
  /** The mark when the write began; the header stays byte-identical across its retries. */
  readonly ackedSeq: number;
  /** `clientId/seq/ackedSeq` */
  readonly header: string;
  readonly state: SessionState;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

export class SessionWindow {
  readonly window: number;
  readonly maxQueued: number;
  readonly #register: () => Promise<number>;
  #state: SessionState | undefined;
  #registering: Promise<SessionState> | undefined;
  readonly #waiters: Waiter[] = [];

  constructor(window: number, maxQueued: number, register: () => Promise<number>) {
    if (!(Number.isSafeInteger(window) && window >= 1)) throw new RangeError(`SessionWindow: window must be an integer ≥ 1, got ${window}`);
    this.window = window;
    this.maxQueued = maxQueued;
    this.#register = register;
  }

  /** The current session's id, once registered. */
  get clientId(): number | undefined {
    return this.#state?.clientId;
  }

  /** Writes waiting for room in the window. */
  get queued(): number {
    return this.#waiters.length;
  }

  /** Reserve the next seq (registering a session first if needed; waiting for room). */
  async begin(signal?: AbortSignal): Promise<SessionRef> {
    for (;;) {
      const state = this.#state ?? (await this.#ensureRegistered());
      if (state !== this.#state) continue; // replaced while we waited
      if (state.nextSeq - 1 - state.ackedSeq < this.window) {
        const seq = state.nextSeq++;
        const ackedSeq = state.ackedSeq;
        return { clientId: state.clientId, seq, ackedSeq, header: `${state.clientId}/${seq}/${ackedSeq}`, state };
      }
      await this.#wait(signal);
    }
  }

  /** The write will never be sent again: let the mark pass it. */
  finish(ref: SessionRef): void {
    const state = ref.state;
    if (ref.seq <= state.ackedSeq || state.finished.has(ref.seq)) return;
    state.finished.add(ref.seq);
    while (state.finished.delete(state.ackedSeq + 1)) state.ackedSeq++;
    // Invariant: seqs at or below the mark are never held as finished-above-the-mark.
    if (state.finished.has(state.ackedSeq)) throw new Error('SessionWindow: invariant broken: a finished seq at the mark');
    if (state === this.#state) this.#wakeAll();
  }

  /** The cluster no longer knows `ref`'s session: start a new one for the next write. */
  invalidate(ref: SessionRef): void {
    if (this.#state === ref.state) this.#state = undefined;
    this.#wakeAll();
  }

  /** Reject every waiter (the client is closing). */
  close(reason: unknown): void {
    for (const w of this.#waiters.splice(0)) {
      w.signal?.removeEventListener('abort', w.onAbort);
      w.reject(reason);
    }
  }

  /** Shared by every write that needs it, so it takes no caller's signal: one caller's abort must not fail the others. */
  #ensureRegistered(): Promise<SessionState> {
    if (this.#registering === undefined) {
      this.#registering = this.#register()
        .then((clientId) => {
          const state: SessionState = { clientId, nextSeq: 1, ackedSeq: 0, finished: new Set() };
          this.#state = state;
          return state;
        })
        .finally(() => {
          this.#registering = undefined;
        });
    }
    return this.#registering;
  }

  #wait(signal: AbortSignal | undefined): Promise<void> {
    if (this.#waiters.length >= this.maxQueued) {
      return Promise.reject(
        new FaultlineError({
          code: 'overloaded',
          message: `${this.#waiters.length} writes are already waiting for the session window (maxQueuedWrites); slow down`,
          definite: true,
          retryable: true,
        }),
      );
    }
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(signal!.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #wakeAll(): void {
    // Everyone re-checks; those still without room queue again at the back, in their old order.
    for (const w of this.#waiters.splice(0)) {
      w.signal?.removeEventListener('abort', w.onAbort);
      w.resolve();
    }
  }
}
