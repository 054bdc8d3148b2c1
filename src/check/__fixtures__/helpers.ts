/** Test helpers: build histories from operation intervals. */
import type { History, HistoryEvent, Process } from '../history.js';

export interface OpSpec {
  p: Process;
  f: string;
  /** Invocation value (default null). */
  v?: unknown;
  /** Completion value for ok (default: v for writes-like, required for reads). */
  out?: unknown;
  /** [invoke time, completion time]; a single time = never completes. */
  t: [number, number] | [number];
  type?: 'ok' | 'fail' | 'info';
  key?: unknown;
}

/** Events for the given operations, sorted by time (invokes before completions at one time). */
export function hist(...ops: OpSpec[]): History {
  const events: Array<HistoryEvent & { order: number }> = [];
  ops.forEach((op, i) => {
    const invoke: HistoryEvent & { order: number } = { process: op.p, type: 'invoke', f: op.f, value: op.v ?? null, time: op.t[0], order: i * 2 };
    if (op.key !== undefined) invoke.key = op.key;
    events.push(invoke);
    if (op.t.length === 2) {
      const type = op.type ?? 'ok';
      const done: HistoryEvent & { order: number } = {
        process: op.p, type, f: op.f, value: type === 'ok' ? (op.out !== undefined ? op.out : (op.v ?? null)) : (op.v ?? null),
        time: op.t[1], order: i * 2 + 1,
      };
      if (op.key !== undefined) done.key = op.key;
      events.push(done);
    }
  });
  events.sort((a, b) => a.time! - b.time! || (a.type === 'invoke' ? 0 : 1) - (b.type === 'invoke' ? 0 : 1) || a.order - b.order);
  return events.map(({ order: _order, ...e }) => e);
}

/** Shorthands. */
export const w = (p: Process, v: unknown, t: [number, number] | [number], type?: OpSpec['type']): OpSpec => ({ p, f: 'write', v, t, type });
export const r = (p: Process, out: unknown, t: [number, number] | [number], type?: OpSpec['type']): OpSpec => ({ p, f: 'read', out, t, type });
export const cas = (p: Process, from: unknown, to: unknown, t: [number, number] | [number], type?: OpSpec['type']): OpSpec => ({
  p, f: 'cas', v: [from, to], t, type,
});
