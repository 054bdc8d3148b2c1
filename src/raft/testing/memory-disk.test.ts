import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../core/random/index.js';
import { MemoryDisk } from './memory-disk.js';

const bytes = (...xs: number[]) => new Uint8Array(xs);
const sync = (d: MemoryDisk, f: string) => {
  let done = false;
  d.fsync(f, () => (done = true));
  expect(done).toBe(false); // never inline
  d.runPendingFsyncs();
  expect(done).toBe(true);
};

describe('MemoryDisk: only fsynced state survives a crash', () => {
  it('reads see volatile writes; a crash drops what was not fsynced', () => {
    const d = new MemoryDisk();
    d.append('f', bytes(1, 2));
    expect(d.read('f')).toEqual(bytes(1, 2));
    sync(d, 'f');
    sync(d, '');
    d.append('f', bytes(3));
    d.crash();
    expect(d.read('f')).toEqual(bytes(1, 2));
  });

  it('a new file needs a directory fsync to survive; a removal too', () => {
    const d = new MemoryDisk();
    d.append('new', bytes(1));
    sync(d, 'new');
    d.crash();
    expect(d.read('new')).toBeUndefined();
    d.append('kept', bytes(9));
    sync(d, 'kept');
    sync(d, '');
    d.remove('kept');
    expect(d.list()).toEqual([]);
    d.crash();
    expect(d.read('kept')).toEqual(bytes(9));
  });

  it('a pending fsync that never completed does not make data durable', () => {
    const d = new MemoryDisk();
    d.append('f', bytes(1));
    sync(d, 'f');
    sync(d, '');
    d.append('f', bytes(2));
    d.fsync('f', () => {});
    d.crash();
    expect(d.read('f')).toEqual(bytes(1));
  });

  it('a crash may keep a prefix of the last un-fsynced append (a torn write)', () => {
    const lengths = new Set<number>();
    const master = new SeededRng(99);
    for (let k = 1; k < 40; k++) {
      const d = new MemoryDisk();
      d.append('f', bytes(1, 1));
      sync(d, 'f');
      sync(d, '');
      d.append('f', bytes(2, 2, 2, 2));
      d.crash({ rng: master.fork(), tearProbability: 1 });
      const got = d.read('f')!;
      expect([...got.subarray(0, 2)]).toEqual([1, 1]);
      expect(got.subarray(2).every((b) => b === 2)).toBe(true);
      lengths.add(got.byteLength);
    }
    expect(lengths.size).toBeGreaterThan(2);
  });

  it('truncate and rewrite are volatile until fsync', () => {
    const d = new MemoryDisk();
    d.write('f', bytes(1, 2, 3));
    sync(d, 'f');
    sync(d, '');
    d.truncate('f', 1);
    d.write('g', bytes(7));
    expect(d.read('f')).toEqual(bytes(1));
    d.crash();
    expect(d.read('f')).toEqual(bytes(1, 2, 3));
    expect(d.read('g')).toBeUndefined();
  });

  it('injected fsync failures reach the callback', () => {
    const d = new MemoryDisk();
    d.append('f', bytes(1));
    d.injectFsyncFailures(1);
    let error: Error | undefined;
    d.fsync('f', (e) => (error = e));
    d.runPendingFsyncs();
    expect(error?.message).toMatch(/injected fsync failure/);
  });
});
