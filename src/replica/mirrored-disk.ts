/**
 * A `Disk` that keeps every file as K identical copies of checksummed frames,
 * so that a flipped bit (bit rot, a misdirected write) costs nothing: each
 * frame is read from whichever copy still verifies, and `scrub()` rewrites
 * a damaged copy from the others before a second fault can hit the same
 * frame.
 *
 * Why: Raft's safety rests on what a node has acknowledged staying durable
 * (its vote, the entries it acked). A checksum turns silent corruption into
 * a detected one, but a node that detects it has still lost the data and
 * must not rejoin as if it had not. Redundancy lets it keep everything.
 *
 * Layout: logical file `f` is stored as `f.m0` … `f.m{K-1}`. Each holds
 * frames `[length u32 LE][crc32c u32 LE][payload]` (crc over the length
 * bytes then the payload); an `append` of n bytes is ⌈n / chunkBytes⌉
 * frames, a `write` replaces every copy with the chunked content. Every copy
 * receives the same operations, so intact copies are byte-identical and
 * frames sit at the same offsets in all of them.
 *
 * Reading merges the copies frame by frame. When no copy has a valid frame
 * at some offset:
 * - every copy ends there, or holds only an incomplete frame (a torn write
 *   after a crash), or one copy never had it durable at all (fsync of the
 *   batch never completed on every copy, so nobody was told): the file ends
 *   there;
 * - otherwise every copy holds a complete frame whose checksum fails: the
 *   data was durable and is lost. `read` throws `DiskCorruptionError` and the
 *   owner must refuse to use the file (Raft refuses to start: safety first).
 * A torn append may leave whole leading chunks of it behind; the layer above
 * frames its own records and sees a truncated record, as with a plain disk.
 *
 * `fsync(file)` completes when every copy is durable, so anything reported
 * durable exists K times.
 */
import type { Disk } from '../env/index.js';
import { crc32c } from '../core/checksum/index.js';

const FRAME_HEADER_BYTES = 8;
/** A frame never claims more than this; a larger length is damage, not data. */
const FRAME_PAYLOAD_BYTES_MAX = 1 << 20;
const COPY_SUFFIX = /\.m(\d)$/;

export const MIRRORED_DISK_ERROR = 'faultline.replica.disk-corruption';

/** Every copy of a durable frame failed its checksum: the data is gone. */
export class DiskCorruptionError extends Error {
  readonly code = MIRRORED_DISK_ERROR;
  constructor(
    readonly file: string,
    /** Byte offset of the damaged frame within each copy. */
    readonly offsetBytes: number,
  ) {
    super(`MirroredDisk: every copy of "${file}" is damaged at byte ${offsetBytes}: durable data was lost`);
    this.name = 'DiskCorruptionError';
  }
}

export function isDiskCorruptionError(e: unknown): e is DiskCorruptionError {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === MIRRORED_DISK_ERROR;
}

export interface MirroredDiskOptions {
  /** Copies of every file, 1 … 4. @defaultValue 2 */
  readonly copies?: number;
  /** Largest frame payload; a fault damages at most one chunk of one copy. @defaultValue 1024 */
  readonly chunkBytes?: number;
}

export interface ScrubReport {
  readonly filesChecked: number;
  readonly bytesChecked: number;
  /** Copies rewritten because a frame of theirs was damaged, missing or extra. */
  readonly copiesRepaired: number;
  /** Files whose durable data is lost in every copy (left untouched). */
  readonly unrecoverable: readonly string[];
}

interface Merged {
  /** Valid frames, in order: payload and their physical offset. */
  readonly frames: ReadonlyArray<{ readonly offset: number; readonly payload: Uint8Array }>;
  /** Physical length of the valid prefix (identical in every intact copy). */
  readonly validBytes: number;
  /** Per copy: its bytes equal the valid prefix exactly. */
  readonly intact: readonly boolean[];
}

function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

