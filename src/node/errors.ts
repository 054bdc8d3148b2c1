/**
 * Typed errors of the Node runtime. Each has a stable `code` and a type guard
 * that checks a brand (works across duplicated package copies, unlike
 * `instanceof`).
 *
 * `FileDiskError` codes for misuse match the simulator's `DiskError`
 * (`ENOENT`, `EINVAL`, `EIO`) so a host handles both runtimes the same way.
 */
const FILE_DISK_BRAND = 'faultline.FileDiskError';

export type FileDiskErrorCode =
  /** The file does not exist (truncate, remove, fsync of a missing file). */
  | 'ENOENT'
  /** Bad argument: a file name outside `[A-Za-z0-9._-]`, a bad size. */
  | 'EINVAL'
  /**
   * An fsync failed earlier: what is on the device is unknown, so the disk
   * refuses every further write and fsync (the fsync gate). Restart the
   * process and recover from what is durable.
   */
  | 'EIO'
  /** The disk was closed. */
  | 'ECLOSED'
  /** Another live process (or another FileDisk in this process) holds the data directory. */
  | 'ELOCKED';

export class FileDiskError extends Error {
  readonly brand = FILE_DISK_BRAND;
  override readonly name = 'FileDiskError';
  readonly code: FileDiskErrorCode;

  constructor(code: FileDiskErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isFileDiskError(e: unknown): e is FileDiskError {
  return typeof e === 'object' && e !== null && (e as { brand?: unknown }).brand === FILE_DISK_BRAND;
}

/** True for the fsync-gate error: the disk failed and refuses writes. */
export function isDiskFailedError(e: unknown): e is FileDiskError {
  return isFileDiskError(e) && e.code === 'EIO';
}
