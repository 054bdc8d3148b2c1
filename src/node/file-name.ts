import { FileDiskError } from './errors.js';

/**
 * File names a `FileDisk` accepts: `[A-Za-z0-9._-]`, 1–200 characters, not
 * starting with `.`. That rules out path separators and `.`/`..` (no path
 * traversal), and reserves dot-names for the disk's own files (`.lock`,
 * `.tmp-*` temporaries), which `list()` never shows. 200 leaves room for the
 * temporary prefix and suffix inside the usual 255-byte name limit.
 */
const VALID_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

export function isValidFileName(name: string): boolean {
  return VALID_NAME.test(name);
}

export function assertValidFileName(name: unknown, api: string): asserts name is string {
  if (typeof name !== 'string' || !VALID_NAME.test(name)) {
    throw new FileDiskError(
      'EINVAL',
      `${api}: file name must match [A-Za-z0-9_-][A-Za-z0-9._-]{0,199} (no path separators, no leading dot), got ${JSON.stringify(name)}`,
    );
  }
}

/** Prefix of temporaries holding a `write()` until its fsync renames it into place. */
export const TEMP_PREFIX = '.tmp-';
/** The data directory lock: the pid of the process that holds it. */
export const LOCK_FILE = '.lock';
