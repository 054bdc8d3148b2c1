/**
 * A model is the sequential specification the checker linearizes against:
 * a pure `step(state, input, output)` that says whether the operation could
 * have produced `output` in `state`, and the state after it.
 */
import type { Process } from './history.js';
import type { ValueKey } from './value-key.js';
import { hashKey, stableStringify, valueKey } from './value-key.js';

/**
 * The output an `info` operation is stepped with: it may have happened, but
 * its result is unknown. A model must accept it for every operation that is
 * not `readOnly` (read-only `info` operations are dropped before the search).
 */
export const UNKNOWN: unique symbol = Symbol.for('faultline.check.unknown');
export type Unknown = typeof UNKNOWN;

/** What a model sees of an operation's invocation. */
export interface ModelInput {
  f: string;
  value: unknown;
  process: Process;
  key?: unknown;
}

export interface StepResult<S> {
  /** Could the operation have returned this output in this state? */
  ok: boolean;
  /** The state after it (ignored when `ok` is false). */
  state: S;
}

/** Outcome of a model that is checked without search (see `checkWithoutSearch`). */
export type DirectVerdict =
  | { ok: true }
  | { ok: false; /** indexes into the operations given */ culprits: number[]; message: string };

/** An operation as handed to `checkWithoutSearch`: input plus known output. */
export interface DirectOperation {
  input: ModelInput;
  /** `UNKNOWN` for `info`. */
  output: unknown;
}

/** What `defineModel` takes. Only `name`, `init` and `step` are required. */
export interface ModelSpec<S> {
  /** Shown in reports and used by the CLI's `--model`. */
  name: string;
  /** The state before any operation. */
  init(): S;
  /**
   * Apply one operation. Must be pure (never mutate `state`). `output` is the
   * completion's value, or `UNKNOWN` for an `info` operation.
   */
  step(state: S, input: ModelInput, output: unknown): StepResult<S>;
  /**
   * Canonical key of a state: equal states ⇔ `===` keys. Cheapest way to
   * make memoisation fast. Default: stable JSON of the state.
   */
  key?(state: S): ValueKey;
  /** 32-bit hash of a state (use with `equal` when a `key` is costly). */
  hash?(state: S): number;
  /** State equality (default: by `key`, else by stable JSON). */
  equal?(a: S, b: S): boolean;
  /**
   * Independent objects: operations with different partition keys never
   * interact, so each partition is checked alone (P-compositionality).
   * Default: the operation's `key`.
   */
  partition?(input: ModelInput): unknown;
  /** Operations that never change the state: dropped when their outcome is `info`. */
  readOnly?(input: ModelInput): boolean;
  /** Operation names this model accepts; others are a format error. */
  operations?: readonly string[];
  /**
   * Does `step` look at `input.process`? Default true. Say false when it does
   * not: pending `info` operations that differ only in process then count as
   * interchangeable, which prunes the search.
   */
  dependsOnProcess?: boolean;
  /**
   * Is every non-read-only operation legal in every state when its outcome
   * is unknown (`step(s, input, UNKNOWN).ok` always true)? Default false.
   * Say true when it holds: an `info` op can then always be put off to the
   * end, so a configuration that has used more info ops is never better than
   * one with the same state that used fewer, and the search prunes it —
   * the difference between seconds and hours on histories with many
   * timeouts. Saying true when it does not hold can hide violations.
   */
  infoAlwaysLegal?: boolean;
  /**
   * Check one operation's shape before the search. Return what was expected
   * (e.g. "cas value [old, new]") when it is malformed, else `undefined`.
   */
  validate?(input: ModelInput, output: unknown): string | undefined;
  /** For reports; default: stable JSON. */
  describeState?(state: S): string;
  /**
   * For models whose correctness needs no search (e.g. unique IDs): decide
   * from the operations alone. When present, `step` is not used.
   */
  checkWithoutSearch?(ops: readonly DirectOperation[]): DirectVerdict;
  /**
   * Optional simplification before the search, per partition: which of these
   * operations (ok and info; fails are already gone) can be dropped without
   * changing the verdict? The registers drop `info` writes whose value no
   * operation ever observes. Return one boolean per operation (true = drop).
   */
  prune?(ops: readonly DirectOperation[]): boolean[];
}

