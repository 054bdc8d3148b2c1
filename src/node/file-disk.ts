import { constants } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Disk } from '../env/index.js';
import { type DiskFs, errnoCode, nodeDiskFs } from './disk-fs.js';
import { FileDiskError } from './errors.js';
import { LOCK_FILE, TEMP_PREFIX, assertValidFileName, isValidFileName } from './file-name.js';
import { GroupCommit } from './group-commit.js';
import type { LogFn } from './log.js';

export interface FileDiskOptions {
  /** The data directory (`--data-dir`); created with its parents when absent. */
  dir: string;
  /**
   * How a file's data is flushed. `fdatasync` writes the data and the
   * metadata needed to read it back (the size) and skips mtime; the
   * directory is always flushed with `fsync`. @defaultValue 'fdatasync'
   */
  syncMethod?: 'fdatasync' | 'fsync';
  /**
   * Soft cap on cached file descriptors. Beyond it, the least recently used
   * clean, idle descriptor is closed (dirty ones stay open until fsynced).
   * @defaultValue 256
   */
  maxOpenFiles?: number;
  /** Hold `.lock` (the pid) so two processes never share a data directory. @defaultValue true */
  lock?: boolean;
  /** Injected file system (tests); defaults to `node:fs`. */
  fs?: DiskFs;
  log?: LogFn;
}

export interface FileDiskStats {
  appends: number;
  appendBytes: number;
  writes: number;
  writeBytes: number;
  truncates: number;
  removes: number;
  /** `fsync(file, done)` calls (including `fsync('')`). */
  fsyncRequests: number;
  /** Real fsync/fdatasync system calls on files. */
  fileSyncs: number;
  /** Real fsync system calls on the directory (from `fsync('')` and from renames). */
  dirSyncs: number;
  /** Requests served per real sync, at most (group commit at work when > 1). */
  maxBatch: number;
  /** Temporaries renamed into place (a `write` made durable). */
  renames: number;
  fsyncErrors: number;
  /** Sum and maximum of real sync latencies, ms. */
  syncMsTotal: number;
  syncMsMax: number;
  openFiles: number;
  /** The fsync gate is shut: an fsync failed and writes are refused. */
  failed: boolean;
}

/**
 * One open file. Normally its inode is linked at `name`; after `write()` it
 * is a temporary (`temp`) that the next fsync of `name` renames into place,
 * so a crash before that fsync leaves the previous durable content intact.
 */
interface Handle {
  readonly name: string;
  readonly fd: number;
  /** Name of the temporary while a `write()` awaits its rename; undefined once linked at `name`. */
  temp: string | undefined;
  /** Async syscalls using `fd` in flight: the fd is never closed before they end (a reused fd would fsync a stranger). */
  busy: number;
  /** No longer the current handle of `name`: close it once idle. */
  retired: boolean;
  writeSeq: number;
  /** Highest `writeSeq` a completed sync covered. Invariant: syncedSeq <= writeSeq. */
  syncedSeq: number;
  lastUseTick: number;
}

const RW_APPEND = constants.O_RDWR | constants.O_APPEND;
const FILE_MODE = 0o644;

/** Data directories held by FileDisks of this process (the pid lock cannot tell them apart). */
const heldDirs = new Set<string>();

/**
 * `Disk` over a real directory. Writes go synchronously to the page cache,
 * so reads see them at once; `fsync` is asynchronous and group-committed.
 * See `src/node/README.md` for what is durable when.
 */