/** Every copy present and byte-identical (compared a word at a time when the buffers allow). */
function allEqual(copies: ReadonlyArray<Uint8Array | undefined>): boolean {
  const first = copies[0];
  if (first === undefined) return false;
  for (let k = 1; k < copies.length; k++) {
    const b = copies[k];
    if (b === undefined || b.length !== first.length) return false;
    if (!sameBytes(first, b)) return false;
  }
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  let i = 0;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const words = n >>> 2;
    const wa = new Uint32Array(a.buffer, a.byteOffset, words);
    const wb = new Uint32Array(b.buffer, b.byteOffset, words);
    for (let w = 0; w < words; w++) if (wa[w] !== wb[w]) return false;
    i = words << 2;
  }
  for (; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameRange(a: Uint8Array, b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (a[i] !== b[i]) return false;
  return true;
}

function frameCrc(bytes: Uint8Array, at: number, length: number): number {
  return crc32c(bytes.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length), crc32c(bytes.subarray(at, at + 4)));
}

type FrameAt = { readonly kind: 'valid'; readonly length: number } | { readonly kind: 'absent' | 'incomplete' | 'bad' };

function frameAt(bytes: Uint8Array | undefined, at: number): FrameAt {
  if (bytes === undefined || bytes.length <= at) return { kind: 'absent' };
  if (bytes.length < at + FRAME_HEADER_BYTES) return { kind: 'incomplete' };
  const length = u32(bytes, at);
  if (length > FRAME_PAYLOAD_BYTES_MAX) return { kind: 'bad' };
  if (bytes.length < at + FRAME_HEADER_BYTES + length) return { kind: 'incomplete' };
  return frameCrc(bytes, at, length) === u32(bytes, at + 4) ? { kind: 'valid', length } : { kind: 'bad' };
}

export class MirroredDisk implements Disk {
  readonly copies: number;
  readonly chunkBytes: number;
  readonly #inner: Disk;
  /** A scrub's repairs could not be made durable: every later fsync reports it. */
  #repairFsyncError: Error | undefined;
  /** Physical copies that exist (this disk is their only writer). */
  readonly #present = new Set<string>();

  constructor(inner: Disk, options: MirroredDiskOptions = {}) {
    this.#inner = inner;
    this.copies = options.copies ?? 2;
    this.chunkBytes = options.chunkBytes ?? 1024;
    if (!Number.isSafeInteger(this.copies) || this.copies < 1 || this.copies > 4) {
      throw new RangeError(`MirroredDisk: copies must be an integer in [1, 4], got ${this.copies}`);
    }
    if (!Number.isSafeInteger(this.chunkBytes) || this.chunkBytes < 1 || this.chunkBytes > FRAME_PAYLOAD_BYTES_MAX) {
      throw new RangeError(`MirroredDisk: chunkBytes must be an integer in [1, ${FRAME_PAYLOAD_BYTES_MAX}], got ${this.chunkBytes}`);
    }
    for (const n of inner.list()) if (COPY_SUFFIX.test(n)) this.#present.add(n);
    // After a crash the copies may differ in length (each fsync completed or
    // not on its own): bring them back in line before anything is appended,
    // or new frames would land at different offsets in different copies.
    this.scrub(undefined, { full: true });
  }

