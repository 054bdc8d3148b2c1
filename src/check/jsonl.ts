/**
 * Faultline's history format: JSON lines, one event per line:
 * `{"process":3,"type":"invoke","f":"cas","value":[1,2],"key":"x","time":123,"index":7}`.
 * `key`, `time` (ns), `index` and `error` are optional; blank lines are
 * skipped. Every malformed line is a `HistoryFormatError` naming it.
 */
import { describeFound, HistoryFormatError } from './errors.js';
import type { EventType, History, HistoryEvent, Process } from './history.js';
import { EVENT_TYPES, NEMESIS } from './history.js';

/** Check one decoded record's fields and build the event (shared by both readers). */
export function eventFromRecord(record: Record<string, unknown>, line: number): HistoryEvent {
  const process = record.process;
  if (!(typeof process === 'string' && process.length > 0) && !(typeof process === 'number' && Number.isSafeInteger(process))) {
    throw new HistoryFormatError(line, '"process" as an integer or a name', describeFound(process));
  }
  const type = record.type;
  if (typeof type !== 'string' || !EVENT_TYPES.includes(type as EventType)) {
    throw new HistoryFormatError(line, `"type" one of ${EVENT_TYPES.join(', ')}`, describeFound(type));
  }
  const isNemesis = process === NEMESIS;
  let f = record.f;
  if (isNemesis && typeof f !== 'string') f = f === undefined || f === null ? '' : describeFound(f);
  if (typeof f !== 'string' || f.length === 0) {
    throw new HistoryFormatError(line, '"f" (the operation name) as a non-empty string', describeFound(f));
  }
  const event: HistoryEvent = { process: process as Process, type: type as EventType, f, value: record.value ?? null, line };
  if (record.key !== undefined) event.key = record.key;
  const time = record.time;
  if (time !== undefined && time !== null) {
    if (typeof time !== 'number' || !Number.isFinite(time)) throw new HistoryFormatError(line, '"time" as a finite number of nanoseconds', describeFound(time));
    event.time = time;
  }
  const index = record.index;
  if (index !== undefined && index !== null) {
    if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) {
      throw new HistoryFormatError(line, '"index" as a non-negative integer', describeFound(index));
    }
    event.index = index;
  }
  if (record.error !== undefined && record.error !== null) event.error = record.error;
  return event;
}

/** Parse JSON lines into a history. */
export function parseJsonlHistory(text: string): History {
  const history: History = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const source = lines[i].trim();
    if (source.length === 0) continue;
    let record: unknown;
    try {
      record = JSON.parse(source);
    } catch (error) {
      throw new HistoryFormatError(i + 1, 'one JSON object per line', `invalid JSON (${(error as Error).message})`);
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new HistoryFormatError(i + 1, 'a JSON object {"process", "type", "f", "value", …}', describeFound(record));
    }
    history.push(eventFromRecord(record as Record<string, unknown>, i + 1));
  }
  return history;
}

/** One event as its JSON line (fields in the documented order; `line` dropped). */
export function formatJsonlEvent(event: HistoryEvent): string {
  const out: Record<string, unknown> = { process: event.process, type: event.type, f: event.f };
  if (event.key !== undefined) out.key = event.key;
  out.value = event.value ?? null;
  if (event.time !== undefined) out.time = event.time;
  if (event.index !== undefined) out.index = event.index;
  if (event.error !== undefined) out.error = event.error;
  return JSON.stringify(out);
}

/** A history as JSON lines (with a trailing newline). */
export function formatJsonlHistory(history: History): string {
  return history.map(formatJsonlEvent).join('\n') + (history.length > 0 ? '\n' : '');
}
