import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../core/random/index.js';
import { isCorruptLogError } from '../errors.js';
import { MemoryDisk } from '../testing/memory-disk.js';
import type { Entry, HardState, Snapshot } from '../types.js';
import { makeConf } from '../types.js';
import type { PersistBatch } from './raft-storage.js';
import { RaftStorage } from './raft-storage.js';

const enc = (s: string) => new TextEncoder().encode(s);
const conf = makeConf(['a', 'b', 'c']);
const e = (index: number, term: number, tag = ''): Entry => ({ index, term, kind: 'normal', data: enc(`${index}/${term}${tag}`) });
const range = (from: number, to: number, term: number, tag = ''): Entry[] => Array.from({ length: to - from + 1 }, (_, k) => e(from + k, term, tag));
const snap = (index: number, term: number, data = `state@${index}`): Snapshot => ({ metadata: { index, term, conf }, data: enc(data) });
const h = (term: number, commit: number, vote: string | null = null): HardState => ({ term, vote, commit });

/** Save and wait for durability; returns the error, if any. */
function saveSync(disk: MemoryDisk, storage: RaftStorage, batch: PersistBatch): Error | undefined {
  let result: Error | undefined | 'pending' = 'pending';
  storage.save(batch, (err) => (result = err));
  disk.runPendingFsyncs();
  expect(result).not.toBe('pending');
  return result === 'pending' ? undefined : result;
}

function snapshotSync(disk: MemoryDisk, storage: RaftStorage, s: Snapshot): void {
  let done = false;
  storage.saveSnapshot(s, (err) => {
    expect(err).toBeUndefined();
    done = true;
  });
  disk.runPendingFsyncs();
  expect(done).toBe(true);
}

const brief = (es: readonly Entry[]) => es.map((x) => `${x.index}/${x.term}${x.kind === 'normal' ? ':' + new TextDecoder().decode(x.data) : ''}`);

