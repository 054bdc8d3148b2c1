/**
 * Role behaviour as a handler table: `ROLE_HANDLERS[role].step/tick`. A role
 * change swaps the handler (via `RaftCore.become*`), never a flag checked
 * all over the code. Messages that reach a handler have passed validation
 * and the term checks in `RaftCore.step` (so `m.term === core.term`, except a
 * granted PreVoteResponse, which carries term + 1).
 */
import type { RaftCore } from './core.js';
import type { AppendResponse, HeartbeatResponse, Message } from './messages.js';
import type { Role } from './types.js';

export interface RoleHandler {
  tick(core: RaftCore): void;
  step(core: RaftCore, m: Message): void;
}

/** Messages every non-leader handles the same way once it accepts the sender as leader. */
function stepFollower(core: RaftCore, m: Message): void {
  switch (m.type) {
    case 'AppendEntries':
      if (core.heardFromLeader(m)) core.handleAppendEntries(m);
      return;
    case 'Heartbeat':
      if (core.heardFromLeader(m)) core.handleHeartbeat(m);
      return;
    case 'InstallSnapshot':
      if (core.heardFromLeader(m)) core.handleSnapshot(m);
      return;
    case 'TimeoutNow':
      if (!core.heardFromLeader(m)) return;
      if (!core.isVoter) {
        core.drop(m, 'TimeoutNow but not a voter');
        return;
      }
      core.campaign('transfer');
      return;
    case 'ReadIndexResponse':
      core.readStates.push({ index: m.index, context: m.context });
      return;
    default:
      core.drop(m, `unexpected ${m.type} for a follower`);
  }
}

function stepCampaigning(core: RaftCore, m: Message, responseType: 'PreVoteResponse' | 'RequestVoteResponse'): void {
  switch (m.type) {
    case 'AppendEntries':
    case 'Heartbeat':
    case 'InstallSnapshot':
      // Someone won this term (§5.2): follow them.
      core.becomeFollower(core.term, m.from);
      stepFollower(core, m);
      return;
    case 'PreVoteResponse':
    case 'RequestVoteResponse':
      if (m.type !== responseType) {
        core.drop(m, `stale ${m.type}`);
        return;
      }
      core.recordVote(m.from, m.granted);
      return;
    default:
      core.drop(m, `unexpected ${m.type} while campaigning`);
  }
}

function onAppendResponse(core: RaftCore, m: AppendResponse): void {
  const ls = core.leaderState();
  const pr = ls.progress.get(m.from);
  if (pr === undefined) {
    core.drop(m, 'response from a non-member');
    return;
  }
  pr.recentActive = true;
  if (m.reject) {
    // Fast backtracking: skip the follower's whole conflicting term.
    const nextProbe = m.hintTerm > 0 ? core.log.findConflictByTerm(m.hintIndex, m.hintTerm).index : m.hintIndex;
    if (pr.maybeDecrTo(m.index, nextProbe)) {
      if (pr.state.kind === 'replicate') pr.becomeProbe();
      core.sendAppends(m.from, pr, true);
    }
    return;
  }
  onAcknowledged(core, m.from, m.index, m);
}

function onAcknowledged(core: RaftCore, from: string, index: number, m: Message): void {
  const ls = core.leaderState();
  const pr = ls.progress.get(from)!;
  if (index > core.log.lastIndex()) {
    core.drop(m, `impossible: acknowledges ${index} beyond our last index ${core.log.lastIndex()}`);
    return;
  }
  if (!pr.maybeUpdate(index)) return;
  switch (pr.state.kind) {
    case 'probe':
      pr.becomeReplicate();
      break;
    case 'snapshot':
      if (pr.match + 1 >= core.log.firstIndex()) {
        pr.becomeProbe();
        pr.becomeReplicate();
      }
      break;
    case 'replicate':
      pr.state.inflights.freeLE(index);
      break;
  }
  core.maybeCommit();
  if (core.role !== 'leader') return; // stepped down after committing its own removal
  // Its last append is answered: if it has not been told the current commit, the next flush tells it.
  if (pr.needsCommitBump(core.log.committed)) ls.commitPending = true;
  core.sendAppends(from, pr, false);
  if (ls.transferee === from && pr.match === core.log.lastIndex()) core.sendTimeoutNow(from);
}