/** A model ready for the checker (every hook filled in). */
export interface Model<S = unknown> {
  readonly name: string;
  init(): S;
  step(state: S, input: ModelInput, output: unknown): StepResult<S>;
  /** Canonical state key when the model has one (fast memoisation path). */
  readonly stateKey: ((state: S) => ValueKey) | undefined;
  hash(state: S): number;
  equal(a: S, b: S): boolean;
  partition(input: ModelInput): unknown;
  readOnly(input: ModelInput): boolean;
  readonly operations: readonly string[] | undefined;
  readonly dependsOnProcess: boolean;
  readonly infoAlwaysLegal: boolean;
  validate(input: ModelInput, output: unknown): string | undefined;
  describeState(state: S): string;
  readonly checkWithoutSearch: ((ops: readonly DirectOperation[]) => DirectVerdict) | undefined;
  readonly prune: ((ops: readonly DirectOperation[]) => boolean[]) | undefined;
}

function requireFunction(spec: object, name: string, field: string, optional: boolean): void {
  const value = (spec as Record<string, unknown>)[field];
  if (value === undefined && optional) return;
  if (typeof value !== 'function') {
    throw new TypeError(`defineModel(${name}): ${field} must be a function${optional ? ' when given' : ''}`);
  }
}

/**
 * Build a model from a spec, filling in defaults and validating it.
 *
 * ```ts
 * const counter = defineModel<number>({
 *   name: 'counter',
 *   init: () => 0,
 *   step: (n, input, output) =>
 *     input.f === 'incr' ? { ok: true, state: n + 1 }
 *     : { ok: output === UNKNOWN || output === n, state: n },
 *   key: (n) => n,
 *   readOnly: (input) => input.f === 'read',
 * });
 * ```
 */
export function defineModel<S>(spec: ModelSpec<S>): Model<S> {
  if (typeof spec !== 'object' || spec === null) throw new TypeError('defineModel: spec must be an object');
  if (typeof spec.name !== 'string' || spec.name.length === 0) throw new TypeError('defineModel: name must be a non-empty string');
  const name = spec.name;
  requireFunction(spec, name, 'init', false);
  requireFunction(spec, name, 'step', false);
  for (const field of ['key', 'hash', 'equal', 'partition', 'readOnly', 'validate', 'describeState', 'checkWithoutSearch', 'prune']) {
    requireFunction(spec, name, field, true);
  }
  if (spec.hash !== undefined && spec.equal === undefined && spec.key === undefined) {
    throw new TypeError(`defineModel(${name}): hash needs equal (or give key instead)`);
  }
  if (spec.operations !== undefined && (!Array.isArray(spec.operations) || spec.operations.some((f) => typeof f !== 'string'))) {
    throw new TypeError(`defineModel(${name}): operations must be an array of strings`);
  }

  const userKey = spec.key?.bind(spec);
  const userEqual = spec.equal?.bind(spec);
  // With neither key nor equal, states are compared by their stable JSON.
  const stateKey: ((state: S) => ValueKey) | undefined = userKey ?? (userEqual === undefined ? (s: S) => valueKey(s) : undefined);
  const hash = spec.hash?.bind(spec) ?? (stateKey !== undefined ? (s: S) => hashKey(stateKey(s)) : () => 0);
  const equal = userEqual ?? ((a: S, b: S) => stateKey!(a) === stateKey!(b));

  return {
    name,
    init: spec.init.bind(spec),
    step: spec.step.bind(spec),
    stateKey,
    hash,
    equal,
    partition: spec.partition?.bind(spec) ?? ((input) => input.key),
    readOnly: spec.readOnly?.bind(spec) ?? (() => false),
    operations: spec.operations === undefined ? undefined : [...spec.operations],
    dependsOnProcess: spec.dependsOnProcess ?? true,
    infoAlwaysLegal: spec.infoAlwaysLegal ?? false,
    validate: spec.validate?.bind(spec) ?? (() => undefined),
    describeState: spec.describeState?.bind(spec) ?? ((s: S) => stableStringify(s)),
    checkWithoutSearch: spec.checkWithoutSearch?.bind(spec),
    prune: spec.prune?.bind(spec),
  };
}
