/**
 * Fatal start-up problems as one sentence: where the damage is and what to
 * do. The replica recovers its own storage (a torn tail — the last record
 * half-written by a crash — is cut off; damage anywhere else leaves it
 * `failed`); this turns its verdict, or a thrown corrupt-log error, into the
 * message `faultline start` prints before exiting 1.
 */
import { isCorruptLogError } from '../raft/index.js';

export class FatalStartError extends Error {
  override readonly name = 'FatalStartError';
}

const ADVICE = 'move the data directory aside and start this node empty so it is rebuilt from its peers';

/** The sentence for a replica that started `failed` (its `status().failure`). */
export function failedStartMessage(failure: string | undefined, dataDir: string): string {
  const why = failure ?? 'the replica could not recover its storage';
  const corrupt = /(\S+) is corrupt at byte (\d+) \(([^)]*)\)/.exec(why);
  if (corrupt) {
    return `refusing to start: the Raft log in ${dataDir} is corrupt mid-log (${corrupt[1]} at byte ${corrupt[2]}: ${corrupt[3]}), which is not a torn write from a crash; ${ADVICE}`;
  }
  if (/corrupt|damaged|checksum|lost/i.test(why)) {
    return `refusing to start: the data in ${dataDir} is damaged (${firstSentence(why)}); ${ADVICE}`;
  }
  return `refusing to start: ${firstSentence(why)}`;
}

/** A corrupt-log error thrown while opening, as the fatal sentence; other errors unchanged. */
export function asFatal(e: unknown, dataDir: string): unknown {
  if (isCorruptLogError(e)) {
    return new FatalStartError(
      `refusing to start: the Raft log in ${dataDir} is corrupt mid-log (${e.file} at byte ${e.offsetBytes}: ${e.reason}), which is not a torn write from a crash; ${ADVICE}`,
    );
  }
  return e;
}

function firstSentence(text: string): string {
  const cut = text.replace(/^cannot start from storage:\s*/, '');
  const end = cut.search(/[.;](\s|$)/);
  return (end > 0 ? cut.slice(0, end) : cut).trim();
}
