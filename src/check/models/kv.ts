/**
 * A key-value store, checked one key at a time (P-compositionality: keys
 * never interact, so each key's sub-history is linearized alone). Per key:
 * `get` (returns the value, `null` when absent), `put`, `append` (string
 * concatenation; absent counts as ""), `cas` ([old, new]; `null` as old
 * means "absent"), `delete`.
 */
import { defineModel, UNKNOWN } from '../model.js';
import type { Model, StepResult } from '../model.js';
import { stableStringify, valueKey, valuesEqual } from '../value-key.js';
import { pruneUnobservedInfo, stepCas, validateCasPair } from './register.js';

/** One key's value; `null` when absent. */
export type KvState = unknown;

function append(state: KvState, suffix: string, output: unknown): StepResult<KvState> {
  if (state === null || state === undefined) return { ok: true, state: suffix };
  if (typeof state === 'string') return { ok: true, state: state + suffix };
  if (typeof state === 'number' || typeof state === 'boolean') return { ok: true, state: String(state) + suffix };
  // Appending to a structured value has no string meaning: an acknowledged
  // append cannot have happened here; an unknown one did not take effect.
  return { ok: output === UNKNOWN, state };
}

export const kvModel: Model<KvState> = defineModel<KvState>({
  name: 'kv',
  operations: ['get', 'put', 'append', 'cas', 'delete'],
  infoAlwaysLegal: true,
  init: () => null,
  dependsOnProcess: false,
  step(state, input, output) {
    switch (input.f) {
      case 'get':
        return { ok: output === UNKNOWN || valuesEqual(state, output), state };
      case 'put':
        return { ok: true, state: input.value ?? null };
      case 'append':
        return append(state, input.value as string, output);
      case 'cas':
        return stepCas(state, input.value as readonly unknown[], output);
      default:
        return { ok: true, state: null }; // delete
    }
  },
  key: valueKey,
  readOnly: (input) => input.f === 'get',
  // Unobserved info puts go (see register.ts); not on keys with appends, whose values build on earlier ones.
  prune: (ops) =>
    ops.some((op) => op.input.f === 'append')
      ? ops.map(() => false)
      : pruneUnobservedInfo(ops, 'get', (input) =>
          input.f === 'put' ? { value: input.value ?? null } : input.f === 'cas' ? { value: (input.value as unknown[])[1] } : input.f === 'delete' ? { value: null } : undefined,
        ),
  validate(input) {
    if (input.key === undefined || input.key === null) return 'a key on every kv operation';
    if (input.f === 'append' && typeof input.value !== 'string') return 'a string value for append';
    return validateCasPair(input);
  },
  describeState: (state) => (state === null || state === undefined ? 'absent' : stableStringify(state)),
});
