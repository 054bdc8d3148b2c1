/**
 * Durable Raft state on a `Disk`: a segmented write-ahead log plus snapshot
 * files, all checksummed.
 *
 * Files (with the default prefix):
 *   raft-wal-<seq, 16 digits>.log   WAL segments, replayed in order
 *   raft-snap-<index, 20 digits>-<term>.snap   one record holding the snapshot
 *
 * Each segment starts with a header, the current hard state and the current
 * snapshot marker, so a segment never depends on an older one for anything
 * but entries. Records: hard state, entries, truncate (a conflicting suffix
 * was replaced), snapshot marker ('compact': entries ≤ index are in the
 * snapshot; 'restore': the log was replaced by a leader's snapshot).
 *
 * Recovery replays the segments. A damaged LAST record of the last segment
 * (incomplete or failing its checksum, with no valid record after it) is a
 * torn write from a crash: it is cut off and reported. Damage anywhere else is
 * `CorruptLogError`, and the node refuses to start.
 *
 * Writes go through one queue, in call order; `done` runs after fsync.
 * Old segments are deleted (oldest first) once a durable snapshot covers
 * every entry in them.
 */
import type { Disk } from '../../env/index.js';
import { CorruptLogError, RaftInvariantError, RaftUsageError } from '../errors.js';
import type { Entry, HardState, RecoveredState, Snapshot } from '../types.js';
import { EMPTY_HARD_STATE } from '../types.js';
import type { Decoded, SnapshotMarker, SnapshotMarkerMode } from './codec.js';
import {
  decodeEntries,
  decodeHardState,
  decodeSegmentHeader,
  decodeSnapshotFile,
  decodeSnapshotMarker,
  decodeTruncate,
  encodeEntries,
  encodeHardState,
  encodeSegmentHeader,
  encodeSnapshotFile,
  encodeSnapshotMarker,
  encodeTruncate,
} from './codec.js';
import { RecordType, encodeRecord, scanRecords } from './record.js';

export interface RaftStorageOptions {
  /** File name prefix, so Raft can share a Disk with the application. @defaultValue 'raft-' */
  readonly prefix?: string;
  /** Start a new WAL segment once the active one reaches this size. @defaultValue 64 MiB */
  readonly segmentBytesMax?: number;
  /** Known-bad variants for the simulator only (see `StorageTestingBugs`). @defaultValue none */
  readonly testingBugs?: StorageTestingBugs;
}

/**
 * Deliberately broken durability, for the simulator's known-bad variants
 * (`faultline sim --bug …`) only; never in production. Off by default; when
 * off they cost nothing (no wrapper is installed, one boolean test per hard
 * state written).
 */
export interface StorageTestingBugs {
  /** Write every hard state with `vote: null`: a restarted node forgets whom it voted for. */
  readonly forgetVote?: boolean;
  /** Never fsync: report every batch durable at once (a crash loses it all). */
  readonly skipFsync?: boolean;
}

/** A Disk whose fsync does nothing (the `skipFsync` bug). */
function withoutFsync(disk: Disk): Disk {
  return {
    read: (file) => disk.read(file),
    append: (file, data) => disk.append(file, data),
    write: (file, data) => disk.write(file, data),
    truncate: (file, sizeBytes) => disk.truncate(file, sizeBytes),
    remove: (file) => disk.remove(file),
    list: () => disk.list(),
    fsync: (_file, done) => done(),
  };
}

export interface TornTail {
  readonly file: string;
  readonly offsetBytes: number;
  readonly droppedBytes: number;
  readonly reason: string;
}

export interface RecoveryReport {
  readonly segments: readonly string[];
  readonly records: number;
  /** The torn tail that was cut off, or null when the WAL ended cleanly. */
  readonly tornTail: TornTail | null;
  readonly snapshotIndex: number;
  readonly lastIndex: number;
  /** Unreferenced snapshot files removed at start-up. */
  readonly removedFiles: readonly string[];
}

