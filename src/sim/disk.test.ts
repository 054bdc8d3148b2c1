import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeededRng } from '../core/random/index.js';
import { DiskError, SimDisk } from './disk.js';

const b = (...xs: number[]) => Uint8Array.from(xs);
const rng = () => new SeededRng(1);

/** Create `file` with `content` and make both it and its directory entry durable. */
function durable(disk: SimDisk, file: string, content: Uint8Array): void {
  disk.write(file, content);
  disk.completeFsync(disk.beginFsync(''));
  disk.completeFsync(disk.beginFsync(file));
}

describe('SimDisk', () => {
  it('reads see writes at once; only fsync makes them survive a crash', () => {
    const disk = new SimDisk();
    durable(disk, 'f', b(1, 2));
    disk.append('f', b(3));
    expect(disk.read('f')).toEqual(b(1, 2, 3));
    expect(disk.durableContent('f')).toEqual(b(1, 2));
    disk.crash(rng(), 0);
    expect(disk.read('f')).toEqual(b(1, 2));
  });

  it('an fsync makes durable the content as of its call, not later appends', () => {
    const disk = new SimDisk();
    durable(disk, 'f', b(1));
    disk.append('f', b(2));
    const t = disk.beginFsync('f');
    disk.append('f', b(3));
    disk.completeFsync(t);
    expect(disk.durableContent('f')).toEqual(b(1, 2));
  });

  it('an fsync in flight keeps the content of its call even if the file is rewritten before it completes', () => {
    const disk = new SimDisk();
    durable(disk, 'f', b(1));
    disk.append('f', b(2, 3));
    const t = disk.beginFsync('f');
    disk.truncate('f', 1);
    disk.append('f', b(9));
    disk.completeFsync(t);
    expect(disk.durableContent('f')).toEqual(b(1, 2, 3));
    expect(disk.read('f')).toEqual(b(1, 9));
    disk.crash(rng(), 0);
    expect(disk.read('f')).toEqual(b(1, 2, 3));
  });

  it('an older fsync completing after a newer one does not roll durability back', () => {
    const disk = new SimDisk();
    durable(disk, 'f', b(1));
    disk.append('f', b(2));
    const older = disk.beginFsync('f');
    disk.append('f', b(3));
    const newer = disk.beginFsync('f');
    disk.completeFsync(newer);
    disk.completeFsync(older);
    expect(disk.durableContent('f')).toEqual(b(1, 2, 3));
  });

  it('a failed fsync makes nothing durable', () => {
    const disk = new SimDisk();
    durable(disk, 'f', b(1));
    disk.append('f', b(2));
    disk.failFsync(disk.beginFsync('f'));
    disk.crash(rng(), 0);
    expect(disk.read('f')).toEqual(b(1));
  });

  it('creations and removals need a directory fsync to survive', () => {
    const disk = new SimDisk();
    durable(disk, 'old', b(1));
    disk.remove('old');
    disk.write('new', b(2));
    disk.completeFsync(disk.beginFsync('new'));
    expect(disk.list()).toEqual(['new']);
    disk.crash(rng(), 0);
    expect(disk.list()).toEqual(['old']);
    expect(disk.read('old')).toEqual(b(1));
    disk.remove('old');
    disk.completeFsync(disk.beginFsync(''));
    disk.crash(rng(), 0);
    expect(disk.list()).toEqual([]);
  });

  it('a durable directory entry with unsynced data comes back empty', () => {
    const disk = new SimDisk();
    disk.write('f', b(1, 2));
    disk.completeFsync(disk.beginFsync(''));
    disk.crash(rng(), 0);
    expect(disk.read('f')).toEqual(b());
  });

  it('a torn tail is a proper prefix of the oldest un-fsynced append, never more', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 50 }), fc.integer({ min: 1, max: 50 }), fc.integer(), (first, second, seed) => {
        const disk = new SimDisk();
        durable(disk, 'f', b(0xaa));
        const a = new Uint8Array(first).fill(1);
        disk.append('f', a);
        disk.append('f', new Uint8Array(second).fill(2));
        const [report] = disk.crash(new SeededRng(seed), 1);
        const after = disk.read('f')!;
        expect(report.tornBytes).toBeGreaterThan(0);
        expect(report.tornBytes).toBeLessThan(first);
        expect(after.length).toBe(1 + report.tornBytes);
        expect([...after.subarray(1)].every((x) => x === 1)).toBe(true);
      }),
    );
  });

  it('matches a model: after any ops and a crash, the file is its last fsynced content', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('append' as const), data: fc.array(fc.nat(255), { maxLength: 5 }) }),
      fc.record({ kind: fc.constant('write' as const), data: fc.array(fc.nat(255), { maxLength: 5 }) }),
      fc.record({ kind: fc.constant('truncate' as const), to: fc.nat(10) }),
      fc.record({ kind: fc.constant('fsync' as const) }),
      fc.record({ kind: fc.constant('fsyncLater' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const disk = new SimDisk();
        durable(disk, 'f', b());
        let model: number[] = [];
        let durableModel: number[] = [];
        const pending: Array<{ ticket: ReturnType<SimDisk['beginFsync']>; content: number[] }> = [];
        for (const o of ops) {
          if (o.kind === 'append') {
            disk.append('f', Uint8Array.from(o.data));
            model = [...model, ...o.data];
          } else if (o.kind === 'write') {
            disk.write('f', Uint8Array.from(o.data));
            model = [...o.data];
          } else if (o.kind === 'truncate') {
            const to = Math.min(o.to, model.length);
            disk.truncate('f', to);
            model = model.slice(0, to);
          } else if (o.kind === 'fsyncLater') {
            pending.push({ ticket: disk.beginFsync('f'), content: model });
          } else {
            disk.completeFsync(disk.beginFsync('f'));
            durableModel = model;
            // Older in-flight fsyncs completing now must not roll back.
            for (const p of pending.splice(0)) disk.completeFsync(p.ticket);
          }
          expect([...disk.read('f')!]).toEqual(model);
        }
        for (const p of pending) {
          disk.completeFsync(p.ticket);
          durableModel = p.content;
        }
        disk.crash(rng(), 0);
        expect([...disk.read('f')!]).toEqual(durableModel);
      }),
      { numRuns: 300 },
    );
  });

  it('names its errors', () => {
    const disk = new SimDisk();
    expect(() => disk.truncate('nope', 0)).toThrow(DiskError);
    expect(() => disk.remove('nope')).toThrow(/no such file/);
    disk.write('f', b(1));
    expect(() => disk.truncate('f', 5)).toThrow(/\[0, 1\]/);
    expect(() => disk.append('', b(1))).toThrow(/non-empty/);
  });
});
