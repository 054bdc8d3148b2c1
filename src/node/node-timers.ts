import type { TimerId, Timers } from '../env/index.js';

/** setTimeout's ceiling: larger delays overflow to 1 ms in Node. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export interface NodeTimersOptions {
  /** The clock timers are measured against (the node's monotonic clock). */
  monoNowMs: () => number;
  /** Let the process exit while timers are pending (for tools, not for a node). @defaultValue false */
  unref?: boolean;
}

/**
 * `Timers` over real `setTimeout`, with one guarantee setTimeout lacks: a
 * callback never runs before `delayMs` of the monotonic clock have passed
 * since `setTimer` (libuv rounds to whole ms and may fire a fraction early;
 * code that checks `monoNowMs() >= deadline` inside a timer would see it
 * not yet due). An early firing re-arms for the remainder.
 */
export class NodeTimers implements Timers {
  readonly #now: () => number;
  readonly #unref: boolean;
  readonly #pending = new Map<TimerId, Pending>();
  #nextId = 1;

  constructor(options: NodeTimersOptions) {
    if (typeof options?.monoNowMs !== 'function') throw new TypeError('NodeTimers: monoNowMs must be a function');
    this.#now = options.monoNowMs;
    this.#unref = options.unref ?? false;
  }

  setTimer(delayMs: number, callback: () => void): TimerId {
    if (!Number.isFinite(delayMs) || delayMs < 0 || delayMs > MAX_TIMER_DELAY_MS) {
      throw new RangeError(`NodeTimers.setTimer: delayMs must be in [0, ${MAX_TIMER_DELAY_MS}], got ${delayMs}`);
    }
    if (typeof callback !== 'function') throw new TypeError('NodeTimers.setTimer: callback must be a function');
    const id = this.#nextId++;
    const dueMs = this.#now() + delayMs;
    const fire = (): void => {
      const leftMs = dueMs - this.#now();
      if (leftMs > 0) return arm(leftMs);
      this.#pending.delete(id);
      callback();
    };
    const arm = (ms: number): void => {
      const t = setTimeout(fire, Math.ceil(ms));
      if (this.#unref) t.unref();
      this.#pending.set(id, { timeout: t });
    };
    if (delayMs === 0) {
      // "As soon as the I/O already here is handled": setImmediate, not setTimeout's 1 ms minimum.
      const t = setImmediate(() => {
        this.#pending.delete(id);
        callback();
      });
      if (this.#unref) t.unref();
      this.#pending.set(id, { immediate: t });
      return id;
    }
    arm(delayMs);
    return id;
  }

  clearTimer(id: TimerId): void {
    const t = this.#pending.get(id);
    if (t === undefined) return;
    clear(t);
    this.#pending.delete(id);
  }

  /** Timers set and not yet fired or cleared. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Cancel every pending timer (at shutdown). */
  clearAll(): void {
    for (const t of this.#pending.values()) clear(t);
    this.#pending.clear();
  }
}

type Pending = { readonly timeout: NodeJS.Timeout } | { readonly immediate: NodeJS.Immediate };

function clear(p: Pending): void {
  if ('timeout' in p) clearTimeout(p.timeout);
  else clearImmediate(p.immediate);
}