export interface RaftStorageOpened {
  readonly storage: RaftStorage;
  /** Pass to `new RaftNode(config, recovered)`; restore the state machine from `recovered.snapshot`. */
  readonly recovered: RecoveredState;
  readonly report: RecoveryReport;
}

/** What to persist from a `Ready` (`RaftStorage.save(ready, done)` accepts a Ready directly). */
export interface PersistBatch {
  readonly hardState?: HardState;
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
}

export type Done = (error?: Error) => void;
type Step = (next: Done) => void;

interface Segment {
  readonly name: string;
  readonly seq: number;
  /** Highest entry index written in this segment (0 when all of them are superseded). */
  maxEntryIndex: number;
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.byteLength;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function runSteps(steps: readonly Step[], done: Done): void {
  let i = 0;
  const next: Done = (error) => {
    if (error !== undefined) return done(error);
    if (i === steps.length) return done();
    steps[i++](next);
  };
  next();
}

/** Entries being rebuilt during replay: entries[k].index === base + k. */
class ReplayLog {
  entries: Entry[] = [];
  base = 1;

  lastIndex(): number {
    return this.base + this.entries.length - 1;
  }
  dropFrom(index: number): void {
    if (index < this.base) this.entries = [];
    else if (index <= this.lastIndex()) this.entries.length = index - this.base;
  }
  dropUpTo(index: number): void {
    if (index < this.base) return;
    this.entries = this.entries.slice(index - this.base + 1);
    this.base = index + 1;
  }
  append(es: readonly Entry[]): void {
    const first = es[0].index;
    if (first > this.lastIndex() + 1) {
      // Older entries were in deleted segments; the snapshot must cover the gap (checked at the end).
      this.entries = [];
      this.base = first;
    } else {
      this.dropFrom(first);
      if (this.entries.length === 0) this.base = first;
    }
    for (const e of es) this.entries.push(e);
  }
}

/** A queued operation: a save without a snapshot (`batch`, which may share an fsync with its neighbours) or any other step. */
type QueueItem = { readonly done: Done } & ({ readonly batch: PersistBatch; readonly op?: undefined } | { readonly op: Step; readonly batch?: undefined });

export class RaftStorage {
  readonly #disk: Disk;
  readonly #prefix: string;
  readonly #forgetVote: boolean;
  readonly #segmentBytesMax: number;
  readonly #segments: Segment[];
  #activeBytes: number;
  #hard: HardState;
  #marker: SnapshotMarker | null;
  #lastIndex: number;
  #dirDirty: boolean;
  #queue: QueueItem[] = [];
  #busy = false;
  #failed: Error | null = null;
  /** While a group is appended: its records, written to the active segment together. */
  #pendingRecords: Uint8Array[] | null = null;

  private constructor(disk: Disk, prefix: string, segmentBytesMax: number, forgetVote: boolean, state: {
    segments: Segment[];
    activeBytes: number;
    hard: HardState;
    marker: SnapshotMarker | null;
    lastIndex: number;
    dirDirty: boolean;
  }) {
    this.#disk = disk;
    this.#prefix = prefix;
    this.#forgetVote = forgetVote;
    this.#segmentBytesMax = segmentBytesMax;
    this.#segments = state.segments;
    this.#activeBytes = state.activeBytes;
    this.#hard = state.hard;
    this.#marker = state.marker;
    this.#lastIndex = state.lastIndex;
    this.#dirDirty = state.dirDirty;
  }

  /** Last entry index stored (or the snapshot index when no entry follows it). */
  get lastIndex(): number {
    return this.#lastIndex;
  }

  get segmentNames(): readonly string[] {
    return this.#segments.map((s) => s.name);
  }

