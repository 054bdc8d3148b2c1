/**
 * Records a history as operations happen: protocol tests and the simulator
 * call `invoke` before sending a request and `ok` / `fail` / `info` when the
 * answer (or a timeout) comes back. Time is injected, so the recorder works
 * under virtual time; give it nanoseconds (e.g. `() => env.monoNowMs() * 1e6`).
 */
import type { History, HistoryEvent, Process } from './history.js';

/** A pending operation, returned by `invoke` and passed to its completion. */
export interface OpHandle {
  readonly process: Process;
  readonly f: string;
  /** Position of the invoke event in the history. */
  readonly index: number;
}

export interface HistoryRecorderOptions {
  /** Current time in nanoseconds; must never decrease. */
  now: () => number;
}

export class HistoryRecorder {
  readonly #now: () => number;
  readonly #events: HistoryEvent[] = [];
  readonly #open = new Map<Process, { handle: OpHandle; key: unknown }>();
  #lastTime = -Infinity;

  constructor(options: HistoryRecorderOptions) {
    if (typeof options?.now !== 'function') throw new TypeError('HistoryRecorder: now must be a function returning nanoseconds');
    this.#now = options.now;
  }

  /** Events recorded so far. */
  get size(): number {
    return this.#events.length;
  }

  /** Operations invoked and not yet completed. */
  get outstanding(): number {
    return this.#open.size;
  }

  /**
   * Record an invocation. A process has at most one operation outstanding
   * (Jepsen's rule: a client is single-threaded); invoking again first is a bug.
   */
  invoke(process: Process, f: string, value: unknown = null, key?: unknown): OpHandle {
    if (this.#open.has(process)) {
      throw new Error(`HistoryRecorder: process ${String(process)} invoked "${f}" while its "${this.#open.get(process)!.handle.f}" is outstanding`);
    }
    if (typeof f !== 'string' || f.length === 0) throw new TypeError('HistoryRecorder: f must be a non-empty string');
    const handle: OpHandle = Object.freeze({ process, f, index: this.#events.length });
    const event: HistoryEvent = { process, type: 'invoke', f, value: value ?? null, time: this.#time(), index: handle.index };
    if (key !== undefined) event.key = key;
    this.#events.push(event);
    this.#open.set(process, { handle, key });
    return handle;
  }

  /** It happened; `value` is its result (a read's value, a generated ID, a token…). */
  ok(handle: OpHandle, value: unknown = null): void {
    this.#complete(handle, 'ok', value, undefined);
  }

  /** It certainly did not happen (e.g. a cas whose compare failed, a refused request). */
  fail(handle: OpHandle, error?: unknown): void {
    this.#complete(handle, 'fail', null, error);
  }

  /** Unknown whether it happened (a timeout, a lost connection). */
  info(handle: OpHandle, error?: unknown): void {
    this.#complete(handle, 'info', null, error);
  }

  /** A copy of the events recorded so far. */
  toHistory(): History {
    return this.#events.map((e) => ({ ...e }));
  }

  #complete(handle: OpHandle, type: 'ok' | 'fail' | 'info', value: unknown, error: unknown): void {
    const open = this.#open.get(handle.process);
    if (open === undefined || open.handle !== handle) {
      throw new Error(`HistoryRecorder: ${type} for process ${String(handle.process)}'s "${handle.f}", which is not outstanding (completed twice?)`);
    }
    this.#open.delete(handle.process);
    const event: HistoryEvent = { process: handle.process, type, f: handle.f, value: value ?? null, time: this.#time(), index: this.#events.length };
    if (open.key !== undefined) event.key = open.key;
    if (error !== undefined) event.error = error instanceof Error ? error.message : error;
    this.#events.push(event);
  }

  #time(): number {
    const time = this.#now();
    if (!Number.isFinite(time)) throw new RangeError(`HistoryRecorder: now() returned ${time}`);
    if (time < this.#lastTime) throw new RangeError(`HistoryRecorder: time went backwards (${time} after ${this.#lastTime}); give a monotonic clock`);
    this.#lastTime = time;
    return time;
  }
}
