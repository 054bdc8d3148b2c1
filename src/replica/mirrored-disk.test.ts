import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeededRng } from '../core/random/index.js';
import { MemoryDisk } from '../raft/testing/memory-disk.js';
import { RaftStorage } from '../raft/storage/raft-storage.js';
import { DiskCorruptionError, MirroredDisk, isDiskCorruptionError } from './mirrored-disk.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

/** Offsets where frames begin ([length u32 LE][crc u32][payload]). */
function frameStarts(copy: Uint8Array): number[] {
  const out: number[] = [];
  for (let o = 0; o < copy.length; o += 8 + new DataView(copy.buffer, copy.byteOffset).getUint32(o, true)) out.push(o);
  return out;
}

function durable(disk: MemoryDisk, mirror: MirroredDisk, file: string): void {
  mirror.fsync(file, () => {});
  mirror.fsync('', () => {});
  disk.runPendingFsyncs();
}

/** Two copies of a 16-byte file in 8-byte frames, fsynced. */
function durableWal(): { disk: MemoryDisk; m: MirroredDisk } {
  const disk = new MemoryDisk();
  const m = new MirroredDisk(disk, { copies: 2, chunkBytes: 8 });
  m.append('wal', bytes('0123456789abcdef'));
  durable(disk, m, 'wal');
  return { disk, m };
}

