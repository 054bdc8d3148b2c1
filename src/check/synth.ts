/**
 * Synthesises histories of a *correct* system: concurrent clients run
 * operations against one sequential implementation, each taking effect at a
 * random instant inside its own interval, so every history produced is
 * linearizable by construction. Used by the property tests and the bench,
 * and handy for testing your own models. Deterministic for a given `Rng`.
 */
import type { Rng } from '../core/random/index.js';
import type { History, HistoryEvent, Process } from './history.js';

export type SynthModel = 'register' | 'cas-register' | 'kv' | 'lock' | 'unique-ids';

export interface SynthOptions {
  model: SynthModel;
  rng: Rng;
  /** Operations to generate. */
  ops: number;
  /** Concurrent clients (default 5). */
  processes?: number;
  /** Fraction of operations that end `info` (default 0). Half of those take effect. */
  infoRate?: number;
  /** kv: number of keys (default 1). */
  keys?: number;
  /** Size of the value domain (default 5); 0 = every written value is unique. */
  values?: number;
  /** Longest operation, ns (default 5,000). */
  maxDurationNs?: number;
  /** Longest pause between a client's operations, ns (default 1,000). */
  maxGapNs?: number;
}

interface Planned {
  f: string;
  value: unknown;
  key?: unknown;
}

interface Slot {
  process: Process;
  /** 0 idle (next invoke at `at`), 1 running with effect pending, 2 running, effect done. */
  phase: 0 | 1 | 2;
  at: number;
  effectAt: number;
  completeAt: number;
  op: Planned;
  info: boolean;
  takesEffect: boolean;
  outcome: { type: 'ok' | 'fail'; value: unknown };
  holdsLock: boolean;
}

class Sequential {
  register: unknown = null;
  kv = new Map<unknown, unknown>();
  holder: Process | null = null;
  token = 0;
  nextId = 0;

  apply(model: SynthModel, op: Planned, process: Process): { type: 'ok' | 'fail'; value: unknown } {
    switch (model) {
      case 'register':
      case 'cas-register':
        return this.#register(op);
      case 'kv':
        return this.#kv(op);
      case 'lock':
        return this.#lock(op, process);
      default:
        return { type: 'ok', value: this.nextId++ };
    }
  }

  #register(op: Planned): { type: 'ok' | 'fail'; value: unknown } {
    if (op.f === 'read') return { type: 'ok', value: this.register };
    if (op.f === 'write') {
      this.register = op.value;
      return { type: 'ok', value: op.value };
    }
    const [from, to] = op.value as [unknown, unknown];
    if (this.register !== from) return { type: 'fail', value: op.value };
    this.register = to;
    return { type: 'ok', value: op.value };
  }

  #kv(op: Planned): { type: 'ok' | 'fail'; value: unknown } {
    const current = this.kv.has(op.key) ? this.kv.get(op.key) : null;
    switch (op.f) {
      case 'get':
        return { type: 'ok', value: current };
      case 'put':
        this.kv.set(op.key, op.value);
        return { type: 'ok', value: op.value };
      case 'append':
        this.kv.set(op.key, String(current ?? '') + String(op.value));
        return { type: 'ok', value: op.value };
      case 'delete':
        this.kv.delete(op.key);
        return { type: 'ok', value: null };
      default: {
        const [from, to] = op.value as [unknown, unknown];
        if (current !== from) return { type: 'fail', value: op.value };
        this.kv.set(op.key, to);
        return { type: 'ok', value: op.value };
      }
    }
  }

  #lock(op: Planned, process: Process): { type: 'ok' | 'fail'; value: unknown } {
    if (op.f === 'acquire') {
      if (this.holder !== null) return { type: 'fail', value: null };
      this.holder = process;
      this.token++;
      return { type: 'ok', value: this.token };
    }
    if (this.holder !== process) return { type: 'fail', value: null };
    this.holder = null;
    return { type: 'ok', value: null };
  }
}

