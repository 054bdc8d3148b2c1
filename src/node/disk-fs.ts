import * as fs from 'node:fs';

/**
 * The slice of `node:fs` a `FileDisk` uses. Injectable so tests can count
 * fsyncs (group commit) and make one fail (the fsync gate) without a broken
 * device; the default is `node:fs` itself.
 */
export interface DiskFs {
  openSync(path: string, flags: number, mode?: number): number;
  closeSync(fd: number): void;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  fstatSync(fd: number): { size: number };
  ftruncateSync(fd: number, len: number): void;
  readFileSync(path: string): Uint8Array;
  writeFileSync(path: string, data: string, options: { flag: string }): void;
  readdirSync(path: string): string[];
  mkdirSync(path: string, options: { recursive: true }): unknown;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  existsSync(path: string): boolean;
  /** Flush data and metadata (used for the directory). */
  fsync(fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void;
  /** Flush data and the metadata needed to read it back (size), not mtime. */
  fdatasync(fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void;
}

export const nodeDiskFs: DiskFs = {
  openSync: (path, flags, mode) => fs.openSync(path, flags, mode),
  closeSync: (fd) => fs.closeSync(fd),
  writeSync: (fd, buffer, offset, length) => fs.writeSync(fd, buffer, offset, length),
  readSync: (fd, buffer, offset, length, position) => fs.readSync(fd, buffer, offset, length, position),
  fstatSync: (fd) => fs.fstatSync(fd),
  ftruncateSync: (fd, len) => fs.ftruncateSync(fd, len),
  readFileSync: (path) => fs.readFileSync(path),
  writeFileSync: (path, data, options) => fs.writeFileSync(path, data, options),
  readdirSync: (path) => fs.readdirSync(path),
  mkdirSync: (path, options) => fs.mkdirSync(path, options),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (path) => fs.unlinkSync(path),
  existsSync: (path) => fs.existsSync(path),
  fsync: (fd, callback) => fs.fsync(fd, callback),
  fdatasync: (fd, callback) => fs.fdatasync(fd, callback),
};

export function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null ? ((e as { code?: unknown }).code as string | undefined) : undefined;
}
