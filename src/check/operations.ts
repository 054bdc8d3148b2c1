/**
 * Pairs invoke/completion events into operations with real-time intervals.
 * Jepsen's rules: per process, an invoke is followed by exactly one
 * completion; a process with an outstanding invoke that invokes again is
 * malformed. An invoke never completed is an `info` (unknown outcome).
 */
import { describeFound, HistoryFormatError } from './errors.js';
import type { History, HistoryEvent, Process } from './history.js';
import { NEMESIS } from './history.js';
import { valueKey } from './value-key.js';

export type OperationStatus = 'ok' | 'fail' | 'info';

/** One client operation: an invocation and its completion. */
export interface Operation {
  /** Position in the list `pairOperations` returned (0-based, invoke order). */
  id: number;
  process: Process;
  f: string;
  /** The object acted on, when the history names one. */
  key?: unknown;
  /** The invocation's argument. */
  value: unknown;
  /** The completion's value (`ok` only; `undefined` otherwise). */
  output: unknown;
  /** `info` also covers an invoke that never completed. */
  status: OperationStatus;
  /** Start of the interval: ns, or the invoke's event position when untimed. */
  callTime: number;
  /** End of the interval (closed); `Infinity` for `info`. */
  returnTime: number;
  /** 1-based line (or event number) of the invoke. */
  invokeLine: number;
  /** 1-based line (or event number) of the completion, when there is one. */
  completeLine?: number;
  /** Jepsen `:index` of the invoke, when given. */
  index?: number;
  /** The completion's error (`fail` / `info`), when given. */
  error?: unknown;
}

export interface PairedHistory {
  ops: Operation[];
  /** True when every client event carried `time`; false when line order is time. */
  timed: boolean;
  /** Events skipped because they belong to the nemesis. */
  nemesisEvents: number;
}

function lineOf(event: HistoryEvent, position: number): number {
  return event.line ?? position + 1;
}

/**
 * Pair a history's events into operations. Throws `HistoryFormatError`
 * (naming the line) on a double invoke, a completion with no invoke, a
 * completion whose `f` differs from its invoke's, time that runs backwards
 * within an operation, or `time` present on some client events only.
 */
export function pairOperations(history: History): PairedHistory {
  const client: Array<{ event: HistoryEvent; position: number }> = [];
  let nemesisEvents = 0;
  for (let position = 0; position < history.length; position++) {
    const event = history[position];
    if (event.process === NEMESIS) nemesisEvents++;
    else client.push({ event, position });
  }
  const timed = decideTimed(client);

  const ops: Operation[] = [];
  const outstanding = new Map<Process, Operation>();
  for (const { event, position } of client) {
    const line = lineOf(event, position);
    const time = timed ? event.time! : position;
    if (event.type === 'invoke') {
      const previous = outstanding.get(event.process);
      if (previous !== undefined) {
        throw new HistoryFormatError(
          line,
          `a completion for process ${describeFound(event.process)} (its invoke on line ${previous.invokeLine} is still outstanding)`,
          'another invoke',
        );
      }
      const op: Operation = {
        id: ops.length,
        process: event.process,
        f: event.f,
        value: event.value ?? null,
        output: undefined,
        status: 'info',
        callTime: time,
        returnTime: Infinity,
        invokeLine: line,
      };
      if (event.key !== undefined) op.key = event.key;
      if (event.index !== undefined) op.index = event.index;
      ops.push(op);
      outstanding.set(event.process, op);
      continue;
    }
    const op = outstanding.get(event.process);
    if (op === undefined) {
      throw new HistoryFormatError(line, `an invoke by process ${describeFound(event.process)} before its ${event.type}`, `a ${event.type} with none outstanding`);
    }
    if (event.f !== op.f) {
      throw new HistoryFormatError(line, `a completion of "${op.f}" (invoked on line ${op.invokeLine})`, `"${event.f}"`);
    }
    if (event.key !== undefined && op.key !== undefined && valueKey(event.key) !== valueKey(op.key)) {
      throw new HistoryFormatError(line, `key ${describeFound(op.key)} (invoked on line ${op.invokeLine})`, describeFound(event.key));
    }
    if (time < op.callTime) {
      throw new HistoryFormatError(line, `time >= ${op.callTime} (its invoke's time, line ${op.invokeLine})`, String(time));
    }
    outstanding.delete(event.process);
    op.completeLine = line;
    op.status = event.type;
    if (event.error !== undefined) op.error = event.error;
    if (event.type === 'ok') {
      op.output = event.value ?? null;
      op.returnTime = time;
    } else if (event.type === 'fail') {
      op.returnTime = time;
    }
    // info: the interval stays open to +infinity.
  }
  return { ops, timed, nemesisEvents };
}

function decideTimed(client: Array<{ event: HistoryEvent; position: number }>): boolean {
  if (client.length === 0) return false;
  const firstHasTime = client[0].event.time !== undefined;
  for (const { event, position } of client) {
    if ((event.time !== undefined) !== firstHasTime) {
      throw new HistoryFormatError(
        lineOf(event, position),
        firstHasTime ? '"time" on every client event (the first one has it)' : 'no "time" (the first client event has none)',
        event.time === undefined ? 'an event without time' : `time ${event.time}`,
      );
    }
  }
  return firstHasTime;
}