/** Generate a linearizable history (see the module comment). */
export function synthesizeHistory(options: SynthOptions): History {
  const { model, rng } = options;
  const processes = options.processes ?? 5;
  const infoRate = options.infoRate ?? 0;
  const keys = options.keys ?? 1;
  const values = options.values ?? 5;
  const maxDurationNs = options.maxDurationNs ?? 5_000;
  const maxGapNs = options.maxGapNs ?? 1_000;
  if (!Number.isInteger(options.ops) || options.ops < 0) throw new RangeError(`synthesizeHistory: ops must be a non-negative integer, got ${options.ops}`);
  if (!Number.isInteger(processes) || processes < 1) throw new RangeError(`synthesizeHistory: processes must be a positive integer, got ${processes}`);
  if (!(infoRate >= 0 && infoRate <= 1)) throw new RangeError(`synthesizeHistory: infoRate must be in [0, 1], got ${infoRate}`);
  if (!Number.isInteger(keys) || keys < 1) throw new RangeError(`synthesizeHistory: keys must be a positive integer, got ${keys}`);
  if (!Number.isInteger(values) || values < 0) throw new RangeError(`synthesizeHistory: values must be a non-negative integer, got ${values}`);
  if (!(maxDurationNs >= 1) || !(maxGapNs >= 0)) throw new RangeError('synthesizeHistory: maxDurationNs must be >= 1 and maxGapNs >= 0');

  let unique = 0;
  const value = (): unknown => (values === 0 ? ++unique : rng.int(values));
  const sequential = new Sequential();
  let lastWritten: unknown = null;

  const plan = (slot: Slot): Planned => {
    switch (model) {
      case 'register':
        return rng.chance(0.5) ? { f: 'read', value: null } : { f: 'write', value: (lastWritten = value()) };
      case 'cas-register': {
        const r = rng.next();
        if (r < 0.5) return { f: 'read', value: null };
        if (r < 0.75) return { f: 'write', value: (lastWritten = value()) };
        const from = values === 0 ? (rng.chance(0.7) ? lastWritten : rng.int(unique + 1)) : value();
        return { f: 'cas', value: [from, (lastWritten = value())] };
      }
      case 'kv': {
        const key = rng.int(keys);
        const r = rng.next();
        if (r < 0.4) return { f: 'get', value: null, key };
        if (r < 0.6) return { f: 'put', value: String(value()), key };
        if (r < 0.8) return { f: 'append', value: `${String(value())},`, key };
        if (r < 0.9) return { f: 'cas', value: [rng.chance(0.5) ? null : String(value()), String(value())], key };
        return { f: 'delete', value: null, key };
      }
      case 'lock':
        return slot.holdsLock ? { f: 'release', value: null } : { f: 'acquire', value: null };
      default:
        return { f: 'generate', value: null };
    }
  };

  const slots: Slot[] = [];
  for (let s = 0; s < processes; s++) {
    slots.push({
      process: s, phase: 0, at: rng.int(maxGapNs + 1), effectAt: 0, completeAt: 0,
      op: { f: '', value: null }, info: false, takesEffect: true, outcome: { type: 'ok', value: null }, holdsLock: false,
    });
  }
  const history: History = [];
  let started = 0;
  let running = 0;
  while (started < options.ops || running > 0) {
    let best = -1;
    let bestAt = Infinity;
    for (let s = 0; s < slots.length; s++) {
      const slot = slots[s];
      const at = slot.phase === 0 ? (started < options.ops ? slot.at : Infinity) : slot.phase === 1 ? slot.effectAt : slot.completeAt;
      if (at < bestAt) {
        bestAt = at;
        best = s;
      }
    }
    const slot = slots[best];
    if (slot.phase === 0) {
      slot.op = plan(slot);
      slot.info = rng.chance(infoRate);
      slot.takesEffect = !slot.info || rng.chance(0.5);
      const duration = rng.intBetween(1, maxDurationNs);
      slot.effectAt = slot.at + rng.int(duration + 1);
      slot.completeAt = slot.at + duration;
      slot.phase = 1;
      started++;
      running++;
      history.push(event(slot.process, 'invoke', slot.op, slot.op.value, slot.at));
    } else if (slot.phase === 1) {
      slot.outcome = slot.takesEffect ? sequential.apply(model, slot.op, slot.process) : { type: 'fail', value: null };
      slot.phase = 2;
    } else {
      running--;
      if (slot.info) {
        history.push(event(slot.process, 'info', slot.op, slot.op.value, slot.completeAt));
        slot.process = typeof slot.process === 'number' ? slot.process + processes : slot.process; // Jepsen: a crashed client gets a new id
        slot.holdsLock = false;
      } else {
        history.push(event(slot.process, slot.outcome.type, slot.op, slot.outcome.value, slot.completeAt));
        if (model === 'lock' && slot.outcome.type === 'ok') slot.holdsLock = slot.op.f === 'acquire';
      }
      slot.phase = 0;
      slot.at = slot.completeAt + rng.int(maxGapNs + 1);
    }
  }
  return history;
}

function event(process: Process, type: HistoryEvent['type'], op: Planned, value: unknown, time: number): HistoryEvent {
  const e: HistoryEvent = { process, type, f: op.f, value, time };
  if (op.key !== undefined) e.key = op.key;
  return e;
}
