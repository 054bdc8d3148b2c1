/**
 * Single-server membership changes (Raft thesis §4.1). Adding or removing
 * one voter at a time keeps every majority of the old configuration
 * overlapping every majority of the new one, so no joint consensus is needed.
 *
 * Rule chosen here: a configuration takes effect on a node as soon as its
 * entry is in that node's log, committed or not (thesis §4.1), and is undone
 * if the entry is truncated. The leader accepts a new change only when the
 * previous one is committed and it has committed an entry of its own term
 * (the fix for the single-server bug Ongaro reported on raft-dev, 2015).
 */
import type { ConfChange, ConfState } from './types.js';
import { makeConf } from './types.js';

export type ConfChangeOutcome = { readonly ok: true; readonly conf: ConfState } | { readonly ok: false; readonly detail: string };

export function applyConfChange(conf: ConfState, change: ConfChange): ConfChangeOutcome {
  const isVoter = conf.voters.includes(change.node);
  const isLearner = conf.learners.includes(change.node);
  switch (change.type) {
    case 'add-voter':
      if (isVoter) return { ok: false, detail: `${change.node} is already a voter` };
      if (isLearner) return { ok: false, detail: `${change.node} is a learner: use promote-learner` };
      return { ok: true, conf: makeConf([...conf.voters, change.node], conf.learners) };
    case 'add-learner':
      if (isVoter || isLearner) return { ok: false, detail: `${change.node} is already a member` };
      return { ok: true, conf: makeConf(conf.voters, [...conf.learners, change.node]) };
    case 'promote-learner':
      if (!isLearner) return { ok: false, detail: `${change.node} is not a learner` };
      return { ok: true, conf: makeConf([...conf.voters, change.node], conf.learners.filter((l) => l !== change.node)) };
    case 'remove-voter':
      // Removes the node whatever its role (a learner can be removed the same way).
      if (isLearner) return { ok: true, conf: makeConf(conf.voters, conf.learners.filter((l) => l !== change.node)) };
      if (!isVoter) return { ok: false, detail: `${change.node} is not a member` };
      if (conf.voters.length === 1) return { ok: false, detail: 'cannot remove the last voter' };
      return { ok: true, conf: makeConf(conf.voters.filter((v) => v !== change.node), conf.learners) };
    default:
      return { ok: false, detail: `unknown change type ${String((change as { type: unknown }).type)}` };
  }
}
