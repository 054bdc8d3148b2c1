import { Fnv1a64 } from './fnv.js';

/**
 * The simulation's trace: every event is folded into an incremental
 * FNV-1a 64 hash over a canonical binary encoding (numbers as 32-bit words,
 * strings as code units), and — only when a sink is given — also rendered as
 * one canonical text line. The hash never depends on the sink, so a run with
 * `--trace` and one without have the same trace hash. Nothing is retained.
 */
export const TraceKind = {
  start: 1,
  send: 2,
  duplicate: 3,
  deliver: 4,
  drop: 5,
  timer: 6,
  fsync: 7,
  crash: 8,
  restart: 9,
  pause: 10,
  resume: 11,
  fault: 12,
  log: 13,
  op: 14,
  disk: 15,
  note: 16,
} as const;
export type TraceKindName = keyof typeof TraceKind;

export const DropReason = { loss: 1, partition: 2, down: 3, noHandler: 4 } as const;
const DROP_TEXT = ['', 'loss', 'partition', 'down', 'no-handler'];

export const DiskOp = { append: 1, write: 2, truncate: 3, remove: 4 } as const;
const DISK_TEXT = ['', 'append', 'write', 'truncate', 'remove'];

export type TraceSink = (line: string) => void;

/** Virtual µs as a fixed 3-decimal ms string: the first column of every line. */
export function formatTraceTime(us: number): string {
  return (us / 1000).toFixed(3);
}

export class Trace {
  readonly #hash = new Fnv1a64();
  readonly #sink: TraceSink | undefined;
  readonly #names: readonly string[];
  #events = 0;

  /** @param names node names by index (the live array: nodes added later are seen) */
  constructor(sink: TraceSink | undefined, names: readonly string[]) {
    this.#sink = sink;
    this.#names = names;
  }

  get hash(): string {
    return this.#hash.hex();
  }

  /** Number of events traced so far. */
  get events(): number {
    return this.#events;
  }

  get hasSink(): boolean {
    return this.#sink !== undefined;
  }

  send(nowUs: number, from: number, to: number, id: number, atUs: number, duplicate: boolean): void {
    const h = this.#hash;
    this.#events++;
    h.word(duplicate ? TraceKind.duplicate : TraceKind.send);
    h.uint53(nowUs);
    h.word(from);
    h.word(to);
    h.word(id);
    h.uint53(atUs);
    if (this.#sink !== undefined) {
      const n = this.#names;
      this.#sink(`${formatTraceTime(nowUs)} ${duplicate ? 'dup' : 'send'} ${n[from]}>${n[to]} #${id} at=${formatTraceTime(atUs)}`);
    }
  }

  deliver(nowUs: number, from: number, to: number, id: number): void {
    const h = this.#hash;
    this.#events++;
    h.word(TraceKind.deliver);
    h.word(id);
    h.word(to);
    if (this.#sink !== undefined) {
      const n = this.#names;
      this.#sink(`${formatTraceTime(nowUs)} deliver ${n[from]}>${n[to]} #${id}`);
    }
  }

  drop(nowUs: number, from: number, to: number, id: number, reason: number): void {
    const h = this.#hash;
    this.#events++;
    h.word(TraceKind.drop);
    h.uint53(nowUs);
    h.word(id);
    h.word(reason);
    if (this.#sink !== undefined) {
      const n = this.#names;
      this.#sink(`${formatTraceTime(nowUs)} drop ${n[from]}>${n[to]} #${id} ${DROP_TEXT[reason]}`);
    }
  }

  timer(nowUs: number, node: number, id: number): void {
    const h = this.#hash;
    this.#events++;
    h.word(TraceKind.timer);
    h.uint53(nowUs);
    h.word(node);
    h.word(id);
    if (this.#sink !== undefined) this.#sink(`${formatTraceTime(nowUs)} timer ${this.#names[node]} t${id}`);
  }

  fsync(nowUs: number, node: number, file: string, ok: boolean): void {
    const h = this.#hash;
    this.#events++;
    h.word(TraceKind.fsync);
    h.uint53(nowUs);
    h.word(node);
    h.word(ok ? 1 : 0);
    if (this.#sink !== undefined) {
      this.#sink(`${formatTraceTime(nowUs)} fsync ${this.#names[node]} ${JSON.stringify(file)} ${ok ? 'ok' : 'error'}`);
    }
  }

  disk(nowUs: number, node: number, op: number, file: string, bytes: number): void {
    const h = this.#hash;
    this.#events++;
    h.word(TraceKind.disk);
    h.word(node);
    h.word(op);
    h.word(bytes);
    if (this.#sink !== undefined) {
      this.#sink(`${formatTraceTime(nowUs)} disk ${this.#names[node]} ${DISK_TEXT[op]} ${JSON.stringify(file)} ${bytes}B`);
    }
  }

  /**
   * A rare event (start, crash, fault, op, …) described by text. The text is
   * hashed, so it must be canonical: built only from deterministic values.
   * `node` is a node index or -1.
   */
  text(nowUs: number, kind: TraceKindName, node: number, text: string): void {
    const h = this.#hash;
    this.#events++;
    h.word(TraceKind[kind]);
    h.uint53(nowUs);
    h.word(node + 1);
    h.string(text);
    if (this.#sink !== undefined) {
      const who = node >= 0 ? ` ${this.#names[node]}` : '';
      this.#sink(`${formatTraceTime(nowUs)} ${kind}${who}${text === '' ? '' : ' ' + text}`);
    }
  }

  /** A node's `env.log`: the event name is hashed; fields appear only in the line. */
  log(nowUs: number, node: number, event: string, fields: Record<string, unknown> | undefined): void {
    const h = this.#hash;
    this.#events++;
    h.word(TraceKind.log);
    h.uint53(nowUs);
    h.word(node);
    h.string(event);
    if (this.#sink !== undefined) {
      const suffix = fields === undefined ? '' : ' ' + safeJson(fields);
      this.#sink(`${formatTraceTime(nowUs)} log ${this.#names[node]} ${event}${suffix}`);
    }
  }
}

/** JSON for trace lines; never throws (BigInt, cycles, typed arrays). */
export function safeJson(value: unknown): string {
  try {
    const s = JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'bigint') return `${v}n`;
      if (v instanceof Uint8Array) return `<${v.length} bytes>`;
      return v;
    });
    return s === undefined ? 'undefined' : s.replace(/\n/g, '\\n');
  } catch {
    return '"<unserialisable>"';
  }
}
