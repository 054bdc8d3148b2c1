/**
 * `faultline/check`: histories and a fast linearizability checker.
 *
 * Record or read a history (JSON lines or Jepsen `history.edn`), pick a model
 * (`register`, `cas-register`, `kv`, `lock`, `unique-ids`, or your own with
 * `defineModel`), and `checkHistory` says `linearizable`, `not-linearizable`
 * (with the operation that could not be placed, the longest partial
 * linearization and the states before it) or `unknown` (budget spent).
 */
export { checkHistory, checkOperations } from './checker.js';
export { describeOperation, formatValue } from './describe.js';
export { parseJepsenEdnHistory, formatJepsenEdnHistory, toEdn } from './edn.js';
export { HistoryFormatError, HISTORY_FORMAT_ERROR, isHistoryFormatError } from './errors.js';
export { EVENT_TYPES, NEMESIS } from './history.js';
export { parseJsonlHistory, formatJsonlHistory, formatJsonlEvent } from './jsonl.js';
export { defineModel, UNKNOWN } from './model.js';
export { builtinModels, casRegisterModel, kvModel, lockModel, modelByName, registerModel, uniqueIdsModel } from './models/index.js';
export { pairOperations } from './operations.js';
export { HistoryRecorder } from './recorder.js';
export { renderHtml } from './html.js';
export { synthesizeHistory } from './synth.js';
export { stableStringify, valueKey, valuesEqual } from './value-key.js';

export type {
  CheckBudget, CheckOptions, CheckResult, Failure, OperationCounts, PartitionResult, UnknownReason, Verdict,
} from './checker.js';
export type { FormatEdnOptions, JepsenEdnOptions } from './edn.js';
export type { EventType, History, HistoryEvent, Process } from './history.js';
export type { DirectOperation, DirectVerdict, Model, ModelInput, ModelSpec, StepResult, Unknown } from './model.js';
export type { KvState } from './models/kv.js';
export type { LockState } from './models/lock.js';
export type { RegisterState } from './models/register.js';
export type { Operation, OperationStatus, PairedHistory } from './operations.js';
export type { HistoryRecorderOptions, OpHandle } from './recorder.js';
export type { HtmlOptions } from './html.js';
export type { SynthModel, SynthOptions } from './synth.js';
export type { ValueKey } from './value-key.js';
