/**
 * Vector clock (Fidge 1988, Mattern 1988): one counter per node, so that
 * `e → f ⇔ V(e) < V(f)` and two events are concurrent exactly when neither
 * vector dominates. Immutable: every operation returns a new clock.
 *
 * Canonical form: entries sorted by node id, zero counters dropped (a missing
 * entry means 0, so `{a: 0}` equals `{}`). Equal clocks therefore have equal
 * encodings, byte for byte.
 */
import { ClockDecodeError } from './errors.js';
import { hasLoneSurrogate, utf8Length, writeUtf8 } from './utf8.js';
import { readVarint, varintSize, writeVarint } from './varint.js';

/** How two vector clocks relate under happened-before. */
export type VectorOrder = 'before' | 'after' | 'equal' | 'concurrent';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export class VectorClock {
  /** The clock with every counter 0. */
  static readonly EMPTY: VectorClock = new VectorClock([], []);

  // Invariant: nodes strictly ascending; counters[i] ≥ 1 and a safe integer.
  private readonly nodeIds: readonly string[];
  private readonly counters: readonly number[];

  private constructor(nodeIds: readonly string[], counters: readonly number[]) {
    this.nodeIds = nodeIds;
    this.counters = counters;
  }

  /** The clock with every counter 0. */
  static empty(): VectorClock {
    return VectorClock.EMPTY;
  }

  /**
   * Build from `{ node: counter }` or `[node, counter]` pairs. Counters must
   * be non-negative safe integers; zeros are dropped; node ids are non-empty.
   */
  static from(entries: Readonly<Record<string, number>> | Iterable<readonly [string, number]>): VectorClock {
    const pairs: Array<readonly [string, number]> =
      Symbol.iterator in Object(entries)
        ? Array.from(entries as Iterable<readonly [string, number]>)
        : Object.entries(entries as Record<string, number>);
    const seen = new Set<string>();
    const kept: Array<readonly [string, number]> = [];
    for (const [node, counter] of pairs) {
      assertNodeId(node, 'VectorClock.from');
      if (seen.has(node)) throw new RangeError(`VectorClock.from: node ${JSON.stringify(node)} appears twice`);
      seen.add(node);
      if (!Number.isSafeInteger(counter) || counter < 0) {
        throw new RangeError(`VectorClock.from: counter for ${JSON.stringify(node)} must be a non-negative safe integer, got ${counter}`);
      }
      if (counter > 0) kept.push([node, counter]);
    }
    kept.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    return new VectorClock(
      kept.map((e) => e[0]),
      kept.map((e) => e[1]),
    );
  }

  /** Counter for `node` (0 when absent). */
  get(node: string): number {
    const i = this.indexOf(node);
    return i >= 0 ? this.counters[i] : 0;
  }

  /** Number of non-zero entries. */
  get size(): number {
    return this.nodeIds.length;
  }

  /** Nodes with a non-zero counter, ascending. */
  nodes(): string[] {
    return this.nodeIds.slice();
  }

  /** `[node, counter]` pairs with non-zero counters, ascending by node. */
  entries(): Array<[string, number]> {
    return this.nodeIds.map((n, i) => [n, this.counters[i]]);
  }

  /** A local event or send on `node`: that node's counter plus one. */
  increment(node: string): VectorClock {
    if (typeof node !== 'string') assertNodeId(node, 'VectorClock.increment');
    const i = this.indexOf(node);
    if (i >= 0) {
      if (this.counters[i] === Number.MAX_SAFE_INTEGER) {
        throw new RangeError(`VectorClock.increment: counter for ${JSON.stringify(node)} would exceed Number.MAX_SAFE_INTEGER`);
      }
      const counters = this.counters.slice();
      counters[i]++;
      return new VectorClock(this.nodeIds, counters);
    }
    assertNodeId(node, 'VectorClock.increment'); // only ids new to this clock need checking
    const at = -i - 1;
    const nodeIds = this.nodeIds.slice();
    const counters = this.counters.slice();
    nodeIds.splice(at, 0, node);
    counters.splice(at, 0, 1);
    return new VectorClock(nodeIds, counters);
  }

  /** Pointwise maximum (what a receiver knows after a message). Commutative, associative, idempotent. */
  merge(other: VectorClock): VectorClock {
    const a = this.nodeIds;
    const b = other.nodeIds;
    const ac = this.counters;
    const bc = other.counters;
    const nodeIds: string[] = [];
    const counters: number[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      if (j >= b.length || (i < a.length && a[i] < b[j])) {
        nodeIds.push(a[i]);
        counters.push(ac[i++]);
      } else if (i >= a.length || b[j] < a[i]) {
        nodeIds.push(b[j]);
        counters.push(bc[j++]);
      } else {
        nodeIds.push(a[i]);
        counters.push(ac[i] > bc[j] ? ac[i] : bc[j]);
        i++;
        j++;
      }
    }
    return new VectorClock(nodeIds, counters);
  }

  /**
   * `'before'` when this clock happened-before `other` (≤ everywhere, < somewhere),
   * `'after'` for the reverse, `'equal'`, or `'concurrent'` when neither dominates.
   */
  compare(other: VectorClock): VectorOrder {
    const a = this.nodeIds;
    const b = other.nodeIds;
    let less = false; // some entry of this < other
    let greater = false; // some entry of this > other
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      if (j >= b.length || (i < a.length && a[i] < b[j])) {
        greater = true; // other has 0 here
        i++;
      } else if (i >= a.length || b[j] < a[i]) {
        less = true;
        j++;
      } else {
        const x = this.counters[i++];
        const y = other.counters[j++];
        if (x < y) less = true;
        else if (x > y) greater = true;
      }
      if (less && greater) return 'concurrent';
    }
    if (less) return 'before';
    if (greater) return 'after';
    return 'equal';
  }

  /** This clock happened-before `other`. */
  happenedBefore(other: VectorClock): boolean {
    return this.compare(other) === 'before';
  }

  /** Neither clock happened-before the other, and they differ. */
  concurrentWith(other: VectorClock): boolean {
    return this.compare(other) === 'concurrent';
  }

  equals(other: VectorClock): boolean {
    if (this.nodeIds.length !== other.nodeIds.length) return false;
    for (let i = 0; i < this.nodeIds.length; i++) {
      if (this.nodeIds[i] !== other.nodeIds[i] || this.counters[i] !== other.counters[i]) return false;
    }
    return true;
  }

  /**
   * Compact binary form: varint entry count, then per entry a varint UTF-8
   * length, the node id's bytes and a varint counter. Canonical: equal clocks
   * encode to equal bytes.
   */
  encode(): Uint8Array {
    const n = this.nodeIds.length;
    const lengths = new Array<number>(n);
    let size = varintSize(n);
    for (let i = 0; i < n; i++) {
      lengths[i] = utf8Length(this.nodeIds[i]);
      size += varintSize(lengths[i]) + lengths[i] + varintSize(this.counters[i]);
    }
    const out = new Uint8Array(size);
    let offset = writeVarint(out, 0, n);
    for (let i = 0; i < n; i++) {
      offset = writeVarint(out, offset, lengths[i]);
      offset = writeUtf8(out, offset, this.nodeIds[i]);
      offset = writeVarint(out, offset, this.counters[i]);
    }
    if (offset !== size) throw new Error('VectorClock.encode: invariant violated: written size equals computed size');
    return out;
  }

  /** Inverse of `encode`. Throws ClockDecodeError on anything but a canonical encoding. */
  static decode(bytes: Uint8Array): VectorClock {
    const api = 'VectorClock.decode';
    if (!(bytes instanceof Uint8Array)) throw new ClockDecodeError(`${api}: expected a Uint8Array`);
    const [count, first] = readVarint(bytes, 0, api);
    let offset = first;
    // Each entry takes at least 3 bytes: a cheap bound before allocating.
    if (count * 3 > bytes.length - offset) throw new ClockDecodeError(`${api}: entry count ${count} exceeds the input`);
    const nodeIds: string[] = [];
    const counters: number[] = [];
    for (let k = 0; k < count; k++) {
      let length: number;
      [length, offset] = readVarint(bytes, offset, api);
      if (length === 0 || offset + length > bytes.length) throw new ClockDecodeError(`${api}: bad node id length ${length}`);
      let node: string;
      try {
        node = utf8Decoder.decode(bytes.subarray(offset, offset + length));
      } catch {
        throw new ClockDecodeError(`${api}: node id is not valid UTF-8`);
      }
      offset += length;
      let counter: number;
      [counter, offset] = readVarint(bytes, offset, api);
      if (counter === 0) throw new ClockDecodeError(`${api}: zero counter (not canonical)`);
      if (nodeIds.length > 0 && !(nodeIds[nodeIds.length - 1] < node)) {
        throw new ClockDecodeError(`${api}: node ids not strictly ascending (not canonical)`);
      }
      nodeIds.push(node);
      counters.push(counter);
    }
    if (offset !== bytes.length) throw new ClockDecodeError(`${api}: ${bytes.length - offset} trailing bytes`);
    return new VectorClock(nodeIds, counters);
  }

  /**
   * Compact text form `a=3,b=1` (node ids percent-encoded, so any id is safe;
   * the empty clock is `""`). Fits an HTTP header or a log line.
   */
  toString(): string {
    let out = '';
    for (let i = 0; i < this.nodeIds.length; i++) {
      if (i > 0) out += ',';
      out += encodeURIComponent(this.nodeIds[i]) + '=' + this.counters[i];
    }
    return out;
  }

  /** Inverse of `toString` (accepts zero counters and any entry order). Throws ClockDecodeError. */
  static parse(text: string): VectorClock {
    const api = 'VectorClock.parse';
    if (typeof text !== 'string') throw new ClockDecodeError(`${api}: expected a string`);
    if (text === '') return VectorClock.EMPTY;
    const pairs: Array<[string, number]> = [];
    for (const part of text.split(',')) {
      const eq = part.indexOf('=');
      const digits = part.slice(eq + 1);
      if (eq <= 0 || !/^(0|[1-9][0-9]*)$/.test(digits)) throw new ClockDecodeError(`${api}: bad entry ${JSON.stringify(part)}`);
      let node: string;
      try {
        node = decodeURIComponent(part.slice(0, eq));
      } catch {
        throw new ClockDecodeError(`${api}: bad percent-encoding in ${JSON.stringify(part)}`);
      }
      pairs.push([node, Number(digits)]);
    }
    try {
      return VectorClock.from(pairs);
    } catch (e) {
      throw new ClockDecodeError(`${api}: ${(e as Error).message}`);
    }
  }

  /** Plain `{ node: counter }` object (non-zero entries only). */
  toJSON(): Record<string, number> {
    // fromEntries defines own properties, so even a node named "__proto__" survives.
    return Object.fromEntries(this.entries());
  }

  /** Index of `node`, or `-(insertion point) - 1` when absent (binary search). */
  private indexOf(node: string): number {
    let lo = 0;
    let hi = this.nodeIds.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.nodeIds[mid];
      if (m < node) lo = mid + 1;
      else if (m > node) hi = mid - 1;
      else return mid;
    }
    return -lo - 1;
  }
}

function assertNodeId(node: unknown, api: string): void {
  if (typeof node !== 'string' || node.length === 0 || hasLoneSurrogate(node)) {
    throw new RangeError(`${api}: node id must be a non-empty, well-formed string, got ${JSON.stringify(node)}`);
  }
}