  /**
   * Recover from `disk`: replay the WAL, cut a torn tail, load the snapshot.
   * Throws `CorruptLogError` when the log is damaged anywhere but its tail.
   */
  static open(rawDisk: Disk, options: RaftStorageOptions = {}): RaftStorageOpened {
    const disk = options.testingBugs?.skipFsync === true ? withoutFsync(rawDisk) : rawDisk;
    const prefix = options.prefix ?? 'raft-';
    const segmentBytesMax = options.segmentBytesMax ?? 64 * 1024 * 1024;
    if (!(Number.isSafeInteger(segmentBytesMax) && segmentBytesMax > 0)) {
      throw new RaftUsageError(`RaftStorage: segmentBytesMax must be a positive integer, got ${segmentBytesMax}`);
    }
    const names = disk.list().filter((n) => n.startsWith(prefix));
    const segPattern = new RegExp(`^${escapeRegExp(prefix)}wal-(\\d{16})\\.log$`);
    const segNames = names.filter((n) => segPattern.test(n)).sort();

    const replay = new ReplayLog();
    const segments: Segment[] = [];
    let hard: HardState = EMPTY_HARD_STATE;
    let marker: SnapshotMarker | null = null;
    let records = 0;
    let tornTail: TornTail | null = null;
    let activeBytes = 0;

    const must = <T>(file: string, offset: number, d: Decoded<T>): T => {
      if (!d.ok) throw new CorruptLogError(file, offset, d.reason);
      return d.value;
    };

    segNames.forEach((name, k) => {
      const seq = Number(segPattern.exec(name)![1]);
      const bytes = disk.read(name) ?? new Uint8Array(0);
      const scan = scanRecords(bytes);
      const isLast = k === segNames.length - 1;
      if (scan.damage !== null) {
        const d = scan.damage;
        if (!isLast) throw new CorruptLogError(name, d.offset, `${d.reason} in a sealed segment`);
        if (d.validRecordAfter) throw new CorruptLogError(name, d.offset, `${d.reason}, followed by valid records`);
        tornTail = { file: name, offsetBytes: d.offset, droppedBytes: bytes.byteLength - scan.validBytes, reason: d.reason };
        disk.truncate(name, scan.validBytes);
      }
      const seg: Segment = { name, seq, maxEntryIndex: 0 };
      segments.push(seg);
      activeBytes = scan.validBytes;
      for (const rec of scan.records) {
        records++;
        const isHeader = rec.type === RecordType.SegmentHeader;
        if ((rec.offset === 0) !== isHeader) throw new CorruptLogError(name, rec.offset, 'segment header missing or misplaced');
        switch (rec.type) {
          case RecordType.SegmentHeader:
            if (must(name, rec.offset, decodeSegmentHeader(rec.payload)) !== seq) throw new CorruptLogError(name, 0, 'segment header names another segment');
            break;
          case RecordType.HardState:
            hard = must(name, rec.offset, decodeHardState(rec.payload));
            break;
          case RecordType.Entries: {
            const es = must(name, rec.offset, decodeEntries(rec.payload));
            replay.append(es);
            seg.maxEntryIndex = Math.max(seg.maxEntryIndex, es[es.length - 1].index);
            break;
          }
          case RecordType.Truncate:
            replay.dropFrom(must(name, rec.offset, decodeTruncate(rec.payload)));
            break;
          case RecordType.SnapshotMarker: {
            const m = must(name, rec.offset, decodeSnapshotMarker(rec.payload));
            if (marker !== null && m.metadata.index < marker.metadata.index) throw new CorruptLogError(name, rec.offset, 'snapshot marker goes backwards');
            marker = m;
            if (m.mode === 'restore') {
              replay.entries = [];
              replay.base = m.metadata.index + 1;
              for (const s of segments) s.maxEntryIndex = 0;
            } else {
              replay.dropUpTo(m.metadata.index);
            }
            break;
          }
          default:
            throw new CorruptLogError(name, rec.offset, `record type ${rec.type} does not belong in a WAL segment`);
        }
      }
    });

    const lastSeg = segNames[segNames.length - 1] ?? `${prefix}wal`;
    const snapMarker = marker as SnapshotMarker | null;
    const snapshotIndex = snapMarker?.metadata.index ?? 0;
    replay.dropUpTo(snapshotIndex);
    const entries = replay.entries;
    if (entries.length > 0 && entries[0].index !== snapshotIndex + 1) {
      throw new CorruptLogError(lastSeg, 0, `entries start at ${entries[0].index} but the snapshot ends at ${snapshotIndex}`);
    }
    const lastIndex = entries.length > 0 ? entries[entries.length - 1].index : snapshotIndex;
    if (hard.commit > lastIndex) throw new CorruptLogError(lastSeg, 0, `hard state commits ${hard.commit} beyond the last entry ${lastIndex}`);

    let snapshot: Snapshot | undefined;
    if (snapMarker !== null) snapshot = loadSnapshotFile(disk, snapMarker);

    const removedFiles: string[] = [];
    for (const n of names) {
      if (n.endsWith('.snap') && n !== snapMarker?.file) {
        disk.remove(n);
        removedFiles.push(n);
      }
    }

    const storage = new RaftStorage(disk, prefix, segmentBytesMax, options.testingBugs?.forgetVote === true, {
      segments,
      activeBytes,
      hard,
      marker: snapMarker,
      lastIndex,
      dirDirty: removedFiles.length > 0,
    });
    if (segments.length === 0 || activeBytes === 0) {
      // No WAL yet (or only a torn first header): start a segment.
      if (segments.length > 0) {
        disk.remove(segments[segments.length - 1].name);
        segments.pop();
      }
      storage.#startSegment(segments.length > 0 ? segments[segments.length - 1].seq + 1 : 1);
    }
    return {
      storage,
      recovered: { hardState: hard, entries, ...(snapshot !== undefined ? { snapshot } : {}) },
      report: { segments: segments.map((s) => s.name), records, tornTail, snapshotIndex, lastIndex, removedFiles },
    };
  }

