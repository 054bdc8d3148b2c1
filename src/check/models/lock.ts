/**
 * A mutual-exclusion lock with fencing tokens. `acquire` completes `ok` with
 * the token it was granted (a number; tokens must strictly increase across
 * grants) or with a non-number when the lock issues no tokens. `release` is
 * allowed only to the current holder (the same process); its value may name
 * the token being released. Two holders at once, a token that does not
 * increase, or a release by a non-holder cannot be linearized.
 *
 * There is no expiry: a lease lock that lets a second client in while the
 * first still believes it holds the lock is exactly what this model flags.
 */
import type { Process } from '../history.js';
import { defineModel, UNKNOWN } from '../model.js';
import type { Model, StepResult } from '../model.js';

export interface LockState {
  /** The process holding the lock, or null. */
  holder: Process | null;
  /** The holder's token when known. */
  token: number | null;
  /** The highest token granted so far (null before the first). */
  last: number | null;
}

const FREE: LockState = { holder: null, token: null, last: null };

function acquire(state: LockState, process: Process, output: unknown): StepResult<LockState> {
  if (state.holder !== null) return { ok: output === UNKNOWN, state };
  if (output === UNKNOWN) return { ok: true, state: { holder: process, token: null, last: state.last } };
  if (typeof output !== 'number') return { ok: true, state: { holder: process, token: null, last: state.last } };
  if (state.last !== null && !(output > state.last)) return { ok: false, state };
  return { ok: true, state: { holder: process, token: output, last: output } };
}

function release(state: LockState, process: Process, value: unknown, output: unknown): StepResult<LockState> {
  const holds = state.holder === process && (typeof value !== 'number' || state.token === null || state.token === value);
  if (!holds) return { ok: output === UNKNOWN, state };
  return { ok: true, state: { holder: null, token: null, last: state.last } };
}

export const lockModel: Model<LockState> = defineModel<LockState>({
  name: 'lock',
  operations: ['acquire', 'release'],
  infoAlwaysLegal: true,
  init: () => FREE,
  step(state, input, output) {
    return input.f === 'acquire' ? acquire(state, input.process, output) : release(state, input.process, input.value, output);
  },
  key: (s) => `${typeof s.holder === 'number' ? 'n' : 's'}${String(s.holder)}|${String(s.token)}|${String(s.last)}`,
  describeState: (s) =>
    s.holder === null
      ? `free (last token ${s.last ?? 'none'})`
      : `held by ${String(s.holder)}${s.token === null ? '' : ` with token ${s.token}`} (last token ${s.last ?? 'none'})`,
});
