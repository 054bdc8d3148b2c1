/**
 * What a chaos run must show at the end, after healing:
 *
 * 1. the kv history (every client op, final reads included) is linearizable
 *    under the `kv` model, key by key;
 * 2. every acknowledged write-once (set) key reads back with its value;
 * 3. fenced writes applied in revision order carry non-decreasing tokens
 *    (no stale lock holder's write landed after a newer holder's);
 * 4. no id was issued twice (the unique-ids model);
 * 5. the cluster recovered: a leader, and every final read answered.
 */
import { checkHistory, kvModel, uniqueIdsModel } from '../../check/index.js';
import type { CheckResult, History, Verdict } from '../../check/index.js';
import { performance } from 'node:perf_hooks';
import type { AckedWrite, FencedWrite } from './workload.js';

export interface LostWrite {
  readonly key: string;
  readonly value: string;
  /** What the final read saw (null: absent; undefined: the read failed). */
  readonly found: string | null | undefined;
}

export interface FencingViolation {
  readonly earlier: FencedWrite;
  readonly later: FencedWrite;
}

export interface Verdicts {
  readonly linearizable: Verdict;
  readonly linearizability: CheckResult;
  readonly lostWrites: LostWrite[];
  readonly fencingViolations: FencingViolation[];
  readonly ids: Verdict;
  readonly idsCheck: CheckResult;
  readonly unreadKeys: number;
}

export function checkLinearizable(history: History, budgetMs: number): CheckResult {
  return checkHistory(history, kvModel, { budget: { maxMs: budgetMs, now: () => performance.now() } });
}

export function checkIds(history: History): CheckResult {
  return checkHistory(history, uniqueIdsModel);
}

export function lostWrites(acked: readonly AckedWrite[], finalValues: ReadonlyMap<string, string | null | undefined>): LostWrite[] {
  const lost: LostWrite[] = [];
  for (const w of acked) {
    const found = finalValues.get(w.key);
    if (found !== w.value) lost.push({ key: w.key, value: w.value, found });
  }
  return lost;
}

/** In revision order, a token may repeat (one holder, several writes) or rise, never fall. */
export function fencingViolations(writes: readonly FencedWrite[]): FencingViolation[] {
  const byRevision = [...writes].sort((a, b) => a.revision - b.revision);
  const violations: FencingViolation[] = [];
  let highest: FencedWrite | undefined;
  for (const w of byRevision) {
    if (highest !== undefined && w.token < highest.token) violations.push({ earlier: highest, later: w });
    if (highest === undefined || w.token > highest.token) highest = w;
  }
  return violations;
}