export class FileDisk implements Disk {
  readonly dir: string;
  readonly #fs: DiskFs;
  readonly #log: LogFn | undefined;
  readonly #syncMethod: 'fdatasync' | 'fsync';
  readonly #maxOpenFiles: number;
  readonly #files = new Map<string, Handle>();
  readonly #retired = new Set<Handle>();
  readonly #commit: GroupCommit;
  readonly #dirFd: number;
  readonly #locked: boolean;
  #failure: FileDiskError | undefined;
  #closing = false;
  #closed = false;
  #tick = 0;
  #tempCounter = 0;
  readonly #s = {
    appends: 0,
    appendBytes: 0,
    writes: 0,
    writeBytes: 0,
    truncates: 0,
    removes: 0,
    fsyncRequests: 0,
    fileSyncs: 0,
    dirSyncs: 0,
    renames: 0,
    fsyncErrors: 0,
    syncMsTotal: 0,
    syncMsMax: 0,
  };

  constructor(options: FileDiskOptions) {
    const o = validateOptions(options);
    this.dir = resolve(o.dir);
    this.#fs = o.fs;
    this.#log = o.log;
    this.#syncMethod = o.syncMethod;
    this.#maxOpenFiles = o.maxOpenFiles;
    this.#fs.mkdirSync(this.dir, { recursive: true });
    this.#locked = o.lock;
    if (o.lock) this.#acquireLock();
    try {
      this.#removeStaleTemporaries();
      this.#dirFd = this.#fs.openSync(this.dir, constants.O_RDONLY | constants.O_DIRECTORY);
    } catch (e) {
      if (o.lock) this.#releaseLock();
      throw e;
    }
    this.#commit = new GroupCommit((key, done) => this.#flush(key, done));
  }

  read(file: string): Uint8Array | undefined {
    assertValidFileName(file, 'FileDisk.read');
    this.#assertOpen('read');
    const h = this.#handle(file, false);
    if (h === undefined) return undefined;
    const size = this.#fs.fstatSync(h.fd).size;
    const out = new Uint8Array(size);
    let at = 0;
    while (at < size) {
      const n = this.#fs.readSync(h.fd, out, at, size - at, at);
      if (n === 0) break; // shrank underneath us (another process): return what exists
      at += n;
    }
    return at === size ? out : out.subarray(0, at);
  }

  append(file: string, data: Uint8Array): void {
    assertValidFileName(file, 'FileDisk.append');
    assertBytes(data, 'FileDisk.append');
    this.#assertWritable('append');
    const h = this.#handle(file, true)!;
    this.#writeAll(h.fd, data);
    h.writeSeq++;
    this.#s.appends++;
    this.#s.appendBytes += data.length;
  }

  /**
   * Replace the content of `file`. The new bytes go to a temporary that the
   * next `fsync(file)` flushes and renames into place (then flushes the
   * directory), so until that fsync completes a crash leaves the previous
   * durable content whole — never a torn mix.
   */
  write(file: string, data: Uint8Array): void {
    assertValidFileName(file, 'FileDisk.write');
    assertBytes(data, 'FileDisk.write');
    this.#assertWritable('write');
    const temp = `${TEMP_PREFIX}${file}.${++this.#tempCounter}`;
    const fd = this.#fs.openSync(join(this.dir, temp), RW_APPEND | constants.O_CREAT | constants.O_EXCL, FILE_MODE);
    try {
      this.#writeAll(fd, data);
    } catch (e) {
      this.#fs.closeSync(fd);
      this.#unlinkQuiet(temp);
      throw e;
    }
    const old = this.#files.get(file);
    if (old !== undefined) this.#retire(old);
    this.#files.set(file, { name: file, fd, temp, busy: 0, retired: false, writeSeq: 1, syncedSeq: 0, lastUseTick: ++this.#tick });
    this.#evictIfNeeded();
    this.#s.writes++;
    this.#s.writeBytes += data.length;
  }

  /**
   * `write` then `fsync`: `done()` means `file` holds exactly `data` durably;
   * a crash at any point leaves either the old content or `data`, whole.
   */
  writeAtomic(file: string, data: Uint8Array, done: (error?: Error) => void): void {
    this.write(file, data);
    this.fsync(file, done);
  }

  truncate(file: string, sizeBytes: number): void {
    assertValidFileName(file, 'FileDisk.truncate');
    this.#assertWritable('truncate');
    const h = this.#handle(file, false);
    if (h === undefined) throw new FileDiskError('ENOENT', `FileDisk.truncate: no such file "${file}"`);
    const size = this.#fs.fstatSync(h.fd).size;
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0 || sizeBytes > size) {
      throw new FileDiskError('EINVAL', `FileDisk.truncate: sizeBytes must be an integer in [0, ${size}], got ${sizeBytes}`);
    }
    this.#fs.ftruncateSync(h.fd, sizeBytes);
    h.writeSeq++;
    this.#s.truncates++;
  }

  remove(file: string): void {
    assertValidFileName(file, 'FileDisk.remove');
    this.#assertWritable('remove');
    let existed = false;
    const h = this.#files.get(file);
    if (h !== undefined) {
      existed = true;
      this.#retire(h);
    }
    // A superseded write still waiting on its fsync must not be renamed back into place.
    for (const r of this.#retired) {
      if (r.name === file && r.temp !== undefined) {
        this.#unlinkQuiet(r.temp);
        r.temp = undefined;
      }
    }
    try {
      this.#fs.unlinkSync(join(this.dir, file));
      existed = true;
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') throw e;
    }
    if (!existed) throw new FileDiskError('ENOENT', `FileDisk.remove: no such file "${file}"`);
    this.#s.removes++;
  }

  /** Names of existing files (including writes not yet renamed into place), sorted. */
  list(): string[] {
    this.#assertOpen('list');
    const names = new Set(this.#fs.readdirSync(this.dir).filter(isValidFileName));
    for (const h of this.#files.values()) names.add(h.name);
    return [...names].sort();
  }

  /**
   * Make every write to `file` so far durable, then call `done` (always
   * later). `fsync('')` flushes the directory: creations and removals.
   * Concurrent requests are group-committed: all requests made while a sync
   * of the same file is in flight share the next one.
   */
  fsync(file: string, done: (error?: Error) => void): void {
    if (typeof done !== 'function') throw new TypeError('FileDisk.fsync: done must be a function');
    if (file !== '') assertValidFileName(file, 'FileDisk.fsync');
    this.#assertOpen('fsync');
    if (file !== '' && !this.#files.has(file) && !this.#fs.existsSync(join(this.dir, file))) {
      throw new FileDiskError('ENOENT', `FileDisk.fsync: no such file "${file}"`);
    }
    this.#s.fsyncRequests++;
    const failure = this.#failure;
    if (failure !== undefined) {
      setImmediate(() => done(failure));
      return;
    }
    this.#commit.request(file, done);
  }

  /** The fsync gate's error once an fsync failed; undefined while healthy. */
  get failure(): FileDiskError | undefined {
    return this.#failure;
  }

  stats(): FileDiskStats {
    return {
      ...this.#s,
      maxBatch: this.#commit.stats().maxBatch,
      openFiles: this.#files.size + this.#retired.size,
      failed: this.#failure !== undefined,
    };
  }

  /**
   * Stop cleanly: wait for in-flight syncs, then (unless the gate is shut)
   * make every write durable — a clean stop loses nothing — and release the
   * descriptors and the lock. Rejects with the sync error if that flush fails.
   */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    let flushError: Error | undefined;
    await this.#commit.whenIdle();
    if (this.#failure === undefined) {
      const pending = [...this.#files.values()].filter((h) => h.temp !== undefined || h.syncedSeq < h.writeSeq);
      const requests = pending.map((h) => h.name).concat(['']);
      await Promise.all(
        requests.map(
          (name) =>
            new Promise<void>((resolve) =>
              this.#commit.request(name, (error) => {
                flushError ??= error;
                resolve();
              }),
            ),
        ),
      );
      await this.#commit.whenIdle();
    }
    for (const h of [...this.#files.values(), ...this.#retired]) this.#closeFd(h);
    this.#files.clear();
    this.#retired.clear();
    this.#fs.closeSync(this.#dirFd);
    if (this.#locked) this.#releaseLock();
    this.#closed = true;
    if (flushError !== undefined) throw flushError;
  }

  // --- group commit: one real sync per batch -------------------------------

  #flush(key: string, done: (error?: Error) => void): void {
    const failure = this.#failure;
    if (failure !== undefined) {
      setImmediate(() => done(failure));
      return;
    }
    if (key === '') {
      this.#s.dirSyncs++;
      this.#sync(this.#dirFd, 'fsync', (error) => {
        if (error !== undefined) return done(this.#fail(error, 'the data directory'));
        done();
      });
      return;
    }
    let h: Handle | undefined;
    try {
      h = this.#files.get(key) ?? this.#openExisting(key);
    } catch (e) {
      // Could not even open it (EMFILE…): nothing was synced, the gate stays open, the batch hears why.
      setImmediate(() => done(e as Error));
      return;
    }
    if (h === undefined) {
      // Removed after the request: nothing of the requester's writes remains to flush.
      setImmediate(() => done());
      return;
    }
    const seq = h.writeSeq;
    h.busy++;
    this.#s.fileSyncs++;
    this.#sync(h.fd, this.#syncMethod, (error) => {
      h.busy--;
      if (error !== undefined) {
        this.#maybeCloseRetired(h);
        return done(this.#fail(error, `"${key}"`));
      }
      if (seq > h.syncedSeq) h.syncedSeq = seq;
      if (h.temp === undefined) {
        this.#maybeCloseRetired(h);
        return done();
      }
      try {
        this.#fs.renameSync(join(this.dir, h.temp), join(this.dir, key));
      } catch (e) {
        this.#maybeCloseRetired(h);
        return done(this.#fail(e as Error, `"${key}" (rename into place)`));
      }
      h.temp = undefined;
      this.#s.renames++;
      this.#maybeCloseRetired(h);
      // The rename is a directory change: durable only once the directory is.
      this.#commit.request('', done);
    });
  }

  #sync(fd: number, method: 'fsync' | 'fdatasync', done: (error?: Error) => void): void {
    const start = performance.now();
    this.#fs[method](fd, (error) => {
      const ms = performance.now() - start;
      this.#s.syncMsTotal += ms;
      if (ms > this.#s.syncMsMax) this.#s.syncMsMax = ms;
      done(error ?? undefined);
    });
  }

  /** Shut the fsync gate: after a failed fsync the kernel may have dropped the dirty pages, so nothing written is trustworthy. */
  #fail(cause: Error, what: string): FileDiskError {
    this.#s.fsyncErrors++;
    if (this.#failure === undefined) {
      this.#failure = new FileDiskError(
        'EIO',
        `FileDisk: fsync of ${what} failed (${errnoCode(cause) ?? cause.message}); ` +
          'the disk refuses further writes because what reached the device is unknown — restart and recover',
        { cause },
      );
      this.#log?.('disk.fsync-failed', { dir: this.dir, file: what, error: String(cause) });
    }
    return this.#failure;
  }

  // --- descriptors -------------------------------------------------------

  #handle(name: string, create: boolean): Handle | undefined {
    const h = this.#files.get(name);
    if (h !== undefined) {
      h.lastUseTick = ++this.#tick;
      return h;
    }
    return create ? this.#open(name, RW_APPEND | constants.O_CREAT) : this.#openExisting(name);
  }

  #openExisting(name: string): Handle | undefined {
    try {
      return this.#open(name, RW_APPEND);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return undefined;
      throw e;
    }
  }

  #open(name: string, flags: number): Handle {
    const fd = this.#fs.openSync(join(this.dir, name), flags, FILE_MODE);
    const h: Handle = { name, fd, temp: undefined, busy: 0, retired: false, writeSeq: 0, syncedSeq: 0, lastUseTick: ++this.#tick };
    this.#files.set(name, h);
    this.#evictIfNeeded();
    return h;
  }

  #retire(h: Handle): void {
    this.#files.delete(h.name);
    h.retired = true;
    if (h.busy > 0) {
      // An fsync is using the fd; it closes the handle when it ends.
      this.#retired.add(h);
      return;
    }
    // Idle: a superseded un-fsynced write is garbage.
    if (h.temp !== undefined) this.#unlinkQuiet(h.temp);
    h.temp = undefined;
    this.#closeFd(h);
  }

  #maybeCloseRetired(h: Handle): void {
    if (!h.retired || h.busy > 0) return;
    this.#retired.delete(h);
    if (h.temp !== undefined) this.#unlinkQuiet(h.temp);
    h.temp = undefined;
    this.#closeFd(h);
  }

  #evictIfNeeded(): void {
    while (this.#files.size > this.#maxOpenFiles) {
      let victim: Handle | undefined;
      for (const h of this.#files.values()) {
        const clean = h.busy === 0 && h.temp === undefined && h.syncedSeq === h.writeSeq;
        if (clean && h.lastUseTick !== this.#tick && (victim === undefined || h.lastUseTick < victim.lastUseTick)) victim = h;
      }
      if (victim === undefined) return; // everything is dirty or busy: the cap is soft
      this.#files.delete(victim.name);
      this.#closeFd(victim);
    }
  }

  #closeFd(h: Handle): void {
    try {
      this.#fs.closeSync(h.fd);
    } catch (e) {
      this.#log?.('disk.close-failed', { file: h.name, error: String(e) });
    }
  }

  #writeAll(fd: number, data: Uint8Array): void {
    let at = 0;
    while (at < data.length) at += this.#fs.writeSync(fd, data, at, data.length - at);
  }

  #unlinkQuiet(name: string): void {
    try {
      this.#fs.unlinkSync(join(this.dir, name));
    } catch (e) {
      if (errnoCode(e) !== 'ENOENT') this.#log?.('disk.unlink-failed', { file: name, error: String(e) });
    }
  }

  // --- guards, lock, recovery ---------------------------------------------

  #assertOpen(api: string): void {
    if (this.#closed) throw new FileDiskError('ECLOSED', `FileDisk.${api}: the disk is closed`);
  }

  #assertWritable(api: string): void {
    if (this.#closed || this.#closing) throw new FileDiskError('ECLOSED', `FileDisk.${api}: the disk is closed`);
    if (this.#failure !== undefined) {
      throw new FileDiskError('EIO', `FileDisk.${api}: refused, an earlier fsync failed: ${this.#failure.message}`, {
        cause: this.#failure,
      });
    }
  }

  /** Temporaries left by a crash were never fsynced into place: by definition not durable, so garbage. */
  #removeStaleTemporaries(): void {
    for (const name of this.#fs.readdirSync(this.dir)) {
      if (name.startsWith(TEMP_PREFIX)) this.#unlinkQuiet(name);
    }
  }

  #acquireLock(): void {
    const lockPath = join(this.dir, LOCK_FILE);
    if (heldDirs.has(this.dir)) {
      throw new FileDiskError('ELOCKED', `FileDisk: data directory ${this.dir} is already open in this process`);
    }
    try {
      this.#fs.writeFileSync(lockPath, `${process.pid}\n`, { flag: 'wx' });
    } catch (e) {
      if (errnoCode(e) !== 'EEXIST') throw e;
      const holder = Number.parseInt(new TextDecoder().decode(this.#fs.readFileSync(lockPath)), 10);
      if (holder !== process.pid && isProcessAlive(holder)) {
        throw new FileDiskError(
          'ELOCKED',
          `FileDisk: data directory ${this.dir} is locked by live process ${holder} ` +
            `(if that is not a faultline node — a reused pid — delete ${lockPath})`,
        );
      }
      this.#log?.('disk.stale-lock', { dir: this.dir, holder });
      this.#fs.writeFileSync(lockPath, `${process.pid}\n`, { flag: 'w' });
    }
    heldDirs.add(this.dir);
  }

  #releaseLock(): void {
    heldDirs.delete(this.dir);
    this.#unlinkQuiet(LOCK_FILE);
  }
}