describe('RaftStorage', () => {
  it('recovers exactly what was saved and fsynced', () => {
    const disk = new MemoryDisk();
    const { storage, recovered, report } = RaftStorage.open(disk);
    expect(recovered).toEqual({ hardState: { term: 0, vote: null, commit: 0 }, entries: [] });
    expect(report.tornTail).toBeNull();
    saveSync(disk, storage, { entries: range(1, 5, 1), hardState: h(1, 3, 'a') });
    saveSync(disk, storage, { entries: range(6, 7, 2), hardState: h(2, 6) });
    disk.crash();
    const again = RaftStorage.open(disk);
    expect(again.recovered.hardState).toEqual(h(2, 6));
    expect(brief(again.recovered.entries)).toEqual(brief([...range(1, 5, 1), ...range(6, 7, 2)]));
    expect(again.recovered.entries[0].kind === 'normal' && again.recovered.entries[0].data.constructor).toBe(Uint8Array);
  });

  it('calls done only after fsync completed; a crash before that loses the batch', () => {
    const disk = new MemoryDisk();
    const { storage } = RaftStorage.open(disk);
    saveSync(disk, storage, { entries: range(1, 2, 1), hardState: h(1, 1) });
    let acked = false;
    storage.save({ entries: range(3, 4, 1), hardState: h(1, 3) }, () => (acked = true));
    expect(acked).toBe(false);
    disk.crash();
    const { recovered } = RaftStorage.open(disk);
    expect(recovered.entries.map((x) => x.index)).toEqual([1, 2]);
    expect(recovered.hardState.commit).toBe(1);
  });

  it('entries overlapping the stored log replace the conflicting suffix', () => {
    const disk = new MemoryDisk();
    const { storage } = RaftStorage.open(disk);
    saveSync(disk, storage, { entries: range(1, 6, 1), hardState: h(1, 2) });
    saveSync(disk, storage, { entries: range(4, 5, 2, 'new'), hardState: h(2, 2) });
    disk.crash();
    const { recovered } = RaftStorage.open(disk);
    expect(brief(recovered.entries)).toEqual(brief([...range(1, 3, 1), ...range(4, 5, 2, 'new')]));
  });

  it('cuts a torn tail off and reports it', () => {
    let tornSeen = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const disk = new MemoryDisk();
      const { storage } = RaftStorage.open(disk);
      saveSync(disk, storage, { entries: range(1, 3, 1), hardState: h(1, 3) });
      storage.save({ entries: range(4, 40, 1), hardState: h(1, 30) }, () => {});
      const seg = disk.list()[0];
      // Power cut before the fsync: a random prefix of the un-fsynced batch survives.
      disk.crash({ rng: new SeededRng(seed), tearProbability: 1 });
      const { recovered, report } = RaftStorage.open(disk);
      const indices = recovered.entries.map((x) => x.index);
      expect([3, 40]).toContain(indices.length);
      expect(indices).toEqual(range(1, indices.length, 1).map((x) => x.index));
      if (report.tornTail !== null) {
        tornSeen++;
        expect(report.tornTail.file).toBe(seg);
        expect(report.tornTail.droppedBytes).toBeGreaterThan(0);
        // The cut is made on disk too (durable with the next fsync).
        expect(disk.read(seg)!.byteLength).toBe(report.tornTail.offsetBytes);
      }
    }
    expect(tornSeen).toBeGreaterThan(10);
  });

  it('refuses to start on corruption in the middle of the log', () => {
    const disk = new MemoryDisk();
    const { storage } = RaftStorage.open(disk);
    for (let i = 0; i < 5; i++) saveSync(disk, storage, { entries: range(i * 4 + 1, i * 4 + 4, 1), hardState: h(1, i * 4 + 4) });
    const seg = disk.list()[0];
    disk.corrupt(seg, 80);
    disk.crash();
    expect(() => RaftStorage.open(disk)).toThrow(/corrupt at byte \d+ .*refusing to start/);
    try {
      RaftStorage.open(disk);
    } catch (err) {
      expect(isCorruptLogError(err)).toBe(true);
      expect(err).toMatchObject({ file: seg });
    }
  });

  it('rolls segments, and a snapshot deletes the segments it covers', () => {
    const disk = new MemoryDisk();
    const { storage } = RaftStorage.open(disk, { segmentBytesMax: 300 });
    for (let i = 0; i < 30; i++) saveSync(disk, storage, { entries: range(i * 2 + 1, i * 2 + 2, 1), hardState: h(1, i * 2 + 2) });
    const segmentsBefore = disk.list().filter((n) => n.includes('wal-'));
    expect(segmentsBefore.length).toBeGreaterThan(5);
    snapshotSync(disk, storage, snap(50, 1));
    const segmentsAfter = disk.list().filter((n) => n.includes('wal-'));
    expect(segmentsAfter.length).toBeLessThan(segmentsBefore.length);
    expect(disk.list().filter((n) => n.endsWith('.snap'))).toHaveLength(1);
    disk.crash();
    const { recovered } = RaftStorage.open(disk, { segmentBytesMax: 300 });
    expect(recovered.snapshot?.metadata).toEqual({ index: 50, term: 1, conf });
    expect(new TextDecoder().decode(recovered.snapshot!.data)).toBe('state@50');
    expect(recovered.entries.map((x) => x.index)).toEqual(range(51, 60, 1).map((x) => x.index));
    expect(recovered.hardState.commit).toBe(60);
  });

  it('a snapshot from the leader replaces the whole stored log', () => {
    const disk = new MemoryDisk();
    const { storage } = RaftStorage.open(disk);
    saveSync(disk, storage, { entries: range(1, 10, 1), hardState: h(1, 3) });
    saveSync(disk, storage, { snapshot: snap(20, 3), entries: range(21, 22, 3), hardState: h(3, 20) });
    disk.crash();
    const { recovered } = RaftStorage.open(disk);
    expect(recovered.snapshot?.metadata.index).toBe(20);
    expect(recovered.entries.map((x) => x.index)).toEqual([21, 22]);
    expect(recovered.hardState).toEqual(h(3, 20));
  });

  it('refuses to start when the snapshot file is corrupt or missing', () => {
    const disk = new MemoryDisk();
    const { storage } = RaftStorage.open(disk);
    saveSync(disk, storage, { entries: range(1, 10, 1), hardState: h(1, 10) });
    snapshotSync(disk, storage, snap(8, 1));
    const file = disk.list().find((n) => n.endsWith('.snap'))!;
    disk.corrupt(file, 20);
    disk.crash();
    expect(() => RaftStorage.open(disk)).toThrow(/snapshot file checksum mismatch/);
    disk.remove(file);
    disk.fsync('', () => {});
    disk.runPendingFsyncs();
    expect(() => RaftStorage.open(disk)).toThrow(/snapshot file named by the WAL is missing/);
  });

  it('a commit index that moved alone is written but not fsynced (term, vote and entries always are)', () => {
    const disk = new MemoryDisk();
    const { storage } = RaftStorage.open(disk);
    let acked = 0;
    storage.save({ entries: range(1, 3, 1), hardState: h(1, 1, 'n2') }, () => acked++);
    disk.runPendingFsyncs();
    const before = disk.fsyncCount;
    storage.save({ entries: [], hardState: h(1, 3, 'n2') }, () => acked++);
    expect(acked).toBe(2); // answered at once: nothing had to become durable
    expect(disk.fsyncCount).toBe(before);
    storage.save({ entries: [], hardState: h(2, 3, null) }, () => acked++);
    disk.runPendingFsyncs();
    expect(disk.fsyncCount).toBeGreaterThan(before);
    disk.crash();
    expect(RaftStorage.open(disk).recovered.hardState).toEqual(h(2, 3, null));
  });

  it('a failed fsync is fatal: the batch and every later one report the error', () => {
    const disk = new MemoryDisk();
    const { storage } = RaftStorage.open(disk);
    disk.injectFsyncFailures(1);
    const errors: Array<Error | undefined> = [];
    storage.save({ entries: range(1, 1, 1) }, (err) => errors.push(err));
    disk.runPendingFsyncs();
    storage.save({ entries: range(2, 2, 1) }, (err) => errors.push(err));
    disk.runPendingFsyncs();
    expect(errors).toHaveLength(2);
    expect(errors.every((x) => x instanceof Error)).toBe(true);
  });

  it('property: after a crash at any point (with torn writes) recovery yields the state before or after the interrupted batch', () => {
    type Op = { kind: 'append'; from: number; count: number; term: number } | { kind: 'compact' } | { kind: 'hard' };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 5, arbitrary: fc.record({ kind: fc.constant('append' as const), from: fc.nat(6), count: fc.integer({ min: 1, max: 6 }), term: fc.nat(2) }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'compact' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'hard' as const }) },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(opArb, fc.boolean(), fc.nat(1000)), { minLength: 1, maxLength: 40 }), fc.integer({ min: 200, max: 2000 }), (ops, segmentBytesMax) => {
        const disk = new MemoryDisk();
        let opened = RaftStorage.open(disk, { segmentBytesMax });
        let storage = opened.storage;
        // The model: the log as the store should have it.
        let snapIndex = 0;
        let snapTerm = 0;
        let log: Entry[] = [];
        let hard = h(0, 0);
        let term = 1;
        const lastIndex = () => (log.length > 0 ? log[log.length - 1].index : snapIndex);
        for (const [op, crash, r] of ops) {
          const before = { log: [...log], snapIndex, hard };
          let batch: PersistBatch | null = null;
          let snapshot: Snapshot | null = null;
          if (op.kind === 'append') {
            term += op.term;
            const from = Math.max(snapIndex + 1, lastIndex() + 1 - op.from);
            const es = range(from, from + op.count - 1, term, `r${r}`);
            log = [...log.filter((x) => x.index < from), ...es];
            hard = h(term, Math.min(hard.commit + (r % 3), lastIndex()));
            hard = h(term, Math.max(hard.commit, snapIndex));
            batch = { entries: es, hardState: hard };
          } else if (op.kind === 'hard') {
            hard = h(term, Math.min(lastIndex(), hard.commit + 1), r % 2 === 0 ? 'a' : null);
            batch = { entries: [], hardState: hard };
          } else if (log.length > 0) {
            const at = log[Math.min(log.length - 1, r % log.length)];
            if (at.index <= hard.commit) {
              snapshot = snap(at.index, at.term);
              snapIndex = at.index;
              snapTerm = at.term;
              log = log.filter((x) => x.index > at.index);
            }
          }
          let acked = false;
          if (batch !== null) storage.save(batch, () => (acked = true));
          if (snapshot !== null) storage.saveSnapshot(snapshot, () => (acked = true));
          if (!crash) {
            disk.runPendingFsyncs();
            expect(acked || (batch === null && snapshot === null)).toBe(true);
            continue;
          }
          disk.crash({ rng: new SeededRng(r), tearProbability: 0.7 });
          opened = RaftStorage.open(disk, { segmentBytesMax });
          storage = opened.storage;
          const rec = opened.recovered;
          const recSnap = rec.snapshot?.metadata.index ?? 0;
          const after = { log, snapIndex, hard };
          // Entries: as before or as after (a batch is not atomic w.r.t. its hard state, so judge separately).
          const view = (l: Entry[], s: number) => brief(l.filter((x) => x.index > Math.max(s, recSnap)));
          const got = brief(rec.entries);
          const ok = [before, after].some((m) => JSON.stringify(view(m.log, m.snapIndex)) === JSON.stringify(got));
          expect(ok, `recovered ${got.join(' ')} is neither ${view(before.log, before.snapIndex).join(' ')} nor ${view(after.log, after.snapIndex).join(' ')}`).toBe(true);
          // Term and vote as before or after; the commit index is fsynced only with entries, term or vote
          // (a commit-only change may be lost, never invented).
          const termVote = (x: HardState) => ({ term: x.term, vote: x.vote });
          expect([termVote(before.hard), termVote(after.hard)]).toContainEqual(termVote(rec.hardState));
          expect(rec.hardState.commit).toBeLessThanOrEqual(Math.max(before.hard.commit, after.hard.commit));
          expect([before.snapIndex, after.snapIndex]).toContain(recSnap);
          // Continue from what survived.
          log = [...rec.entries];
          snapIndex = recSnap;
          snapTerm = rec.snapshot?.metadata.term ?? 0;
          hard = rec.hardState;
          term = Math.max(term, hard.term, log.length > 0 ? log[log.length - 1].term : snapTerm);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('group commit: saves queued behind an fsync share the next one, and complete in call order', () => {
    const disk = new MemoryDisk();
    const { storage } = RaftStorage.open(disk);
    saveSync(disk, storage, { entries: [], hardState: h(1, 0, 'a') }); // the new segment's directory entry is made durable first
    const done: number[] = [];
    storage.save({ entries: range(1, 2, 1) }, () => done.push(1));
    const fsyncsAfterFirst = disk.fsyncCount;
    // These arrive while the first save's fsync runs.
    storage.save({ entries: range(3, 3, 1) }, () => done.push(2));
    storage.save({ entries: [], hardState: h(1, 3, 'a') }, () => done.push(3));
    storage.save({ entries: range(4, 5, 1) }, () => done.push(4));
    expect(disk.fsyncCount).toBe(fsyncsAfterFirst);
    disk.runPendingFsyncs();
    expect(done).toEqual([1, 2, 3, 4]);
    expect(disk.fsyncCount).toBe(fsyncsAfterFirst + 1); // one more fsync for the three queued saves
    disk.crash();
    const again = RaftStorage.open(disk);
    expect(brief(again.recovered.entries)).toEqual(brief(range(1, 5, 1)));
    expect(again.recovered.hardState).toEqual(h(1, 3, 'a'));
  });

  it('group commit: a failed fsync fails every save it covered, and the ones after', () => {
    const disk = new MemoryDisk();
    const { storage } = RaftStorage.open(disk);
    saveSync(disk, storage, { entries: [], hardState: h(1, 0, 'a') });
    const errors: Array<string | undefined> = [];
    storage.save({ entries: range(1, 1, 1) }, (err) => errors.push(err?.message)); // its fsync is issued now
    disk.injectFsyncFailures(1); // the next one: the group's
    storage.save({ entries: range(2, 2, 1) }, (err) => errors.push(err?.message));
    storage.save({ entries: range(3, 3, 1) }, (err) => errors.push(err?.message));
    disk.runPendingFsyncs();
    storage.save({ entries: range(4, 4, 1) }, (err) => errors.push(err?.message)); // after a failure: refused
    disk.runPendingFsyncs();
    expect(errors[0]).toBeUndefined();
    expect(errors.slice(1).every((m) => m !== undefined && /injected fsync failure/.test(m))).toBe(true);
    expect(errors).toHaveLength(4);
  });
});
