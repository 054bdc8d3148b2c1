/**
 * Jepsen's `history.edn`: one operation map per line (a map spanning lines
 * is accepted too), e.g.
 * `{:type :invoke, :f :cas, :value [1 2], :process 3, :time 123, :index 7}`.
 *
 * - `:process :nemesis` events are skipped by the checker (kept here);
 * - keys come from a `:key` entry, or from `jepsen.independent` tuples
 *   `:value [key value]` (see `independent`);
 * - keywords become plain strings (`:ok` → "ok"), `nil` → null, vectors,
 *   lists and sets → arrays, maps → objects; tagged records such as
 *   `#jepsen.history.Op{…}` are unwrapped; integers beyond 2^53 become strings.
 *
 * Values are parsed by `edn-data`; `edn-scan.ts` first checks the structure,
 * because `edn-data` accepts unbalanced input and odd maps without a word.
 */
import { parseEDNString } from 'edn-data';
import { describeFound, HistoryFormatError } from './errors.js';
import type { History, HistoryEvent } from './history.js';
import { NEMESIS } from './history.js';
import { eventFromRecord } from './jsonl.js';
import { scanEdnForms } from './edn-scan.js';
import { stableStringify, valueKey } from './value-key.js';

export interface JepsenEdnOptions {
  /**
   * Are values `jepsen.independent` tuples `[key value]`? `'auto'` (default)
   * says yes when no event has a `:key`, every client invoke's value is a
   * 2-element vector, and every `cas` invoke's value is `[key [old new]]`
   * (a plain cas `[old new]` has a scalar second element). Histories where
   * that guess is wrong (e.g. a register whose values are pairs) must say
   * `true` or `false`.
   */
  independent?: 'auto' | boolean;
}

/** Convert edn-data's rich value to plain JS. */
function toJs(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (Array.isArray(value)) return value.map(toJs);
  // #inst values arrive as Date objects (recognised without naming the global, which the sans-I/O lint forbids)
  if (Object.prototype.toString.call(value) === '[object Date]') return (value as { toISOString(): string }).toISOString();
  if (typeof value !== 'object') return String(value);
  const rich = value as Record<string, unknown>;
  if (Object.hasOwn(rich, 'key') && typeof rich.key === 'string') return rich.key;
  if (Object.hasOwn(rich, 'char')) return rich.char;
  if (Object.hasOwn(rich, 'sym')) return rich.sym;
  if (Object.hasOwn(rich, 'list')) return (rich.list as unknown[]).map(toJs);
  if (Object.hasOwn(rich, 'set')) return (rich.set as unknown[]).map(toJs).sort((a, b) => (stableStringify(a) < stableStringify(b) ? -1 : 1));
  if (Object.hasOwn(rich, 'tag')) return toJs(rich.val);
  if (Object.hasOwn(rich, 'map')) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of rich.map as Array<[unknown, unknown]>) {
      const name = toJs(k);
      out[typeof name === 'string' ? name : stableStringify(name)] = toJs(v);
    }
    return out;
  }
  return value;
}

function isPair(value: unknown): value is [unknown, unknown] {
  return Array.isArray(value) && value.length === 2;
}

/** Parse a Jepsen `history.edn` into a history. */
export function parseJepsenEdnHistory(text: string, options: JepsenEdnOptions = {}): History {
  const independent = options.independent ?? 'auto';
  if (independent !== 'auto' && typeof independent !== 'boolean') {
    throw new TypeError(`parseJepsenEdnHistory: independent must be 'auto', true or false, got ${String(independent)}`);
  }
  const history: History = [];
  for (const form of scanEdnForms(text)) {
    let parsed: unknown;
    try {
      parsed = parseEDNString(form.text);
    } catch (error) {
      throw new HistoryFormatError(form.line, 'a valid EDN form', `a parse error (${(error as Error).message})`);
    }
    while (typeof parsed === 'object' && parsed !== null && Object.hasOwn(parsed, 'tag')) parsed = (parsed as unknown as { val: unknown }).val;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !Object.hasOwn(parsed, 'map')) {
      throw new HistoryFormatError(form.line, 'an operation map {:type …, :f …, :process …}', describeFound(form.text));
    }
    const record = toJs(parsed) as Record<string, unknown>;
    history.push(eventFromRecord(record, form.line));
  }
  const client = history.filter((e) => e.process !== NEMESIS);
  const useTuples = independent === 'auto' ? looksIndependent(client) : independent;
  if (useTuples) unwrapTuples(client);
  return history;
}