/** Open (and lock) a data directory as a `Disk`. */
export function openFileDisk(options: FileDiskOptions): FileDisk {
  return new FileDisk(options);
}

function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM';
  }
}

function assertBytes(data: unknown, api: string): asserts data is Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError(`${api}: data must be a Uint8Array`);
}

function validateOptions(o: FileDiskOptions): Required<Omit<FileDiskOptions, 'log'>> & { log: LogFn | undefined } {
  if (typeof o !== 'object' || o === null) throw new TypeError('FileDisk: options must be an object');
  if (typeof o.dir !== 'string' || o.dir === '') throw new TypeError('FileDisk: dir must be a non-empty path');
  const syncMethod = o.syncMethod ?? 'fdatasync';
  if (syncMethod !== 'fdatasync' && syncMethod !== 'fsync') {
    throw new TypeError(`FileDisk: syncMethod must be 'fdatasync' or 'fsync', got ${String(syncMethod)}`);
  }
  const maxOpenFiles = o.maxOpenFiles ?? 256;
  if (!Number.isSafeInteger(maxOpenFiles) || maxOpenFiles < 1) {
    throw new RangeError(`FileDisk: maxOpenFiles must be an integer >= 1, got ${maxOpenFiles}`);
  }
  return { dir: o.dir, syncMethod, maxOpenFiles, lock: o.lock ?? true, fs: o.fs ?? nodeDiskFs, log: o.log };
}