describe('MirroredDisk', () => {
  it('stores K framed copies and reads the content back', () => {
    const disk = new MemoryDisk();
    const m = new MirroredDisk(disk, { copies: 3, chunkBytes: 4 });
    m.append('log', bytes('hello '));
    m.append('log', bytes('world'));
    expect(text(m.read('log'))).toBe('hello world');
    expect(disk.list()).toEqual(['log.m0', 'log.m1', 'log.m2']);
    expect(m.list()).toEqual(['log']);
    m.write('snap', bytes('abcdefghij'));
    expect(text(m.read('snap'))).toBe('abcdefghij');
    m.truncate('log', 6);
    expect(text(m.read('log'))).toBe('hello ');
    m.remove('snap');
    expect(m.read('snap')).toBeUndefined();
    expect(m.list()).toEqual(['log']);
  });

  it('a flipped bit in one copy is invisible to readers, and scrub repairs the copy', () => {
    const { disk, m } = durableWal();
    disk.corrupt('wal.m0', 3, 0x01);
    disk.corrupt('wal.m1', 20, 0x80);
    expect(text(m.read('wal'))).toBe('0123456789abcdef');
    const report = m.scrub();
    expect(report.copiesRepaired).toBe(2);
    disk.runPendingFsyncs();
    expect(m.scrub().copiesRepaired).toBe(0);
    expect(disk.read('wal.m0')).toEqual(disk.read('wal.m1'));
  });

  it("scrub makes its repairs durable without being asked: a crash after it keeps them", () => {
    const { disk, m } = durableWal();
    disk.corrupt('wal.m0', 3, 0x01); // in the durable content too
    expect(m.scrub().copiesRepaired).toBe(1);
    disk.runPendingFsyncs();
    disk.crash();
    expect(disk.read('wal.m0')).toEqual(disk.read('wal.m1'));
  });

  it("a scrub repair that fails to fsync fails the next fsync of any file", () => {
    const { disk, m } = durableWal();
    disk.corrupt('wal.m0', 3, 0x01);
    disk.injectFsyncFailures(1);
    m.scrub(); // its repair's fsync takes the injected failure
    disk.runPendingFsyncs();
    let raw: Error | undefined | 'pending' = 'pending';
    disk.fsync('wal.m1', (error) => (raw = error));
    disk.runPendingFsyncs();
    expect(raw).toBeUndefined(); // the disk itself is fine again
    m.append('wal', bytes('more'));
    let result: Error | undefined | 'pending' = 'pending';
    m.fsync('wal', (error) => (result = error));
    disk.runPendingFsyncs();
    expect(result).toBeInstanceOf(Error);
    expect((result as unknown as Error).message).toMatch(/injected fsync failure/);
  });

  it('the same frame damaged in every copy throws DiskCorruptionError (never silently shortens)', () => {
    const { disk, m } = durableWal();
    disk.corrupt('wal.m0', 20, 0x01);
    disk.corrupt('wal.m1', 22, 0x01);
    let error: unknown;
    try {
      m.read('wal');
    } catch (e) {
      error = e;
    }
    expect(isDiskCorruptionError(error)).toBe(true);
    expect((error as DiskCorruptionError).offsetBytes).toBe(16);
    expect(m.scrub().unrecoverable).toEqual(['wal']);
  });

  it('a torn tail (incomplete frame) is cut off, not reported as corruption', () => {
    const rng = new SeededRng(3);
    for (let trial = 0; trial < 40; trial++) {
      const disk = new MemoryDisk();
      const m = new MirroredDisk(disk, { copies: 2, chunkBytes: 5 });
      m.append('wal', bytes('durable!'));
      durable(disk, m, 'wal');
      m.append('wal', bytes('volatile tail'));
      disk.crash({ rng, tearProbability: 1 });
      const after = new MirroredDisk(disk, { copies: 2, chunkBytes: 5 });
      const got = text(after.read('wal'))!;
      expect(got.startsWith('durable!')).toBe(true);
      expect('durable!volatile tail'.startsWith(got)).toBe(true);
    }
  });

  it('RaftStorage over a mirror survives one flipped bit per copy anywhere, at every offset', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (a, b) => {
        const disk = new MemoryDisk();
        const m = new MirroredDisk(disk, { copies: 2, chunkBytes: 64 });
        const { storage } = RaftStorage.open(m);
        const entries = Array.from({ length: 20 }, (_, i) => ({ index: i + 1, term: 1, kind: 'normal' as const, data: bytes(`cmd-${i}`) }));
        storage.save({ entries, hardState: { term: 3, vote: 'n2', commit: 20 } }, () => {});
        for (let i = 0; i < 5; i++) disk.runPendingFsyncs();
        const names = disk.list().filter((n) => n.includes('wal'));
        const [c0, c1] = names;
        const len0 = disk.read(c0)!.length;
        const len1 = disk.read(c1)!.length;
        // Different frames in the two copies (same frame in both is the unrecoverable case above).
        const starts = frameStarts(disk.read(c0)!);
        const frameOf = (o: number): number => starts.filter((s) => s <= o).length;
        const o0 = a % len0;
        let o1 = b % len1;
        while (frameOf(o1) === frameOf(o0)) o1 = (o1 + 1) % len1;
        disk.corrupt(c0, o0, 0x04);
        disk.corrupt(c1, o1, 0x10);
        disk.crash();
        const reopened = RaftStorage.open(new MirroredDisk(disk, { copies: 2, chunkBytes: 64 }));
        expect(reopened.recovered.hardState).toEqual({ term: 3, vote: 'n2', commit: 20 });
        expect(reopened.recovered.entries.length).toBe(20);
        expect(reopened.report.tornTail).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it('copies left at different lengths by a crash are realigned before new appends (no interleaving)', () => {
    const disk = new MemoryDisk();
    const m = new MirroredDisk(disk, { copies: 3, chunkBytes: 4 });
    m.append('wal', bytes('acked.'));
    durable(disk, m, 'wal');
    m.append('wal', bytes('pending'));
    // Only copy 1's fsync of the second append completes before the power cut.
    disk.fsync('wal.m1', () => {});
    disk.runPendingFsyncs();
    disk.crash();
    expect(disk.read('wal.m1')!.length).toBeGreaterThan(disk.read('wal.m0')!.length);
    const after = new MirroredDisk(disk, { copies: 3, chunkBytes: 4 });
    // The tail was durable on one copy only: never acknowledged, so dropped everywhere.
    expect(text(after.read('wal'))).toBe('acked.');
    after.append('wal', bytes('next'));
    expect(text(after.read('wal'))).toBe('acked.next');
    expect(disk.read('wal.m1')).toEqual(disk.read('wal.m0'));
    // Crash again before the realignment was fsynced: still no mixture of old and new frames.
    disk.fsync('wal.m0', () => {});
    disk.runPendingFsyncs();
    disk.crash();
    const third = new MirroredDisk(disk, { copies: 3, chunkBytes: 4 });
    expect(['acked.', 'acked.next']).toContain(text(third.read('wal')));
  });

  it('validates its options', () => {
    expect(() => new MirroredDisk(new MemoryDisk(), { copies: 0 })).toThrow(/copies must be an integer in \[1, 4\]/);
    expect(() => new MirroredDisk(new MemoryDisk(), { chunkBytes: 0 })).toThrow(/chunkBytes/);
  });
});