  /**
   * Persist a Ready's snapshot, entries and hard state (in that order) and
   * fsync; `done` runs when they are durable. Only then may the Ready's
   * messages be sent. `done(error)` is fatal: stop the node.
   */
  save(batch: PersistBatch, done: Done): void {
    const snapshot = batch.snapshot;
    if (snapshot === undefined) {
      this.#enqueue({ batch, done }); // an empty one too: its `done` keeps its place in line
      return;
    }
    this.#enqueue({
      op: (next) =>
        runSteps(
          [...this.#snapshotSteps(snapshot, 'restore'), (n) => n(this.#appendBatch(batch)), (n) => this.#fsyncActive(n), (n) => this.#maybeRoll(n), (n) => this.#deleteCovered(n)],
          next,
        ),
      done,
    });
  }

  /**
   * Append the batches' records and fsync once for all of them (group
   * commit: saves queued while an fsync runs share the next one). Only
   * entries, the term or the vote must be durable before anyone is told
   * (etcd's MustSync). A commit index that moved alone is recorded but not
   * fsynced: after a crash it may come back lower, and the node learns it
   * again from the leader; the next fsync covers it.
   */
  #appendGroup(batches: readonly PersistBatch[], next: Done): void {
    let mustSync = false;
    let error: Error | undefined;
    // The group's records reach the file in one append (one write per copy, not one per record).
    const records: Uint8Array[] = [];
    this.#pendingRecords = records;
    try {
      for (const batch of batches) {
        mustSync ||= batch.entries.length > 0 || this.#termOrVoteChanges(batch.hardState);
        error = this.#appendBatch(batch);
        if (error !== undefined) break;
      }
    } finally {
      this.#pendingRecords = null;
      if (records.length > 0) this.#disk.append(this.#active.name, records.length === 1 ? records[0] : concatBytes(records));
    }
    if (error !== undefined) return next(error);
    const steps: Step[] = [];
    if (mustSync) steps.push((n) => this.#fsyncActive(n));
    steps.push((n) => this.#maybeRoll(n));
    runSteps(steps, next);
  }

  /**
   * Persist a snapshot the application took (`RaftNode.compact`): write the
   * snapshot file, record it in the WAL, then delete segments it covers.
   */
  saveSnapshot(snapshot: Snapshot, done: Done): void {
    this.#enqueue({
      op: (next) => {
        if (this.#marker !== null && snapshot.metadata.index <= this.#marker.metadata.index) return next();
        runSteps([...this.#snapshotSteps(snapshot, 'compact'), (n) => this.#fsyncActive(n), (n) => this.#deleteCovered(n)], next);
      },
      done,
    });
  }

  #termOrVoteChanges(h: HardState | undefined): boolean {
    return h !== undefined && (h.term !== this.#hard.term || h.vote !== this.#hard.vote);
  }

  #enqueue(item: QueueItem): void {
    this.#queue.push(item);
    if (!this.#busy) this.#runNext();
  }

  #runNext(): void {
    const item = this.#queue.shift();
    if (item === undefined) {
      this.#busy = false;
      return;
    }
    this.#busy = true;
    if (this.#failed !== null) {
      item.done(this.#failed);
      this.#runNext();
      return;
    }
    // Saves queued behind the previous operation go to disk together, one fsync for all.
    const dones = [item.done];
    let op: Step;
    if (item.batch !== undefined) {
      const batches = [item.batch];
      while (this.#queue.length > 0 && this.#queue[0].batch !== undefined) {
        const more = this.#queue.shift()!;
        batches.push(more.batch!);
        dones.push(more.done);
      }
      op = (next) => this.#appendGroup(batches, next);
    } else {
      op = item.op;
    }
    const steps: Step[] = [];
    if (this.#dirDirty) {
      this.#dirDirty = false;
      steps.push((n) => this.#disk.fsync('', n));
    }
    steps.push(op);
    runSteps(steps, (error) => {
      if (error !== undefined) this.#failed = error;
      for (const done of dones) done(error);
      this.#runNext();
    });
  }

  get #active(): Segment {
    return this.#segments[this.#segments.length - 1];
  }

  #appendRecord(type: RecordType, payload: Uint8Array): void {
    const rec = encodeRecord(type, payload);
    if (this.#pendingRecords !== null) this.#pendingRecords.push(rec);
    else this.#disk.append(this.#active.name, rec);
    this.#activeBytes += rec.byteLength;
  }

  #appendBatch(batch: PersistBatch): Error | undefined {
    const es = batch.entries;
    if (es.length > 0) {
      const first = es[0].index;
      if (first > this.#lastIndex + 1) {
        return new RaftInvariantError('storage contiguous', `entries start at ${first} but storage ends at ${this.#lastIndex}`);
      }
      if (first <= this.#lastIndex) this.#appendRecord(RecordType.Truncate, encodeTruncate(first));
      this.#appendRecord(RecordType.Entries, encodeEntries(es));
      this.#lastIndex = es[es.length - 1].index;
      this.#active.maxEntryIndex = Math.max(this.#active.maxEntryIndex, this.#lastIndex);
    }
    if (batch.hardState !== undefined) {
      this.#hard = batch.hardState;
      this.#appendRecord(RecordType.HardState, this.#encodeHard(batch.hardState));
    }
    return undefined;
  }

  #encodeHard(h: HardState): Uint8Array {
    return encodeHardState(this.#forgetVote ? { ...h, vote: null } : h);
  }

  #snapshotSteps(snapshot: Snapshot, mode: SnapshotMarkerMode): Step[] {
    const md = snapshot.metadata;
    const file = `${this.#prefix}snap-${String(md.index).padStart(20, '0')}-${md.term}.snap`;
    return [
      (n) => {
        this.#disk.write(file, encodeRecord(RecordType.SnapshotFile, encodeSnapshotFile(snapshot)));
        this.#disk.fsync(file, n);
      },
      // The file's directory entry must be durable before the WAL points at it.
      (n) => this.#disk.fsync('', n),
      (n) => {
        const marker: SnapshotMarker = { metadata: md, mode, file };
        this.#appendRecord(RecordType.SnapshotMarker, encodeSnapshotMarker(marker));
        this.#marker = marker;
        if (mode === 'restore') {
          for (const s of this.#segments) s.maxEntryIndex = 0;
          this.#lastIndex = md.index;
        } else {
          this.#lastIndex = Math.max(this.#lastIndex, md.index);
        }
        n();
      },
    ];
  }

  #fsyncActive(next: Done): void {
    this.#disk.fsync(this.#active.name, next);
  }

  #startSegment(seq: number): void {
    const name = `${this.#prefix}wal-${String(seq).padStart(16, '0')}.log`;
    const parts = [encodeRecord(RecordType.SegmentHeader, encodeSegmentHeader(seq)), encodeRecord(RecordType.HardState, this.#encodeHard(this.#hard))];
    if (this.#marker !== null) {
      // Re-stated as 'compact': what matters for later replays is which entries it covers.
      parts.push(encodeRecord(RecordType.SnapshotMarker, encodeSnapshotMarker({ ...this.#marker, mode: 'compact' })));
    }
    const bytes = concat(parts);
    this.#disk.write(name, bytes);
    this.#segments.push({ name, seq, maxEntryIndex: 0 });
    this.#activeBytes = bytes.byteLength;
    this.#dirDirty = true;
  }

  #maybeRoll(next: Done): void {
    if (this.#activeBytes < this.#segmentBytesMax) return next();
    // Seal only a durable segment: its last records may be a commit-only hard state written without an
    // fsync, and a crash that tears a sealed segment leaves corruption, not a torn tail to cut off.
    runSteps(
      [
        (n) => this.#fsyncActive(n),
        (n) => {
          this.#startSegment(this.#active.seq + 1);
          this.#dirDirty = false;
          n();
        },
        (n) => this.#fsyncActive(n),
        (n) => this.#disk.fsync('', n),
      ],
      next,
    );
  }

  #deleteCovered(next: Done): void {
    const covered = this.#marker?.metadata.index ?? 0;
    let removed = false;
    // Oldest first, and stop at the first segment still needed: deleting a
    // later one could resurrect entries an earlier segment has and it truncated.
    while (this.#segments.length > 1 && this.#segments[0].maxEntryIndex <= covered) {
      this.#disk.remove(this.#segments.shift()!.name);
      removed = true;
    }
    for (const n of this.#disk.list()) {
      if (n.startsWith(this.#prefix) && n.endsWith('.snap') && n !== this.#marker?.file) {
        this.#disk.remove(n);
        removed = true;
      }
    }
    if (removed) this.#disk.fsync('', next);
    else next();
  }
}

function loadSnapshotFile(disk: Disk, marker: SnapshotMarker): Snapshot {
  const bytes = disk.read(marker.file);
  if (bytes === undefined) throw new CorruptLogError(marker.file, 0, 'snapshot file named by the WAL is missing');
  const scan = scanRecords(bytes);
  if (scan.damage !== null) throw new CorruptLogError(marker.file, scan.damage.offset, `snapshot file ${scan.damage.reason}`);
  if (scan.records.length !== 1 || scan.records[0].type !== RecordType.SnapshotFile) {
    throw new CorruptLogError(marker.file, 0, 'snapshot file must hold exactly one snapshot record');
  }
  const d = decodeSnapshotFile(scan.records[0].payload);
  if (!d.ok) throw new CorruptLogError(marker.file, 0, d.reason);
  const md = d.value.metadata;
  if (md.index !== marker.metadata.index || md.term !== marker.metadata.term) {
    throw new CorruptLogError(marker.file, 0, `snapshot file holds ${md.index}/${md.term}, the WAL expects ${marker.metadata.index}/${marker.metadata.term}`);
  }
  return d.value;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