function looksIndependent(client: readonly HistoryEvent[]): boolean {
  let invokes = 0;
  for (const event of client) {
    if (event.key !== undefined) return false;
    if (event.type !== 'invoke') continue;
    invokes++;
    if (!isPair(event.value)) return false;
    if (event.f === 'cas' && !isPair(event.value[1])) return false;
  }
  return invokes > 0;
}

/** Split `[key value]` tuples into `key` and `value` (in place). */
function unwrapTuples(client: HistoryEvent[]): void {
  const keyOf = new Map<unknown, unknown>();
  for (const event of client) {
    const line = event.line ?? 0;
    if (event.type === 'invoke') {
      if (!isPair(event.value)) throw new HistoryFormatError(line, 'an independent tuple [key value]', describeFound(event.value));
      event.key = event.value[0];
      event.value = event.value[1];
      keyOf.set(event.process, event.key);
      continue;
    }
    const key = keyOf.get(event.process);
    if (isPair(event.value) && valueKey(event.value[0]) === valueKey(key)) {
      event.key = event.value[0];
      event.value = event.value[1];
    } else if (event.type === 'ok') {
      throw new HistoryFormatError(line, `an independent tuple [${describeFound(key)} value] (the invoke's key)`, describeFound(event.value));
    } else {
      // A fail/info completion may carry anything (e.g. :timed-out): its value says nothing.
      event.key = key;
      event.value = null;
    }
  }
}

const KEYWORD = /^[A-Za-z*+!_?<>=-][A-Za-z0-9*+!_?<>=.-]*$/;

/** A JS value as EDN text (strings stay strings; object keys become keywords when they can). */
export function toEdn(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'nil';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}N`;
  if (Array.isArray(value)) return `[${value.map(toEdn).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${KEYWORD.test(k) ? `:${k}` : JSON.stringify(k)} ${toEdn(v)}`).join(', ')}}`;
  }
  return JSON.stringify(String(value));
}

function nameToEdn(name: string): string {
  return KEYWORD.test(name) ? `:${name}` : JSON.stringify(name);
}

export interface FormatEdnOptions {
  /** Write keys as a `:key` entry (default) or as `jepsen.independent` tuples. */
  keys?: 'field' | 'tuple';
}

/** A history as Jepsen `history.edn` text, one map per line. */
export function formatJepsenEdnHistory(history: History, options: FormatEdnOptions = {}): string {
  const tuples = options.keys === 'tuple';
  const lines = history.map((event) => {
    const parts = [`:type :${event.type}`, `:f ${nameToEdn(event.f)}`];
    const keyed = event.key !== undefined;
    parts.push(`:value ${tuples && keyed ? `[${toEdn(event.key)} ${toEdn(event.value)}]` : toEdn(event.value)}`);
    if (keyed && !tuples) parts.push(`:key ${toEdn(event.key)}`);
    parts.push(`:process ${typeof event.process === 'number' ? String(event.process) : nameToEdn(event.process)}`);
    if (event.time !== undefined) parts.push(`:time ${event.time}`);
    if (event.index !== undefined) parts.push(`:index ${event.index}`);
    if (event.error !== undefined) parts.push(`:error ${toEdn(event.error)}`);
    return `{${parts.join(', ')}}`;
  });
  return lines.join('\n') + (lines.length > 0 ? '\n' : '');
}