  #copy(file: string, k: number): string {
    return `${file}.m${k}`;
  }

  #readCopies(file: string): Array<Uint8Array | undefined> {
    const out: Array<Uint8Array | undefined> = [];
    for (let k = 0; k < this.copies; k++) {
      const name = this.#copy(file, k);
      out.push(this.#present.has(name) ? this.#inner.read(name) : undefined);
    }
    return out;
  }

  /**
   * Merge the copies frame by frame (see the file comment); throws
   * DiskCorruptionError. A frame belongs to the file when one copy verifies
   * it and every other copy holds at least its bytes (so it was durable
   * everywhere: it may have been acknowledged). A copy too short for it, or
   * holding a different valid frame there, means the batch never became
   * durable on every copy — nobody was told — and the file ends there.
   */
  #merge(file: string, copies: ReadonlyArray<Uint8Array | undefined>): Merged {
    const frames: Array<{ offset: number; payload: Uint8Array }> = [];
    const intact = copies.map((b) => b !== undefined);
    let at = 0;
    for (;;) {
      let ref = -1;
      let length = 0;
      let allBad = true;
      for (let k = 0; k < copies.length && ref < 0; k++) {
        const f = frameAt(copies[k], at);
        if (f.kind === 'valid') {
          ref = k;
          length = f.length;
        } else if (f.kind !== 'bad' && copies[k] !== undefined) {
          allBad = false;
        }
      }
      if (ref < 0) {
        // Complete in every copy (so durable everywhere) and failing everywhere: lost.
        if (allBad && copies.some((b) => b !== undefined)) throw new DiskCorruptionError(file, at);
        break;
      }
      const end = at + FRAME_HEADER_BYTES + length;
      const refBytes = copies[ref]!;
      let everywhere = true;
      for (let k = 0; k < copies.length; k++) {
        const b = copies[k];
        if (k === ref || b === undefined) continue;
        if (b.length < end) {
          everywhere = false;
          break;
        }
        if (sameRange(b, refBytes, at, end)) continue;
        if (frameAt(b, at).kind === 'valid') {
          everywhere = false; // two different valid frames: divergent, unacknowledged tails
          break;
        }
        intact[k] = false; // damaged here; the others have it
      }
      if (!everywhere) break;
      frames.push({ offset: at, payload: refBytes.subarray(at + FRAME_HEADER_BYTES, end) });
      at = end;
    }
    for (let k = 0; k < copies.length; k++) if (copies[k]?.length !== at) intact[k] = false;
    return { frames, validBytes: at, intact };
  }

  #encodeFrames(data: Uint8Array): Uint8Array {
    const chunk = this.chunkBytes;
    const count = Math.max(1, Math.ceil(data.length / chunk));
    const out = new Uint8Array(data.length + count * FRAME_HEADER_BYTES);
    const view = new DataView(out.buffer);
    let o = 0;
    for (let i = 0; i < count; i++) {
      const part = data.subarray(i * chunk, Math.min(data.length, (i + 1) * chunk));
      view.setUint32(o, part.length, true);
      out.set(part, o + FRAME_HEADER_BYTES);
      view.setUint32(o + 4, frameCrc(out, o, part.length), true);
      o += FRAME_HEADER_BYTES + part.length;
    }
    return out;
  }

  read(file: string): Uint8Array | undefined {
    const copies = this.#readCopies(file);
    if (copies.every((b) => b === undefined)) return undefined;
    const merged = this.#merge(file, copies);
    const size = merged.frames.reduce((n, f) => n + f.payload.length, 0);
    const out = new Uint8Array(size);
    let o = 0;
    for (const f of merged.frames) {
      out.set(f.payload, o);
      o += f.payload.length;
    }
    return out;
  }

  append(file: string, data: Uint8Array): void {
    if (data.length === 0) return;
    const frames = this.#encodeFrames(data);
    for (let k = 0; k < this.copies; k++) {
      const name = this.#copy(file, k);
      this.#inner.append(name, frames);
      this.#present.add(name);
    }
  }

  write(file: string, data: Uint8Array): void {
    const frames = data.length === 0 ? new Uint8Array(0) : this.#encodeFrames(data);
    for (let k = 0; k < this.copies; k++) this.#writeCopy(this.#copy(file, k), frames);
  }

  #writeCopy(name: string, bytes: Uint8Array): void {
    this.#inner.write(name, bytes);
    this.#present.add(name);
  }

  truncate(file: string, sizeBytes: number): void {
    const copies = this.#readCopies(file);
    if (copies.every((b) => b === undefined)) throw new RangeError(`MirroredDisk.truncate: no such file "${file}"`);
    const merged = this.#merge(file, copies);
    // Find the frame boundary at logical `sizeBytes`; cut every copy there if one exists.
    let logical = 0;
    let physical = 0;
    for (const f of merged.frames) {
      if (logical >= sizeBytes) break;
      logical += f.payload.length;
      physical = f.offset + FRAME_HEADER_BYTES + f.payload.length;
    }
    if (logical === sizeBytes) {
      for (let k = 0; k < this.copies; k++) {
        const b = copies[k];
        if (b !== undefined && b.length > physical) this.#inner.truncate(this.#copy(file, k), physical);
      }
      return;
    }
    if (sizeBytes > logical) throw new RangeError(`MirroredDisk.truncate: "${file}" holds ${logical} bytes, cannot cut to ${sizeBytes}`);
    // Inside a frame: rewrite the prefix (rare: only a torn tail inside a chunked write).
    const content = this.read(file)!;
    this.write(file, content.subarray(0, sizeBytes));
  }

  remove(file: string): void {
    let removed = false;
    for (let k = 0; k < this.copies; k++) {
      const name = this.#copy(file, k);
      if (this.#present.delete(name)) {
        this.#inner.remove(name);
        removed = true;
      }
    }
    if (!removed) throw new RangeError(`MirroredDisk.remove: no such file "${file}"`);
  }

  list(): string[] {
    const names = new Set<string>();
    for (const n of this.#present) {
      const m = COPY_SUFFIX.exec(n);
      if (m !== null && Number(m[1]) < this.copies) names.add(n.slice(0, -m[0].length));
    }
    return [...names].sort();
  }

  fsync(file: string, done: (error?: Error) => void): void {
    if (file === '') {
      this.#inner.fsync('', done);
      return;
    }
    const names: string[] = [];
    for (let k = 0; k < this.copies; k++) {
      const name = this.#copy(file, k);
      if (this.#present.has(name)) names.push(name);
    }
    if (names.length === 0) throw new RangeError(`MirroredDisk.fsync: no such file "${file}"`);
    this.#fsyncAll(names, false, (error) => done(error ?? this.#repairFsyncError));
  }

  /**
   * Verify every copy of every file and rewrite (then fsync) each copy that
   * differs from the merged content: a damaged or missing frame, or junk
   * after the end. Files lost in every copy are reported, never touched.
   * `done` runs when the repairs are durable (or at once when none were needed).
   */
  scrub(done?: (error?: Error) => void, options: { readonly full?: boolean } = {}): ScrubReport {
    let filesChecked = 0;
    let bytesChecked = 0;
    let copiesRepaired = 0;
    const unrecoverable: string[] = [];
    const repairs: string[] = [];
    for (const file of this.list()) {
      filesChecked++;
      const copies = this.#readCopies(file);
      for (const b of copies) bytesChecked += b?.length ?? 0;
      // Fast path: a fault hits one copy, so identical copies are intact. Not
      // after a crash (`full`), where every copy may end in the same torn tail.
      if (options.full !== true && allEqual(copies)) continue;
      let merged: Merged;
      try {
        merged = this.#merge(file, copies);
      } catch (e) {
        if (!isDiskCorruptionError(e)) throw e;
        unrecoverable.push(file);
        continue;
      }
      if (merged.intact.every((ok) => ok)) continue;
      const good = this.#goodBytes(copies, merged);
      for (let k = 0; k < this.copies; k++) {
        if (merged.intact[k]) continue;
        const name = this.#copy(file, k);
        const copy = copies[k];
        if (copy !== undefined && copy.length > merged.validBytes && sameRange(copy, good, 0, merged.validBytes)) {
          this.#inner.truncate(name, merged.validBytes); // its only fault: an unacknowledged tail too many
        } else {
          this.#writeCopy(name, good);
        }
        repairs.push(name);
        copiesRepaired++;
      }
    }
    // Repairs are always made durable (a rewritten copy that a crash takes back is still damaged, and the
    // next fault may hit the last good one); a failure also fails every later fsync, so no caller can miss it.
    if (repairs.length === 0) done?.();
    else {
      this.#fsyncAll(repairs, true, (error) => {
        if (error !== undefined) this.#repairFsyncError ??= error;
        done?.(error);
      });
    }
    return { filesChecked, bytesChecked, copiesRepaired, unrecoverable };
  }

  /** The valid frames, as stored (headers included), from whichever copy verifies each. */
  #goodBytes(copies: ReadonlyArray<Uint8Array | undefined>, merged: Merged): Uint8Array {
    const out = new Uint8Array(merged.validBytes);
    for (const f of merged.frames) {
      const end = f.offset + FRAME_HEADER_BYTES + f.payload.length;
      const source = copies.find((b) => frameAt(b, f.offset).kind === 'valid')!;
      out.set(source.subarray(f.offset, end), f.offset);
    }
    return out;
  }

  /** fsync every name (and the directory, when asked); `done` once, after all of them. */
  #fsyncAll(names: readonly string[], withDirectory: boolean, done: (error?: Error) => void): void {
    // One extra count held until every fsync is issued, so inline completions cannot finish early.
    let pending = names.length + 1;
    let firstError: Error | undefined;
    const finish = (error?: Error): void => {
      if (error !== undefined && firstError === undefined) firstError = error;
      if (--pending === 0) done(firstError);
    };
    for (const n of names) this.#inner.fsync(n, finish);
    // A repaired copy may have been re-created: make its directory entry durable too.
    if (withDirectory) this.#inner.fsync('', finish);
    else finish();
  }
}
