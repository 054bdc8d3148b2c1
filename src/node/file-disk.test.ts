import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type DiskFs, nodeDiskFs } from './disk-fs.js';
import { isDiskFailedError, isFileDiskError } from './errors.js';
import { FileDisk, type FileDiskOptions } from './file-disk.js';
import { writeFileAtomic } from './atomic-file.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

const dirs: string[] = [];
const disks: FileDisk[] = [];
afterEach(async () => {
  for (const d of disks.splice(0)) await d.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'faultline-disk-'));
  dirs.push(d);
  return d;
}

function open(options: Partial<FileDiskOptions> = {}): FileDisk {
  const disk = new FileDisk({ dir: options.dir ?? tempDir(), ...options });
  disks.push(disk);
  return disk;
}

function fsync(disk: FileDisk, file: string): Promise<Error | undefined> {
  return new Promise((resolve) => disk.fsync(file, resolve));
}

/** node:fs with fdatasync/fsync delayed (so requests pile up) and counted, or failing. */
function slowFs(opts: { delayMs?: number; failDataSync?: () => boolean } = {}): DiskFs & { dataSyncs: number; dirSyncs: number } {
  const counted = {
    ...nodeDiskFs,
    dataSyncs: 0,
    dirSyncs: 0,
    fdatasync(fd: number, cb: (e: NodeJS.ErrnoException | null) => void) {
      counted.dataSyncs++;
      if (opts.failDataSync?.()) {
        const e = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }) as NodeJS.ErrnoException;
        setTimeout(() => cb(e), opts.delayMs ?? 0);
        return;
      }
      nodeDiskFs.fdatasync(fd, (e) => setTimeout(() => cb(e), opts.delayMs ?? 0));
    },
    fsync(fd: number, cb: (e: NodeJS.ErrnoException | null) => void) {
      counted.dirSyncs++;
      nodeDiskFs.fsync(fd, (e) => setTimeout(() => cb(e), opts.delayMs ?? 0));
    },
  };
  return counted;
}

describe('FileDisk: the Disk contract', () => {
  it('appends, reads, lists, truncates and removes', async () => {
    const disk = open();
    expect(disk.read('log')).toBeUndefined();
    disk.append('log', bytes('hello '));
    disk.append('log', bytes('world'));
    expect(text(disk.read('log'))).toBe('hello world');
    disk.append('meta', bytes('x'));
    expect(disk.list()).toEqual(['log', 'meta']);
    disk.truncate('log', 5);
    expect(text(disk.read('log'))).toBe('hello');
    disk.append('log', bytes('!'));
    expect(text(disk.read('log'))).toBe('hello!');
    disk.remove('meta');
    expect(disk.list()).toEqual(['log']);
    expect(disk.read('meta')).toBeUndefined();
    expect(await fsync(disk, 'log')).toBeUndefined();
    expect(await fsync(disk, '')).toBeUndefined();
    expect(readFileSync(join(disk.dir, 'log'), 'utf8')).toBe('hello!');
  });

  it('returns plain Uint8Arrays and creates an empty file on an empty append', () => {
    const disk = open();
    disk.append('empty', new Uint8Array(0));
    const r = disk.read('empty')!;
    expect(r).toBeInstanceOf(Uint8Array);
    expect(r.length).toBe(0);
    expect(disk.list()).toEqual(['empty']);
  });

  it('reports misuse with the simulator’s codes: ENOENT and EINVAL', () => {
    const disk = open();
    const code = (f: () => void): string | undefined => {
      try {
        f();
      } catch (e) {
        return isFileDiskError(e) ? e.code : `not a FileDiskError: ${String(e)}`;
      }
      return undefined;
    };
    expect(code(() => disk.truncate('nope', 0))).toBe('ENOENT');
    expect(code(() => disk.remove('nope'))).toBe('ENOENT');
    expect(code(() => disk.fsync('nope', () => undefined))).toBe('ENOENT');
    disk.append('f', bytes('abc'));
    expect(code(() => disk.truncate('f', 4))).toBe('EINVAL');
    expect(code(() => disk.truncate('f', -1))).toBe('EINVAL');
    expect(code(() => disk.truncate('f', 1.5))).toBe('EINVAL');
  });

  it('refuses every name that could escape the directory or collide with its own files', () => {
    const disk = open();
    const bad = ['', '.', '..', '../etc', 'a/b', 'a\\b', '/abs', '.hidden', '.lock', '.tmp-x.1', 'a\0b', 'sp ace', 'é', 'x'.repeat(201)];
    for (const name of bad) {
      for (const op of [
        () => disk.read(name),
        () => disk.append(name, bytes('x')),
        () => disk.write(name, bytes('x')),
        () => disk.truncate(name, 0),
        () => disk.remove(name),
        () => disk.fsync(name || 'x/y', () => undefined),
      ]) {
        let err: unknown;
        try {
          op();
        } catch (e) {
          err = e;
        }
        expect(isFileDiskError(err) && err.code === 'EINVAL', `name ${JSON.stringify(name)}`).toBe(true);
      }
    }
    expect(readdirSync(join(disk.dir, '..')).includes('etc')).toBe(false);
    expect(() => disk.append('ok-Name_1.log', bytes('x'))).not.toThrow();
  });

  it('never calls done inline', () => {
    const disk = open();
    disk.append('f', bytes('x'));
    let called = false;
    disk.fsync('f', () => (called = true));
    disk.fsync('', () => (called = true));
    expect(called).toBe(false);
  });
});

