/**
 * An in-memory `Disk` that models what survives a crash:
 *
 * - writes land in a volatile layer (the page cache) and reads see them;
 * - `fsync(file)` makes the file's content durable when it completes;
 * - creating or removing a file is durable only after `fsync('')`;
 * - `crash()` throws the volatile layer away; the most recently appended
 *   file may keep a random prefix of its un-fsynced tail (a torn write).
 *
 * Appends are amortised O(1) and an fsync after appends costs O(1): the
 * durable content is tracked as a prefix length of the live buffer until a
 * truncate or rewrite forces a copy.
 */
import type { Disk } from '../../env/index.js';
import type { Rng } from '../../core/random/rng.js';

interface FileState {
  buf: Uint8Array;
  len: number;
  /** Durable content is buf[0, durableLen) while `durableCopy` is null. */
  durableLen: number;
  durableCopy: Uint8Array | null;
  /** Bumped by truncate/write, which may change bytes below durableLen. */
  epoch: number;
}

export interface MemoryDiskOptions {
  /**
   * How fsync completions are delivered (always later, never inline). By
   * default they wait in a queue until `runPendingFsyncs()`.
   */
  readonly scheduleFsync?: (complete: () => void) => void;
}

export interface CrashOptions {
  /** Draws the torn tail; without it nothing un-fsynced survives. */
  readonly rng?: Rng;
  /** Probability that the last appended file keeps part of its un-fsynced tail. @defaultValue 0.5 */
  readonly tearProbability?: number;
}

export class MemoryDisk implements Disk {
  #files = new Map<string, FileState>();
  #durableNames = new Set<string>();
  /** Removed files whose removal is not durable yet (they come back on a crash). */
  #removed = new Map<string, FileState>();
  #pending: Array<() => void> = [];
  #lastAppended: string | null = null;
  #failFsyncs = 0;
  readonly #schedule: (complete: () => void) => void;
  fsyncCount = 0;
  bytesWritten = 0;

  constructor(options: MemoryDiskOptions = {}) {
    this.#schedule = options.scheduleFsync ?? ((complete) => this.#pending.push(complete));
  }

  read(file: string): Uint8Array | undefined {
    const f = this.#files.get(file);
    return f === undefined ? undefined : f.buf.slice(0, f.len);
  }

  append(file: string, data: Uint8Array): void {
    const f = this.#open(file);
    if (f.len + data.byteLength > f.buf.byteLength) {
      const grown = new Uint8Array(Math.max(f.buf.byteLength * 2, f.len + data.byteLength, 256));
      grown.set(f.buf.subarray(0, f.len));
      f.buf = grown;
    }
    f.buf.set(data, f.len);
    f.len += data.byteLength;
    this.bytesWritten += data.byteLength;
    this.#lastAppended = file;
  }

  write(file: string, data: Uint8Array): void {
    const f = this.#open(file);
    this.#preserveDurable(f);
    f.buf = new Uint8Array(data);
    f.len = data.byteLength;
    this.bytesWritten += data.byteLength;
  }

  truncate(file: string, sizeBytes: number): void {
    const f = this.#files.get(file);
    if (f === undefined || sizeBytes >= f.len) return;
    if (sizeBytes < f.durableLen) this.#preserveDurable(f);
    f.len = sizeBytes;
  }

  remove(file: string): void {
    const f = this.#files.get(file);
    if (f === undefined) return;
    this.#files.delete(file);
    if (this.#durableNames.has(file) && !this.#removed.has(file)) this.#removed.set(file, f);
  }

  list(): string[] {
    return [...this.#files.keys()].sort();
  }

  fsync(file: string, done: (error?: Error) => void): void {
    this.fsyncCount++;
    if (this.#failFsyncs > 0) {
      this.#failFsyncs--;
      this.#schedule(() => done(new Error(`MemoryDisk: injected fsync failure on '${file}'`)));
      return;
    }
    if (file === '') {
      const names = new Set(this.#files.keys());
      this.#schedule(() => {
        this.#durableNames = names;
        for (const n of names) this.#removed.delete(n);
        for (const n of [...this.#removed.keys()]) if (!names.has(n)) this.#removed.delete(n);
        done();
      });
      return;
    }
    const f = this.#files.get(file);
    if (f === undefined) {
      this.#schedule(() => done(new Error(`MemoryDisk: fsync of missing file '${file}'`)));
      return;
    }
    const len = f.len;
    const epoch = f.epoch;
    this.#schedule(() => {
      if (this.#files.get(file) === f) {
        // If the file was rewritten since the call, what is there now is what we make durable.
        f.durableLen = f.epoch === epoch ? len : f.len;
        f.durableCopy = null;
      }
      done();
    });
  }

  /** Complete every queued fsync (default scheduling only). Returns how many ran. */
  runPendingFsyncs(): number {
    let n = 0;
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      for (const complete of batch) {
        complete();
        n++;
      }
    }
    return n;
  }

  /** Fail the next `count` fsyncs (their callbacks get an error). */
  injectFsyncFailures(count: number): void {
    this.#failFsyncs += count;
  }

  /** Lose everything volatile, as a power cut would. Pending fsyncs never complete. */
  crash(options: CrashOptions = {}): void {
    const survivors = new Map<string, FileState>();
    for (const name of this.#durableNames) {
      const f = this.#removed.get(name) ?? this.#files.get(name);
      if (f === undefined) continue;
      const durable = f.durableCopy ?? f.buf.subarray(0, f.durableLen);
      let keep = durable.byteLength;
      const rng = options.rng;
      if (rng !== undefined && name === this.#lastAppended && f.durableCopy === null && f.len > f.durableLen && rng.chance(options.tearProbability ?? 0.5)) {
        keep = f.durableLen + rng.int(f.len - f.durableLen + 1);
      }
      const content = f.durableCopy === null ? f.buf.slice(0, keep) : new Uint8Array(durable);
      survivors.set(name, { buf: content, len: content.byteLength, durableLen: content.byteLength, durableCopy: null, epoch: 0 });
    }
    this.#files = survivors;
    this.#durableNames = new Set(survivors.keys());
    this.#removed.clear();
    this.#pending = [];
    this.#lastAppended = null;
    this.#failFsyncs = 0;
  }

  /** Flip bits of a byte in the durable and volatile content (test helper for corruption). */
  corrupt(file: string, offset: number, mask = 0xff): void {
    const f = this.#files.get(file);
    if (f === undefined || offset >= f.len) throw new RangeError(`MemoryDisk.corrupt: no byte ${offset} in '${file}'`);
    this.#preserveDurable(f);
    f.buf[offset] ^= mask;
    if (f.durableCopy !== null && offset < f.durableCopy.byteLength) f.durableCopy[offset] ^= mask;
  }

  /** Sizes of the live files, for reports. */
  sizes(): Record<string, number> {
    return Object.fromEntries([...this.#files].map(([n, f]) => [n, f.len]));
  }

  #open(file: string): FileState {
    let f = this.#files.get(file);
    if (f === undefined) {
      f = { buf: new Uint8Array(256), len: 0, durableLen: 0, durableCopy: null, epoch: 0 };
      this.#files.set(file, f);
    }
    return f;
  }

  #preserveDurable(f: FileState): void {
    if (f.durableCopy === null) f.durableCopy = f.buf.slice(0, f.durableLen);
    f.epoch++;
  }
}
