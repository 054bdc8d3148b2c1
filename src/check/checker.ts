/**
 * The linearizability checker: validates operations against the model,
 * drops what constrains nothing, splits the history into independent
 * partitions (P-compositionality: per key by default), and searches each
 * under one shared budget. Sans-I/O: time only through `budget.now`.
 */
import { describeOperation } from './describe.js';
import { describeFound, HistoryFormatError } from './errors.js';
import type { History } from './history.js';
import { UNKNOWN } from './model.js';
import type { DirectOperation, Model, ModelInput } from './model.js';
import { pairOperations } from './operations.js';
import type { Operation } from './operations.js';
import { defaultInfoClassKey, searchLinearization } from './search.js';
import type { SearchBudget, SearchOp } from './search.js';
import { valueKey } from './value-key.js';
import type { ValueKey } from './value-key.js';

export type Verdict = 'linearizable' | 'not-linearizable' | 'unknown';

/** Why a check ended `unknown`. */
export type UnknownReason = 'steps' | 'time' | 'memory';

export interface CheckBudget {
  /** Most model steps across all partitions (default: no limit). */
  maxSteps?: number;
  /** Most milliseconds of checking, measured with `now` (which is then required). */
  maxMs?: number;
  /** A millisecond clock for `maxMs` (the checker reads no clock of its own). */
  now?: () => number;
  /** Most memoised (set, state) pairs in one partition (default 5,000,000). */
  maxMemoEntries?: number;
}

export interface CheckOptions {
  budget?: CheckBudget;
  /** Memoise explored (set, state) pairs. Default true; false is the naive search (for comparison). */
  memoize?: boolean;
  /** Most distinct model states listed in a failure (default 8). */
  maxFailureStates?: number;
}

/** Why a partition is not linearizable. */
export interface Failure<S = unknown> {
  /** The partition (key) it happened in; `undefined` for an unkeyed history. */
  key: unknown;
  /** The operation the search could not place, at the longest partial linearization found. */
  op: Operation;
  /** That longest partial linearization, in order. */
  prefix: Operation[];
  /** Model states the search reached just before failing to place `op` (distinct, capped). */
  states: S[];
  /** The same states, described by the model. */
  stateDescriptions: string[];
  /** Other operations open at that point that were not placed either. */
  pending: Operation[];
  /** One sentence for a human. */
  message: string;
}

export interface PartitionResult<S = unknown> {
  /** The partition key (`undefined` when the history has one object). */
  key: unknown;
  result: Verdict;
  /** Operations searched in this partition (after dropping fails and info reads). */
  ops: number;
  /** Model steps spent. */
  steps: number;
  /** Distinct (set, state) pairs memoised. */
  memoEntries: number;
  /** A linearization (operation ids in order), when linearizable. */
  linearization?: number[];
  failure?: Failure<S>;
  /** When unknown: why, and the longest partial linearization so far (operation ids). */
  unknownReason?: UnknownReason | 'not-checked';
  longestPrefix?: number[];
}

export interface OperationCounts {
  ok: number;
  fail: number;
  info: number;
  /** `fail` operations: they did not happen, so they are not searched. */
  droppedFail: number;
  /** `info` operations the model marks read-only: they constrain nothing. */
  droppedInfoReads: number;
  /** `info` operations the model's `prune` showed cannot matter (e.g. unobserved writes). */
  droppedUnobserved: number;
}

export interface CheckResult<S = unknown> {
  result: Verdict;
  model: string;
  /** Client operations in the history. */
  ops: number;
  counts: OperationCounts;
  partitions: PartitionResult<S>[];
  /** The whole linearization when the history has a single partition and is linearizable. */
  linearization?: number[];
  /** The first failing partition's failure. */
  failure?: Failure<S>;
  /** Every failing partition's failure. */
  failures: Failure<S>[];
  /** Model steps across partitions. */
  steps: number;
  /** When unknown: which budget ran out. */
  unknownReason?: UnknownReason;
}

const DEFAULT_MAX_MEMO_ENTRIES = 5_000_000;
const DEFAULT_MAX_FAILURE_STATES = 8;

interface Prepared {
  op: Operation;
  input: ModelInput;
}

