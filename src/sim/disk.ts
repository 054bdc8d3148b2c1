import type { Rng } from '../core/random/rng.js';

/**
 * A node's storage, with the two layers real disks have:
 * - the *volatile* view (page cache): what reads see, changed at once by
 *   every append / write / truncate / remove;
 * - the *durable* layer: what survives a crash, changed only when an fsync
 *   completes. `fsync(file)` makes the file's data durable as of the call;
 *   `fsync('')` makes the directory (creations and removals) durable.
 *
 * On a crash the volatile view is rebuilt from the durable layer: every
 * un-fsynced write is lost, a file whose creation was never made durable
 * vanishes, and — with the nemesis' torn-write probability — a proper prefix
 * of the oldest un-fsynced append (the one the disk was writing) survives.
 *
 * Cheap representation: while only appends happened since the durable point,
 * the durable content is a prefix of the volatile buffer (`durableLen`), so
 * an append + fsync costs no copy. Anything that rewrites bytes the durable
 * layer (or an in-flight fsync) still needs is snapshotted first.
 */
export class DiskError extends Error {
  readonly code: 'ENOENT' | 'EINVAL' | 'EIO';
  constructor(code: 'ENOENT' | 'EINVAL' | 'EIO', message: string) {
    super(message);
    this.name = 'DiskError';
    this.code = code;
  }
}

interface FsyncTicketInternal {
  readonly seq: number;
  readonly file: string;
  /** Volatile length at the call; the data fsync promises to make durable is buf[0, len). */
  readonly len: number;
  /** Set when later writes changed bytes below `len` before completion. */
  snapshot: Uint8Array | undefined;
  /** For `fsync('')`: the existing names at the call. */
  readonly names: ReadonlySet<string> | undefined;
}

/** Handle for an fsync in flight; the simulator completes it after a latency. */
export type FsyncTicket = FsyncTicketInternal;

interface FileState {
  buf: Uint8Array;
  len: number;
  exists: boolean;
  /** The directory entry survives a crash (made durable by `fsync('')`). */
  durableExists: boolean;
  /** Durable data is buf[0, durableLen) unless `durableSnapshot` is set. */
  durableLen: number;
  durableSnapshot: Uint8Array | undefined;
  /** Sequence of the fsync that produced the durable data (older completions are ignored). */
  durableSeq: number;
  /** End offsets of appends past the durable point (prefix mode only), ascending. */
  appendEnds: number[];
  inflight: FsyncTicketInternal[];
}

/** What a crash did to one file (for the trace and tests). */
export interface CrashFileReport {
  file: string;
  /** Bytes kept after the crash. */
  sizeBytes: number;
  /** Volatile bytes lost. */
  lostBytes: number;
  /** Bytes of a torn append that survived (0 when none). */
  tornBytes: number;
  /** The file vanished (its creation was never made durable). */
  vanished: boolean;
}

export interface BitFlip {
  file: string;
  bitIndex: number;
}

const EMPTY = new Uint8Array(0);

export class SimDisk {
  readonly #files = new Map<string, FileState>();
  #dirSeq = 0;
  #nextFsyncSeq = 1;

  read(file: string): Uint8Array | undefined {
    const f = this.#files.get(file);
    if (f === undefined || !f.exists) return undefined;
    return f.buf.slice(0, f.len);
  }

  append(file: string, data: Uint8Array): void {
    const f = this.#open(file, 'append');
    const end = f.len + data.length;
    this.#reserve(f, end);
    f.buf.set(data, f.len);
    f.len = end;
    if (f.durableSnapshot === undefined && data.length > 0) f.appendEnds.push(end);
  }

  write(file: string, data: Uint8Array): void {
    const f = this.#open(file, 'write');
    this.#beforeOverwrite(f, 0);
    this.#reserve(f, data.length);
    f.buf.set(data, 0);
    f.len = data.length;
    // Over an empty durable file a write may tear like an append.
    if (f.durableSnapshot === undefined && data.length > 0) f.appendEnds.push(data.length);
  }

