/**
 * The `fenced-register` model: a register that only the current lock holder
 * may write, by presenting its fencing token.
 *
 * - `grant` (ok value: the token): a lock grant issued `token`; tokens
 *   strictly increase.
 * - `write` (value `[token, v]`): applies only while `token` is the latest
 *   token granted; an `ok` write with an older token cannot be linearized.
 * - `read` (ok value: the register, null before the first write).
 *
 * Weaker than the service (which also refuses the token of a hold that was
 * released); enough to convict a missing fence: a paused ex-holder's write
 * that lands after a newer grant and is then read.
 */
import type { Model } from '../../check/index.js';
import { UNKNOWN, defineModel, stableStringify, valuesEqual } from '../../check/index.js';

export interface FencedState {
  /** Latest token granted, or null. */
  readonly token: number | null;
  readonly value: unknown;
}

export const fencedRegisterModel: Model<FencedState> = defineModel<FencedState>({
  name: 'fenced-register',
  operations: ['grant', 'write', 'read'],
  infoAlwaysLegal: true,
  dependsOnProcess: false,
  init: () => ({ token: null, value: null }),
  step(state, input, output) {
    switch (input.f) {
      case 'grant': {
        if (output === UNKNOWN || typeof output !== 'number') return { ok: true, state };
        if (state.token !== null && output <= state.token) return { ok: false, state };
        return { ok: true, state: { token: output, value: state.value } };
      }
      case 'write': {
        const [token, value] = input.value as [number, unknown];
        const current = state.token === token;
        if (output === UNKNOWN) return { ok: true, state: current ? { token: state.token, value } : state };
        return { ok: current, state: { token: state.token, value } };
      }
      default:
        return { ok: output === UNKNOWN || valuesEqual(state.value, output), state };
    }
  },
  key: (s) => `${String(s.token)}|${stableStringify(s.value)}`,
  readOnly: (input) => input.f === 'read',
  validate: (input) => (input.f === 'write' && !(Array.isArray(input.value) && input.value.length === 2 && typeof input.value[0] === 'number') ? 'a write value [token, value]' : undefined),
  describeState: (s) => `token ${s.token ?? 'none'}, value ${stableStringify(s.value)}`,
});
