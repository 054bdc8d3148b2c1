/**
 * Single registers. `register`: read / write. `cas-register`: read / write /
 * cas, Jepsen's classic. A read of a register never written returns `null`
 * (EDN `nil`). A `cas` completes `ok` only when it swapped; one whose
 * compare failed is a `fail` (it did not happen), as in Jepsen.
 */
import { defineModel, UNKNOWN } from '../model.js';
import type { DirectOperation, Model, ModelInput, StepResult } from '../model.js';
import { stableStringify, valueKey, valuesEqual } from '../value-key.js';
import type { ValueKey } from '../value-key.js';

/** The register's content; `null` until the first write. */
export type RegisterState = unknown;

function read(state: RegisterState, output: unknown): StepResult<RegisterState> {
  return { ok: output === UNKNOWN || valuesEqual(state, output), state };
}

/** Validate a `[old, new]` pair; shared with the kv model. */
export function validateCasPair(input: ModelInput): string | undefined {
  if (input.f !== 'cas') return undefined;
  const value = input.value;
  return Array.isArray(value) && value.length === 2 ? undefined : 'a cas value [old, new]';
}

/** Compare-and-set: `ok` means it swapped; an unknown outcome swaps iff it could. */
export function stepCas(state: RegisterState, pair: readonly unknown[], output: unknown): StepResult<RegisterState> {
  const matches = valuesEqual(state, pair[0]);
  if (output === UNKNOWN) return { ok: true, state: matches ? pair[1] : state };
  return { ok: matches, state: pair[1] };
}

/**
 * Which `info` writes can be dropped: those whose value no operation ever
 * observes (no ok read returns it, no cas expects it). Why this is safe: take
 * a linearization with such a write w of v. Until the next write, nothing
 * may depend on the register being v — no read returns v, no cas expects v —
 * except info cas, which can always be moved to the end instead. So removing
 * w (and moving those) leaves a linearization; and a linearization without
 * w extends to one with w by putting w last. With small value domains every
 * value is observed and nothing is dropped; with unique values (the usual
 * way to make stale reads certain) most timed-out writes go, and with them
 * most of the search space they would open.
 *
 * `reads`: the read operation's name; `writes`: name → the value it stores
 * (undefined when it stores none we can name). Keys with appends are
 * skipped by the caller (an append observes the value it extends).
 */
export function pruneUnobservedInfo(
  ops: readonly DirectOperation[],
  reads: string,
  written: (input: ModelInput) => { value: unknown } | undefined,
): boolean[] {
  const observed = new Set<ValueKey>();
  for (const { input, output } of ops) {
    if (input.f === reads && output !== UNKNOWN) observed.add(valueKey(output));
    if (input.f === 'cas') observed.add(valueKey((input.value as readonly unknown[])[0]));
  }
  return ops.map(({ input, output }) => {
    if (output !== UNKNOWN) return false;
    const write = written(input);
    return write !== undefined && !observed.has(valueKey(write.value));
  });
}

const registerWrite = (input: ModelInput): { value: unknown } | undefined => {
  if (input.f === 'write') return { value: input.value };
  if (input.f === 'cas') return { value: (input.value as readonly unknown[])[1] };
  return undefined;
};

const describeState = (state: RegisterState): string => (state === null || state === undefined ? 'nil' : stableStringify(state));

/** read / write register. */
export const registerModel: Model<RegisterState> = defineModel<RegisterState>({
  name: 'register',
  operations: ['read', 'write'],
  infoAlwaysLegal: true,
  init: () => null,
  dependsOnProcess: false,
  step(state, input, output) {
    return input.f === 'write' ? { ok: true, state: input.value } : read(state, output);
  },
  key: valueKey,
  readOnly: (input) => input.f === 'read',
  prune: (ops) => pruneUnobservedInfo(ops, 'read', registerWrite),
  describeState,
});

/** read / write / cas register. */
export const casRegisterModel: Model<RegisterState> = defineModel<RegisterState>({
  name: 'cas-register',
  operations: ['read', 'write', 'cas'],
  infoAlwaysLegal: true,
  init: () => null,
  dependsOnProcess: false,
  step(state, input, output) {
    switch (input.f) {
      case 'write':
        return { ok: true, state: input.value };
      case 'cas':
        return stepCas(state, input.value as readonly unknown[], output);
      default:
        return read(state, output);
    }
  },
  key: valueKey,
  readOnly: (input) => input.f === 'read',
  validate: validateCasPair,
  prune: (ops) => pruneUnobservedInfo(ops, 'read', registerWrite),
  describeState,
});
