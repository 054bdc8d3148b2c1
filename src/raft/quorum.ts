/** Majority arithmetic over a voter set (a single configuration; no joint consensus). */
import type { NodeId } from './types.js';

export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The largest value that a majority of `voters` have reached: the
 * quorumSize-th largest of `valueOf(voter)`. Used for the commit index
 * (match indices) and for confirmed heartbeat rounds. 0 with no voters.
 */
export function quorumValue(voters: readonly NodeId[], valueOf: (id: NodeId) => number, size: number = quorumSize(voters.length)): number {
  if (voters.length === 0) return 0;
  const values = voters.map(valueOf).sort((a, b) => b - a);
  return values[Math.min(voters.length, Math.max(1, size)) - 1];
}

export type VoteResult = 'won' | 'lost' | 'pending';

/** Tally `votes` (true = granted) among `voters`; votes from non-voters do not count. */
export function tallyVotes(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  const q = quorumSize(voters.length);
  if (granted >= q) return 'won';
  if (rejected > voters.length - q) return 'lost';
  return 'pending';
}
