/**
 * Start-up check of the data directory's Raft log, before the replica opens
 * it: a torn tail (the last record half-written by a crash) is cut off and
 * logged as a warning; damage anywhere else is fatal with one sentence saying
 * where and what to do, and the node does not start.
 */
import type { Disk } from '../env/index.js';
import { isCorruptLogError, RaftStorage } from '../raft/index.js';
import type { RecoveryReport } from '../raft/index.js';

export class FatalStartError extends Error {
  override readonly name = 'FatalStartError';
}

export function checkRaftLog(disk: Disk, dataDir: string, prefix = 'raft-'): RecoveryReport {
  try {
    return RaftStorage.open(disk, { prefix }).report;
  } catch (e) {
    throw asFatal(e, dataDir);
  }
}

/** A corrupt-log error (from the check or the replica) as the fatal one-sentence message; other errors unchanged. */
export function asFatal(e: unknown, dataDir: string): unknown {
  if (isCorruptLogError(e)) {
    return new FatalStartError(
      `refusing to start: the Raft log in ${dataDir} is corrupt mid-log (${e.file} at byte ${e.offsetBytes}: ${e.reason}), ` +
        'which is not a torn write from a crash; move the data directory aside and let this node rejoin empty to be rebuilt from its peers',
    );
  }
  return e;
}