function onHeartbeatResponse(core: RaftCore, m: HeartbeatResponse): void {
  const ls = core.leaderState();
  const pr = ls.progress.get(m.from);
  if (pr === undefined) {
    core.drop(m, 'response from a non-member');
    return;
  }
  pr.recentActive = true;
  if (m.round > ls.round) {
    core.drop(m, `impossible: acknowledges round ${m.round} > ${ls.round}`);
    return;
  }
  pr.ackedRound = Math.max(pr.ackedRound, m.round);
  // The follower is alive. Appends may have been lost: in probe, resume; in
  // replicate, make room for one more message if the window is full.
  if (pr.state.kind === 'probe') pr.state.paused = false;
  else if (pr.state.kind === 'replicate' && pr.state.inflights.full()) pr.state.inflights.freeFirst();
  // An append even if empty: if earlier appends were lost, the follower rejects
  // this one and the leader falls back to probing from the follower's match.
  if (pr.match < core.log.lastIndex()) core.sendAppends(m.from, pr, true);
  core.confirmRounds();
}

const follower: RoleHandler = {
  tick: (core) => core.tickElection(),
  step: stepFollower,
};

const preCandidate: RoleHandler = {
  tick: (core) => core.tickElection(),
  step: (core, m) => stepCampaigning(core, m, 'PreVoteResponse'),
};

const candidate: RoleHandler = {
  tick: (core) => core.tickElection(),
  step: (core, m) => stepCampaigning(core, m, 'RequestVoteResponse'),
};

const leader: RoleHandler = {
  tick(core) {
    const ls = core.leaderState();
    const cfg = core.cfg;
    core.electionElapsed++;
    core.leaderContactElapsed = 0;
    ls.heartbeatElapsed++;
    for (const pr of ls.progress.values()) {
      if (pr.state.kind === 'snapshot' && ++pr.state.ticksSinceSent >= cfg.snapshotRetryTicks) pr.snapshotFailed();
    }
    if (core.electionElapsed >= cfg.electionTicks) {
      core.electionElapsed = 0;
      if (cfg.checkQuorum && !quorumActive(core)) {
        // Cut off from a majority: stop acting as leader (clients go elsewhere).
        cfg.logger?.('raft.check-quorum', { node: core.id, term: core.term });
        core.becomeFollower(core.term, null);
        return;
      }
      if (ls.transferee !== null) ls.transferee = null; // transfer timed out
    }
    if (ls.heartbeatElapsed >= cfg.heartbeatTicks) {
      ls.heartbeatElapsed = 0;
      core.bcastHeartbeat();
    }
  },
  step(core, m) {
    switch (m.type) {
      case 'AppendResponse':
        onAppendResponse(core, m);
        return;
      case 'InstallSnapshotResponse': {
        const pr = core.leaderState().progress.get(m.from);
        if (pr === undefined) {
          core.drop(m, 'response from a non-member');
          return;
        }
        pr.recentActive = true;
        onAcknowledged(core, m.from, m.index, m);
        return;
      }
      case 'HeartbeatResponse':
        onHeartbeatResponse(core, m);
        return;
      case 'ReadIndex': {
        const result = core.leaderRead(m.context, m.from);
        if (!result.ok) core.drop(m, result.error.message);
        return;
      }
      case 'AppendEntries':
      case 'Heartbeat':
      case 'InstallSnapshot':
      case 'TimeoutNow':
        core.drop(m, `impossible: ${m.from} also leads term ${m.term}`);
        return;
      default:
        core.drop(m, `unexpected ${m.type} for a leader`);
    }
  },
};

/** Check-quorum: did a majority of voters (counting ourselves) talk to us this election timeout? */
function quorumActive(core: RaftCore): boolean {
  const ls = core.leaderState();
  let active = 0;
  for (const id of core.voters) {
    if (id === core.id) active++;
    else if (ls.progress.get(id)?.recentActive) active++;
  }
  for (const pr of ls.progress.values()) pr.recentActive = false;
  return active >= Math.floor(core.voters.length / 2) + 1;
}

export const ROLE_HANDLERS: Readonly<Record<Role, RoleHandler>> = Object.freeze({
  follower,
  'pre-candidate': preCandidate,
  candidate,
  leader,
});