describe('FileDisk: write() keeps the old content durable until fsync', () => {
  it('reads see the new bytes at once; the file on disk changes only when fsync completes', async () => {
    const disk = open();
    await new Promise<void>((resolve, reject) => disk.writeAtomic('state', bytes('term=1'), (e) => (e ? reject(e) : resolve())));
    disk.write('state', bytes('term=2'));
    expect(text(disk.read('state'))).toBe('term=2');
    expect(readFileSync(join(disk.dir, 'state'), 'utf8')).toBe('term=1'); // what a crash would find
    disk.append('state', bytes(',vote=b'));
    expect(await fsync(disk, 'state')).toBeUndefined();
    expect(readFileSync(join(disk.dir, 'state'), 'utf8')).toBe('term=2,vote=b');
    expect(disk.stats().renames).toBe(2);
    expect(readdirSync(disk.dir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  it('after a crash (reopen without close) the un-fsynced write is gone and the old content whole', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'state'), 'durable');
    const first = new FileDisk({ dir, lock: false });
    first.write('state', bytes('volatile'));
    expect(first.list()).toEqual(['state']);
    // "Crash": abandon `first`, open the directory again.
    const second = new FileDisk({ dir, lock: false });
    expect(text(second.read('state'))).toBe('durable');
    expect(readdirSync(dir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
    void second.close();
  });

  it('lists a new file created by write() before its fsync', () => {
    const disk = open();
    disk.write('snap', bytes('s'));
    expect(disk.list()).toEqual(['snap']);
    expect(existsSync(join(disk.dir, 'snap'))).toBe(false);
  });

  it('a remove() during the in-flight fsync of a write is not undone by its rename', async () => {
    const fs = slowFs({ delayMs: 30 });
    const disk = open({ fs });
    disk.write('snap', bytes('v1'));
    const synced = fsync(disk, 'snap');
    disk.remove('snap');
    expect(await synced).toBeUndefined();
    expect(disk.read('snap')).toBeUndefined();
    expect(existsSync(join(disk.dir, 'snap'))).toBe(false);
    expect(disk.list()).toEqual([]);
  });

  it('a write superseded while its fsync is in flight ends with the newest content', async () => {
    const fs = slowFs({ delayMs: 20 });
    const disk = open({ fs });
    disk.write('snap', bytes('v1'));
    const first = fsync(disk, 'snap');
    disk.write('snap', bytes('v2'));
    const second = fsync(disk, 'snap');
    expect([await first, await second]).toEqual([undefined, undefined]);
    expect(readFileSync(join(disk.dir, 'snap'), 'utf8')).toBe('v2');
    expect(readdirSync(disk.dir).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });
});

describe('FileDisk: group commit', () => {
  it('N concurrent fsync requests for a file cost at most two real syncs', async () => {
    const fs = slowFs({ delayMs: 10 });
    const disk = open({ fs });
    const n = 100;
    const results: Array<Promise<Error | undefined>> = [];
    for (let i = 0; i < n; i++) {
      disk.append('wal', bytes(`entry ${i}\n`));
      results.push(fsync(disk, 'wal'));
    }
    expect(await Promise.all(results)).toEqual(new Array(n).fill(undefined));
    expect(fs.dataSyncs).toBeLessThanOrEqual(2);
    const s = disk.stats();
    expect(s.fsyncRequests).toBe(n);
    expect(s.fileSyncs).toBe(fs.dataSyncs);
    expect(s.maxBatch).toBeGreaterThanOrEqual(n - 1);
    expect(text(disk.read('wal'))!.split('\n')).toHaveLength(n + 1);
  });

  it('requests that arrive during a sync share the next one, and each sees its own appends durable', async () => {
    const fs = slowFs({ delayMs: 15 });
    const disk = open({ fs });
    disk.append('wal', bytes('a'));
    const first = fsync(disk, 'wal');
    await new Promise((r) => setTimeout(r, 2)); // the first sync is now in flight
    disk.append('wal', bytes('b'));
    const second = fsync(disk, 'wal');
    disk.append('wal', bytes('c'));
    const third = fsync(disk, 'wal');
    await Promise.all([first, second, third]);
    expect(fs.dataSyncs).toBe(2);
    expect(readFileSync(join(disk.dir, 'wal'), 'utf8')).toBe('abc');
  });

  it('fsync("") syncs the directory with fsync, files with fdatasync by default', async () => {
    const fs = slowFs();
    const disk = open({ fs });
    disk.append('a', bytes('1'));
    await Promise.all([fsync(disk, 'a'), fsync(disk, '')]);
    expect(fs.dataSyncs).toBe(1);
    expect(fs.dirSyncs).toBe(1);
    const viaFsync = open({ fs: slowFs(), syncMethod: 'fsync' });
    viaFsync.append('a', bytes('1'));
    await fsync(viaFsync, 'a');
    expect(viaFsync.stats().fileSyncs).toBe(1);
  });
});

describe('FileDisk: the fsync gate', () => {
  it('after a failed fsync every write and fsync is refused with EIO', async () => {
    let fail = true;
    const fs = slowFs({ failDataSync: () => fail });
    const logs: string[] = [];
    const disk = open({ fs, log: (event) => logs.push(event) });
    disk.append('wal', bytes('x'));
    const err = await fsync(disk, 'wal');
    expect(isDiskFailedError(err)).toBe(true);
    expect(String(err)).toMatch(/refuses further writes/);
    fail = false; // even if the device "recovers", the data state is unknown
    expect(() => disk.append('wal', bytes('y'))).toThrow(/earlier fsync failed/);
    expect(() => disk.write('other', bytes('y'))).toThrow(/earlier fsync failed/);
    expect(() => disk.truncate('wal', 0)).toThrow(/earlier fsync failed/);
    expect(() => disk.remove('wal')).toThrow(/earlier fsync failed/);
    expect(isDiskFailedError(await fsync(disk, 'wal'))).toBe(true);
    expect(isDiskFailedError(await fsync(disk, ''))).toBe(true);
    expect(disk.stats()).toMatchObject({ failed: true, fsyncErrors: 1 });
    expect(disk.failure?.code).toBe('EIO');
    expect(logs).toContain('disk.fsync-failed');
    expect(text(disk.read('wal'))).toBe('x'); // reads still work (for diagnosis)
  });

  it('fails every request of the batch that shared the failed sync', async () => {
    const disk = open({ fs: slowFs({ delayMs: 5, failDataSync: () => true }) });
    disk.append('wal', bytes('x'));
    const errs = await Promise.all([fsync(disk, 'wal'), fsync(disk, 'wal'), fsync(disk, 'wal')]);
    expect(errs.every((e) => isDiskFailedError(e))).toBe(true);
  });
});

describe('FileDisk: lock, descriptors, close', () => {
  it('locks the data directory against a second opener and releases it on close', async () => {
    const dir = tempDir();
    const first = new FileDisk({ dir });
    expect(() => new FileDisk({ dir })).toThrow(expect.objectContaining({ code: 'ELOCKED' }));
    await first.close();
    expect(existsSync(join(dir, '.lock'))).toBe(false);
    const again = open({ dir });
    expect(again.list()).toEqual([]);
  });

  it('takes over a stale lock left by a dead process, refuses a live one', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.lock'), '2147483646\n'); // above any pid_max: certainly dead
    expect(() => open({ dir })).not.toThrow();
    const other = tempDir();
    writeFileSync(join(other, '.lock'), `${process.ppid}\n`); // our parent is alive
    expect(() => new FileDisk({ dir: other })).toThrow(/locked by live process/);
  });

  it('keeps at most maxOpenFiles clean descriptors open', async () => {
    const disk = open({ maxOpenFiles: 2 });
    for (let i = 0; i < 6; i++) {
      disk.append(`seg-${i}`, bytes('x'));
      await fsync(disk, `seg-${i}`);
    }
    disk.append('seg-6', bytes('y'));
    expect(disk.stats().openFiles).toBeLessThanOrEqual(2);
    for (let i = 0; i < 6; i++) expect(text(disk.read(`seg-${i}`))).toBe('x');
  });

  it('close() makes pending writes durable and then refuses use', async () => {
    const dir = tempDir();
    const disk = new FileDisk({ dir });
    disk.write('meta', bytes('m1'));
    disk.append('wal', bytes('w1'));
    await disk.close();
    expect(readFileSync(join(dir, 'meta'), 'utf8')).toBe('m1');
    expect(readFileSync(join(dir, 'wal'), 'utf8')).toBe('w1');
    expect(() => disk.append('wal', bytes('x'))).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
    expect(() => disk.read('wal')).toThrow(expect.objectContaining({ code: 'ECLOSED' }));
    await disk.close(); // idempotent
  });

  it('validates its options with messages naming the API', () => {
    expect(() => new FileDisk({ dir: '' })).toThrow(/FileDisk: dir/);
    expect(() => new FileDisk({ dir: tempDir(), maxOpenFiles: 0 })).toThrow(/FileDisk: maxOpenFiles/);
    expect(() => new FileDisk({ dir: tempDir(), syncMethod: 'nope' as 'fsync' })).toThrow(/FileDisk: syncMethod/);
  });
});

describe('writeFileAtomic', () => {
  it('replaces a file whole and leaves no temporary behind', async () => {
    const dir = tempDir();
    const path = join(dir, 'cluster.json');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, bytes('{"new":true}'));
    expect(readFileSync(path, 'utf8')).toBe('{"new":true}');
    expect(readdirSync(dir)).toEqual(['cluster.json']);
  });

  it('rejects (and cleans up) when the directory does not exist', async () => {
    await expect(writeFileAtomic(join(tempDir(), 'missing', 'x'), bytes('x'))).rejects.toThrow(/ENOENT/);
  });
});
