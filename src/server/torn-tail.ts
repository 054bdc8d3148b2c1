/**
 * Finds a torn tail before the replica opens its log, so the node can say
 * so with a warning: the replica recovers silently (it cuts the torn record
 * and starts). It opens the log the same way the replica does — RaftStorage
 * over a MirroredDisk with the replica's default copies — but through a
 * read-only view of the data directory: nothing is written, truncated or
 * removed here (the replica does that itself a moment later). Any error is
 * left for the replica to report: this is only a diagnosis.
 */
import type { Disk } from '../env/index.js';
import { RaftStorage } from '../raft/index.js';
import type { TornTail } from '../raft/index.js';
import { MirroredDisk } from '../replica/index.js';

export interface TornTailFinding {
  /** The Raft record that was cut off (null when the damage was below it, in the storage framing). */
  readonly tornTail: TornTail | null;
  /** Physical files recovery would truncate (a repaired copy, rewritten, is not a torn tail). */
  readonly filesTouched: readonly string[];
}

export function findTornTail(disk: Disk, copies = 2): TornTailFinding | null {
  const truncated = new Set<string>();
  const readOnly: Disk = {
    read: (f) => disk.read(f),
    list: () => disk.list(),
    append: () => undefined,
    write: () => undefined,
    truncate: (f) => void truncated.add(f),
    remove: () => undefined,
    fsync: (_f, done) => void setImmediate(() => done()),
  };
  let tornTail: TornTail | null;
  try {
    tornTail = RaftStorage.open(new MirroredDisk(readOnly, { copies })).report.tornTail;
  } catch {
    return null; // corruption: the replica refuses to start and says why
  }
  if (tornTail === null && truncated.size === 0) return null;
  return { tornTail, filesTouched: [...truncated] };
}