  truncate(file: string, sizeBytes: number): void {
    const f = this.#files.get(file);
    if (f === undefined || !f.exists) throw new DiskError('ENOENT', `SimDisk.truncate: no such file "${file}"`);
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0 || sizeBytes > f.len) {
      throw new DiskError('EINVAL', `SimDisk.truncate: sizeBytes must be an integer in [0, ${f.len}], got ${sizeBytes}`);
    }
    this.#beforeOverwrite(f, sizeBytes);
    f.len = sizeBytes;
  }

  remove(file: string): void {
    const f = this.#files.get(file);
    if (f === undefined || !f.exists) throw new DiskError('ENOENT', `SimDisk.remove: no such file "${file}"`);
    this.#beforeOverwrite(f, 0);
    f.len = 0;
    f.exists = false;
  }

  /** Names of existing files, sorted by code unit (deterministic). */
  list(): string[] {
    const names: string[] = [];
    for (const [name, f] of this.#files) if (f.exists) names.push(name);
    return names.sort();
  }

  /** Start an fsync of `file` ('' = the directory). Throws ENOENT for a missing file. */
  beginFsync(file: string): FsyncTicket {
    const seq = this.#nextFsyncSeq++;
    if (file === '') {
      return { seq, file, len: 0, snapshot: undefined, names: new Set(this.list()) };
    }
    const f = this.#files.get(file);
    if (f === undefined || !f.exists) throw new DiskError('ENOENT', `SimDisk.fsync: no such file "${file}"`);
    const ticket: FsyncTicketInternal = { seq, file, len: f.len, snapshot: undefined, names: undefined };
    f.inflight.push(ticket);
    return ticket;
  }

  /** The fsync completed: its data becomes durable (unless a newer fsync already did). */
  completeFsync(ticket: FsyncTicket): void {
    if (ticket.names !== undefined) {
      if (ticket.seq < this.#dirSeq) return;
      this.#dirSeq = ticket.seq;
      for (const [name, f] of [...this.#files]) {
        f.durableExists = ticket.names.has(name);
        if (!f.exists && !f.durableExists && f.inflight.length === 0) this.#files.delete(name);
      }
      return;
    }
    const f = this.#files.get(ticket.file);
    if (f === undefined) return;
    this.#forget(f, ticket);
    if (ticket.seq < f.durableSeq) return;
    f.durableSeq = ticket.seq;
    if (ticket.snapshot !== undefined) {
      f.durableSnapshot = ticket.snapshot;
      f.appendEnds.length = 0;
      return;
    }
    // Invariant: buf[0, ticket.len) is unchanged since the call (else a snapshot was taken).
    f.durableSnapshot = undefined;
    f.durableLen = ticket.len;
    let drop = 0;
    while (drop < f.appendEnds.length && f.appendEnds[drop] <= ticket.len) drop++;
    f.appendEnds.splice(0, drop);
  }

  /** The fsync failed: nothing new became durable. */
  failFsync(ticket: FsyncTicket): void {
    const f = this.#files.get(ticket.file);
    if (f !== undefined) this.#forget(f, ticket);
  }

  /**
   * Power loss / process crash: rebuild the volatile view from the durable
   * layer. `rng` decides torn tails (files visited in sorted order).
   */
  crash(rng: Rng, tornWriteProbability: number): CrashFileReport[] {
    const reports: CrashFileReport[] = [];
    for (const name of [...this.#files.keys()].sort()) {
      const f = this.#files.get(name)!;
      const volatileLen = f.exists ? f.len : 0;
      if (!f.durableExists) {
        this.#files.delete(name);
        if (f.exists) reports.push({ file: name, sizeBytes: 0, lostBytes: volatileLen, tornBytes: 0, vanished: true });
        continue;
      }
      let content: Uint8Array;
      let tornBytes = 0;
      if (f.durableSnapshot !== undefined) {
        content = f.durableSnapshot.slice();
      } else {
        const firstEnd = f.appendEnds.length > 0 ? f.appendEnds[0] : f.durableLen;
        const pending = Math.min(firstEnd, f.len) - f.durableLen;
        if (pending >= 2 && rng.chance(tornWriteProbability)) tornBytes = 1 + rng.int(pending - 1);
        content = f.buf.slice(0, f.durableLen + tornBytes);
      }
      const lost = Math.max(0, volatileLen - content.length);
      if (lost > 0 || tornBytes > 0 || !f.exists) {
        reports.push({ file: name, sizeBytes: content.length, lostBytes: lost, tornBytes, vanished: false });
      }
      this.#files.set(name, fresh(content));
    }
    return reports;
  }

  /**
   * Flip one bit of durable data (bit rot, a misdirected write): in the
   * durable layer and in the cached copy, so the next read sees it. Without
   * `file`/`bitIndex` the rng picks a durable file and a bit; returns
   * undefined when no durable byte exists.
   */
  flipBit(rng: Rng, file?: string, bitIndex?: number): BitFlip | undefined {
    let name = file;
    if (name === undefined) {
      const candidates = this.list().filter((n) => this.#durableSize(this.#files.get(n)!) > 0);
      if (candidates.length === 0) return undefined;
      name = candidates[rng.int(candidates.length)];
    }
    const f = this.#files.get(name);
    const size = f === undefined ? 0 : this.#durableSize(f);
    if (f === undefined || size === 0) return undefined;
    const bit = bitIndex ?? rng.int(size * 8);
    if (!Number.isSafeInteger(bit) || bit < 0 || bit >= size * 8) {
      throw new DiskError('EINVAL', `Simulation.flipBit: bitIndex must be in [0, ${size * 8}), got ${bit}`);
    }
    const byte = bit >>> 3;
    const mask = 1 << (bit & 7);
    if (f.durableSnapshot !== undefined) f.durableSnapshot[byte] ^= mask;
    if (byte < f.len) f.buf[byte] ^= mask;
    return { file: name, bitIndex: bit };
  }

  /** What a crash now would leave of `file` (ignoring torn tails); for tests and checkers. */
  durableContent(file: string): Uint8Array | undefined {
    const f = this.#files.get(file);
    if (f === undefined || !f.durableExists) return undefined;
    return f.durableSnapshot !== undefined ? f.durableSnapshot.slice() : f.buf.slice(0, f.durableLen);
  }

  #durableSize(f: FileState): number {
    if (!f.durableExists) return 0;
    return f.durableSnapshot !== undefined ? f.durableSnapshot.length : f.durableLen;
  }

  #open(file: string, api: string): FileState {
    if (file === '' || file.includes('\n')) {
      throw new DiskError('EINVAL', `SimDisk.${api}: file name must be non-empty and single-line, got ${JSON.stringify(file)}`);
    }
    let f = this.#files.get(file);
    if (f === undefined) {
      f = fresh(EMPTY);
      f.durableExists = false;
      this.#files.set(file, f);
    }
    f.exists = true;
    return f;
  }

  /** Bytes at offsets ≥ `from` are about to change: preserve what durability still needs. */
  #beforeOverwrite(f: FileState, from: number): void {
    for (const t of f.inflight) {
      if (t.snapshot === undefined && t.len > from) t.snapshot = f.buf.slice(0, t.len);
    }
    if (f.durableSnapshot === undefined && f.durableLen > from) {
      f.durableSnapshot = f.buf.slice(0, f.durableLen);
      f.appendEnds.length = 0;
    }
    if (f.durableSnapshot === undefined) {
      // Still prefix mode: the pending region now ends at `from`.
      let keep = f.appendEnds.length;
      while (keep > 0 && f.appendEnds[keep - 1] > from) keep--;
      f.appendEnds.length = keep;
      if (from > f.durableLen && (keep === 0 || f.appendEnds[keep - 1] < from)) f.appendEnds.push(from);
    }
  }

  #reserve(f: FileState, size: number): void {
    if (size <= f.buf.length) return;
    const grown = new Uint8Array(Math.max(size, f.buf.length * 2, 64));
    grown.set(f.buf.subarray(0, f.len));
    f.buf = grown;
  }

  #forget(f: FileState, ticket: FsyncTicketInternal): void {
    const i = f.inflight.indexOf(ticket);
    if (i >= 0) f.inflight.splice(i, 1);
  }
}

function fresh(content: Uint8Array): FileState {
  return {
    buf: content,
    len: content.length,
    exists: true,
    durableExists: true,
    durableLen: content.length,
    durableSnapshot: undefined,
    durableSeq: 0,
    appendEnds: [],
    inflight: [],
  };
}