/** Pair a history's events, then check the operations. */
export function checkHistory<S>(history: History, model: Model<S>, options: CheckOptions = {}): CheckResult<S> {
  return checkOperations(pairOperations(history).ops, model, options);
}

/** Check paired operations (from `pairOperations`) for linearizability under `model`. */
export function checkOperations<S>(ops: readonly Operation[], model: Model<S>, options: CheckOptions = {}): CheckResult<S> {
  const budget = makeBudget(options.budget);
  const memoize = options.memoize ?? true;
  const maxFailureStates = options.maxFailureStates ?? DEFAULT_MAX_FAILURE_STATES;
  if (!Number.isInteger(maxFailureStates) || maxFailureStates < 0) {
    throw new RangeError(`checkOperations: maxFailureStates must be a non-negative integer, got ${maxFailureStates}`);
  }

  const counts: OperationCounts = { ok: 0, fail: 0, info: 0, droppedFail: 0, droppedInfoReads: 0, droppedUnobserved: 0 };
  const partitions = new Map<ValueKey, { key: unknown; items: Prepared[] }>();
  for (const op of ops) {
    counts[op.status]++;
    const input: ModelInput = { f: op.f, value: op.value, process: op.process };
    if (op.key !== undefined) input.key = op.key;
    validateOp(model, op, input);
    if (op.status === 'fail') {
      counts.droppedFail++;
      continue;
    }
    if (op.status === 'info' && model.readOnly(input)) {
      counts.droppedInfoReads++;
      continue;
    }
    const key = model.partition(input);
    const canonical = valueKey(key);
    let partition = partitions.get(canonical);
    if (partition === undefined) {
      partition = { key, items: [] };
      partitions.set(canonical, partition);
    }
    partition.items.push({ op, input });
  }

  const results: PartitionResult<S>[] = [];
  const failures: Failure<S>[] = [];
  let steps = 0;
  for (const partition of partitions.values()) {
    const { key } = partition;
    const items = model.prune === undefined ? partition.items : pruned(model, partition.items, counts);
    if (budget.exhausted !== undefined) {
      results.push({ key, result: 'unknown', ops: items.length, steps: 0, memoEntries: 0, unknownReason: 'not-checked' });
      continue;
    }
    const part = model.checkWithoutSearch !== undefined
      ? checkDirect(model, key, items)
      : checkSearch(model, key, items, budget, { memoize, maxFailureStates });
    steps += part.steps;
    if (part.failure !== undefined) failures.push(part.failure);
    results.push(part);
  }

  const result: Verdict = failures.length > 0 ? 'not-linearizable' : results.some((r) => r.result === 'unknown') ? 'unknown' : 'linearizable';
  const out: CheckResult<S> = { result, model: model.name, ops: ops.length, counts, partitions: results, failures, steps };
  if (failures.length > 0) out.failure = failures[0];
  if (result === 'linearizable' && results.length === 1) out.linearization = results[0].linearization;
  if (result === 'unknown' && budget.exhausted !== undefined) out.unknownReason = budget.exhausted;
  return out;
}

function makeBudget(budget: CheckBudget | undefined): SearchBudget {
  const maxSteps = budget?.maxSteps ?? Infinity;
  if (!(maxSteps > 0)) throw new RangeError(`checkOperations: budget.maxSteps must be > 0, got ${maxSteps}`);
  const maxMemoEntries = budget?.maxMemoEntries ?? DEFAULT_MAX_MEMO_ENTRIES;
  if (!(maxMemoEntries > 0)) throw new RangeError(`checkOperations: budget.maxMemoEntries must be > 0, got ${maxMemoEntries}`);
  let deadline = Infinity;
  if (budget?.maxMs !== undefined) {
    if (!(budget.maxMs > 0)) throw new RangeError(`checkOperations: budget.maxMs must be > 0, got ${budget.maxMs}`);
    if (typeof budget.now !== 'function') {
      throw new TypeError('checkOperations: budget.maxMs needs budget.now (the checker reads no clock of its own)');
    }
    deadline = budget.now() + budget.maxMs;
  }
  return { stepsLeft: maxSteps, deadline, now: budget?.now, maxMemoEntries };
}

