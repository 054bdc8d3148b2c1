/**
 * Events as functions (cockatiel's shape): an `Event<T>` is a subscribe
 * function returning a handle whose `dispose()` unsubscribes. Emitters stay
 * private to the object that fires them; only the subscribe side is public.
 */

/** A handle that releases a subscription or resource. */
export interface Disposable {
  dispose(): void;
}

/** Subscribe `listener`; it is called synchronously each time the event fires. */
export type Event<T> = (listener: (data: T) => void) => Disposable;

/**
 * Calls every listener in subscription order. A listener that throws does not
 * stop the others: the first error is rethrown after all have run, so the
 * object that fired (whose state is already updated) stays consistent.
 */
export class EventEmitter<T> {
  #listeners: Array<(data: T) => void> = [];

  /** The public subscribe function; safe to pass around unbound. */
  readonly event: Event<T> = (listener) => {
    if (typeof listener !== 'function') throw new TypeError('Event: listener must be a function');
    // Copy-on-write so a listener that (un)subscribes during fire() does not disturb the loop.
    this.#listeners = [...this.#listeners, listener];
    let live = true;
    return {
      dispose: () => {
        if (!live) return;
        live = false;
        const i = this.#listeners.indexOf(listener);
        if (i >= 0) this.#listeners = [...this.#listeners.slice(0, i), ...this.#listeners.slice(i + 1)];
      },
    };
  };

  /** How many listeners are subscribed (so callers can skip building event data nobody reads). */
  get size(): number {
    return this.#listeners.length;
  }

  fire(data: T): void {
    const listeners = this.#listeners;
    if (listeners.length === 0) return;
    let firstError: unknown;
    let failed = false;
    for (const listener of listeners) {
      try {
        listener(data);
      } catch (error) {
        if (!failed) {
          failed = true;
          firstError = error;
        }
      }
    }
    if (failed) throw firstError;
  }
}
