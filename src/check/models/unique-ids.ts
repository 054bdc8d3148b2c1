/**
 * An ID generator: every `generate` that completed `ok` returned an ID no
 * other did. Any order of distinct IDs is a valid sequential history, so
 * this is checked without search: one pass with a set, O(n).
 */
import { defineModel, UNKNOWN } from '../model.js';
import type { DirectVerdict, Model } from '../model.js';
import { describeFound } from '../errors.js';
import { valueKey } from '../value-key.js';
import type { ValueKey } from '../value-key.js';

export const uniqueIdsModel: Model<null> = defineModel<null>({
  name: 'unique-ids',
  operations: ['generate'],
  init: () => null,
  // Not used: checkWithoutSearch decides. Kept total so the model is valid.
  step: (state) => ({ ok: true, state }),
  key: () => 0,
  checkWithoutSearch(ops): DirectVerdict {
    const firstBy = new Map<ValueKey, number>();
    for (let i = 0; i < ops.length; i++) {
      const output = ops[i].output;
      if (output === UNKNOWN) continue;
      const key = valueKey(output);
      const first = firstBy.get(key);
      if (first !== undefined) {
        return { ok: false, culprits: [first, i], message: `ID ${describeFound(output)} was generated twice` };
      }
      firstBy.set(key, i);
    }
    return { ok: true };
  },
  validate: (_input, output) => (output === null ? 'the generated ID as the ok value' : undefined),
});
