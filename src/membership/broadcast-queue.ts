/**
 * Broadcasts waiting to be gossiped (memberlist's TransmitLimitedQueue). Each
 * is about one member, and a newer broadcast about that member replaces the
 * older (an `alive` at incarnation 5 makes the `suspect` at 4 pointless), so
 * the queue never holds more entries than there are member names: bounded by
 * construction. Each is sent at most `retransmitLimit(mult, n)` times;
 * fresher ones (fewer transmits) go first, then larger ones, then newer ones.
 */

interface Entry {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly id: number;
  transmits: number;
}

/** memberlist's order: fewer transmits first, then longer messages, then newer ones. */
function before(a: Entry, b: Entry): number {
  return a.transmits - b.transmits || b.bytes.length - a.bytes.length || b.id - a.id;
}

export class BroadcastQueue {
  readonly #byName = new Map<string, Entry>();
  #ordered: Entry[] = [];
  #dirty = false;
  #nextId = 1;

  get size(): number {
    return this.#byName.size;
  }

  /** Queue `bytes` (one encoded part) about member `name`, replacing any older broadcast about it. */
  queue(name: string, bytes: Uint8Array): void {
    const old = this.#byName.get(name);
    if (old !== undefined) this.#ordered.splice(this.#ordered.indexOf(old), 1);
    const entry: Entry = { name, bytes, id: this.#nextId++, transmits: 0 };
    this.#byName.set(name, entry);
    this.#ordered.push(entry);
    this.#dirty = true;
  }

  /** Whether a broadcast about `name` is still waiting. */
  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /**
   * Take at most `maxCount` broadcasts that fit in `limitBytes`, counting
   * `overheadBytes` per message, greedily in queue order; each taken one
   * counts a transmit and is dropped once it reaches `transmitLimit`.
   */
  take(overheadBytes: number, limitBytes: number, transmitLimit: number, maxCount = Infinity): Uint8Array[] {
    if (this.#ordered.length === 0) return [];
    if (this.#dirty) {
      this.#ordered.sort(before);
      this.#dirty = false;
    }
    const out: Uint8Array[] = [];
    let used = 0;
    const kept: Entry[] = [];
    const bumped: Entry[] = [];
    for (const entry of this.#ordered) {
      const free = limitBytes - used - overheadBytes;
      if (out.length < maxCount && free > 0 && entry.bytes.length <= free) {
        out.push(entry.bytes);
        used += overheadBytes + entry.bytes.length;
        entry.transmits++;
        if (entry.transmits >= transmitLimit) this.#byName.delete(entry.name);
        else bumped.push(entry);
      } else {
        kept.push(entry);
      }
    }
    if (out.length > 0) {
      // Bumped entries now have one more transmit: they sort after the untouched ones of their old tier.
      this.#ordered = kept.concat(bumped);
      this.#dirty = bumped.length > 0 && kept.length > 0;
    }
    return out;
  }

  clear(): void {
    this.#byName.clear();
    this.#ordered = [];
  }
}
