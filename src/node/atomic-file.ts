import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replace the file at `path` with `data` atomically and durably: write a
 * temporary beside it, fsync it, rename it over `path`, fsync the directory.
 * When the promise resolves, `path` holds exactly `data` on the device; a
 * crash at any point leaves either the old file or `data`, whole — never a
 * torn mix. For metadata and snapshots outside a `FileDisk` (inside one, use
 * `FileDisk.writeAtomic`, which keeps its descriptor cache right).
 */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new TypeError('writeFileAtomic: path must be a non-empty string');
  if (!(data instanceof Uint8Array)) throw new TypeError('writeFileAtomic: data must be a Uint8Array');
  const dir = dirname(path);
  const temp = join(dir, `.tmp-${basename(path)}.${randomBytes(6).toString('hex')}`);
  const file = await open(temp, 'wx', 0o644);
  try {
    await file.writeFile(data);
    await file.sync();
  } catch (e) {
    await file.close();
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  await file.close();
  try {
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}