function validateOp<S>(model: Model<S>, op: Operation, input: ModelInput): void {
  const line = op.invokeLine;
  if (model.operations !== undefined && !model.operations.includes(op.f)) {
    throw new HistoryFormatError(line, `an operation of model ${model.name} (${model.operations.join(', ')})`, `"${op.f}"`);
  }
  if (op.status === 'fail') return;
  const output = op.status === 'info' ? UNKNOWN : op.output;
  const problem = model.validate(input, output);
  if (problem !== undefined) {
    throw new HistoryFormatError(line, `${problem} (model ${model.name})`, `${op.f} ${describeFound(op.value)}`);
  }
}

function pruned<S>(model: Model<S>, items: Prepared[], counts: OperationCounts): Prepared[] {
  const drop = model.prune!(items.map(({ op, input }) => ({ input, output: op.status === 'ok' ? op.output : UNKNOWN })));
  if (drop.length !== items.length) throw new Error(`model ${model.name}: prune must return one boolean per operation`);
  const kept = items.filter((item, i) => !(drop[i] && item.op.status === 'info'));
  counts.droppedUnobserved += items.length - kept.length;
  return kept;
}

function toSearchOps(items: readonly Prepared[]): SearchOp[] {
  return items.map(({ op, input }) => ({
    input,
    output: op.status === 'info' ? UNKNOWN : op.output,
    info: op.status !== 'ok',
    callTime: op.callTime,
    returnTime: op.status === 'ok' ? op.returnTime : Infinity,
    callOrder: op.invokeLine,
    returnOrder: op.completeLine ?? Infinity,
  }));
}

function checkSearch<S>(
  model: Model<S>,
  key: unknown,
  items: readonly Prepared[],
  budget: SearchBudget,
  options: { memoize: boolean; maxFailureStates: number },
): PartitionResult<S> {
  const outcome = searchLinearization(model, toSearchOps(items), budget, options, defaultInfoClassKey(model.dependsOnProcess));
  const base = { key, ops: items.length, steps: outcome.steps, memoEntries: outcome.memoEntries };
  const opOf = (i: number): Operation => items[i].op;
  if (outcome.result === 'linearizable') {
    return { ...base, result: 'linearizable', linearization: outcome.order.map((i) => opOf(i).id) };
  }
  if (outcome.result === 'unknown') {
    return { ...base, result: 'unknown', unknownReason: outcome.reason, longestPrefix: outcome.prefix.map((i) => opOf(i).id) };
  }
  const op = opOf(outcome.failedOp);
  const stateDescriptions = outcome.states.map((s) => model.describeState(s));
  const failure: Failure<S> = {
    key,
    op,
    prefix: outcome.prefix.map(opOf),
    states: outcome.states,
    stateDescriptions,
    pending: outcome.pending.map(opOf),
    message:
      `${describeOperation(op)} cannot be linearized after the ${outcome.prefix.length} operation(s) before it; ` +
      `model state(s) just before: ${stateDescriptions.join(' | ') || '(none)'}`,
  };
  return { ...base, result: 'not-linearizable', failure };
}

function checkDirect<S>(model: Model<S>, key: unknown, items: readonly Prepared[]): PartitionResult<S> {
  const direct: DirectOperation[] = items.map(({ op, input }) => ({ input, output: op.status === 'ok' ? op.output : UNKNOWN }));
  const verdict = model.checkWithoutSearch!(direct);
  const base = { key, ops: items.length, steps: items.length, memoEntries: 0 };
  if (verdict.ok) {
    // Any order of the operations is legal; invoke order also respects real time.
    const order = [...items].sort((a, b) => a.op.callTime - b.op.callTime || a.op.invokeLine - b.op.invokeLine);
    return { ...base, result: 'linearizable', linearization: order.map((p) => p.op.id) };
  }
  const culprits = verdict.culprits.map((i) => items[i].op);
  const op = culprits[culprits.length - 1] ?? items[0].op;
  const failure: Failure<S> = {
    key,
    op,
    prefix: culprits.slice(0, -1),
    states: [],
    stateDescriptions: [],
    pending: [],
    message: `${verdict.message}: ${culprits.map((c) => describeOperation(c)).join('; ')}`,
  };
  return { ...base, result: 'not-linearizable', failure };
}
