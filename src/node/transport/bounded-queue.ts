/**
 * FIFO with a bound on items and on bytes. When full, the OLDEST items are
 * dropped to make room: for Raft the newest message (latest term, latest
 * commit index, latest heartbeat) supersedes the old ones, and the protocol
 * retransmits anything that matters.
 */
export class BoundedQueue<T> {
  readonly maxItems: number;
  readonly maxBytes: number;
  readonly #sizeOf: (item: T) => number;
  #items: Array<T | undefined> = [];
  #head = 0;
  #bytes = 0;

  constructor(maxItems: number, maxBytes: number, sizeOf: (item: T) => number) {
    if (!Number.isSafeInteger(maxItems) || maxItems < 1) throw new RangeError(`BoundedQueue: maxItems must be an integer >= 1, got ${maxItems}`);
    if (!(maxBytes >= 1)) throw new RangeError(`BoundedQueue: maxBytes must be >= 1, got ${maxBytes}`);
    this.maxItems = maxItems;
    this.maxBytes = maxBytes;
    this.#sizeOf = sizeOf;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Enqueue `item`; returns how many old items were dropped to fit it. */
  push(item: T): number {
    const size = this.#sizeOf(item);
    if (size > this.maxBytes) throw new RangeError(`BoundedQueue: an item of ${size} bytes can never fit in ${this.maxBytes}`);
    let dropped = 0;
    while (this.length >= this.maxItems || this.#bytes + size > this.maxBytes) {
      this.shift();
      dropped++;
    }
    this.#items.push(item);
    this.#bytes += size;
    return dropped;
  }

  /** The oldest item, left in place. */
  peek(): T | undefined {
    return this.length === 0 ? undefined : (this.#items[this.#head] as T);
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.#items[this.#head] as T;
    this.#items[this.#head++] = undefined;
    this.#bytes -= this.#sizeOf(item);
    // Compact once the dead prefix dominates: amortised O(1) per shift.
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Remove everything; returns how many items there were. */
  clear(): number {
    const n = this.length;
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
    return n;
  }
}
