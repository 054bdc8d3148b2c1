import { Fnv1a64 } from './fnv.js';

/**
 * The simulation's trace: every event is folded into an incremental
 * FNV-1a 64 hash over a canonical binary encoding, and — only when a sink is
 * given — also rendered as one canonical text line. The hash never depends on
 * the sink, so a run with `--trace` and one without have the same trace hash.
 * Nothing is retained.
 *
 * Encoding (little-endian 32-bit words, strings as UTF-16 code units). Each
 * event starts with one header word:
 *
 *   bits 0–4 kind · bits 5–6 time mode · bits 7–18 node a · bits 19–30 node b
 *
 * Time mode 0: same virtual µs as the previous event; 1: one word follows
 * with the µs elapsed since it; 2: the absolute µs follow as two words. Most
 * events of a busy run share an instant or advance by < 71 min, so the hot
 * events (send, deliver, timer) cost two or three words. Then, per kind:
 * send/dup: the latency in µs (0xffffffff + absolute µs when ≥ that);
 * deliver, timer: the message or timer id; drop: id, reason; disk: bytes;
 * text, log: the string. A send's message id is not hashed: ids are handed
 * out in send order, one per send or drop-at-send, so the stream implies it.
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

/** Node indices fit the header's 12-bit fields (text events store index + 1). */
export const MAX_TRACE_NODES = 4000;

export const DropReason = { loss: 1, partition: 2, down: 3, noHandler: 4 } as const;
const DROP_TEXT = ['', 'loss', 'partition', 'down', 'no-handler'];

export const DiskOp = { append: 1, write: 2, truncate: 3, remove: 4 } as const;
const DISK_TEXT = ['', 'append', 'write', 'truncate', 'remove'];

export type TraceSink = (line: string) => void;

const TIME_SAME = 0;
const TIME_DELTA = 1 << 5;
const TIME_ABSOLUTE = 2 << 5;
const TWO_POW_32 = 0x1_0000_0000;
const WORD_MAX = 0xffff_ffff;

/** Virtual µs as a fixed 3-decimal ms string: the first column of every line. */
export function formatTraceTime(us: number): string {
  return (us / 1000).toFixed(3);
}

export class Trace {
  readonly #hash = new Fnv1a64();
  readonly #sink: TraceSink | undefined;
  readonly #names: readonly string[];
  #events = 0;
  /** Virtual µs of the last event hashed (time never goes back). */
  #lastUs = 0;

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

  /** Hash an event's header word and its time (see the module comment); `a`, `b` < 4096. */
  #head(kind: number, nowUs: number, a: number, b: number): void {
    const h = this.#hash;
    const fields = kind | (a << 7) | (b << 19);
    const deltaUs = nowUs - this.#lastUs;
    this.#events++;
    if (deltaUs === 0) {
      h.word(fields | TIME_SAME);
    } else if (deltaUs > 0 && deltaUs < TWO_POW_32) {
      h.word(fields | TIME_DELTA);
      h.word(deltaUs);
    } else {
      h.word(fields | TIME_ABSOLUTE);
      h.uint53(nowUs);
    }
    this.#lastUs = nowUs;
  }

  send(nowUs: number, from: number, to: number, id: number, atUs: number, duplicate: boolean): void {
    this.#head(duplicate ? TraceKind.duplicate : TraceKind.send, nowUs, from, to);
    const latencyUs = atUs - nowUs;
    if (latencyUs < WORD_MAX) {
      this.#hash.word(latencyUs);
    } else {
      this.#hash.word(WORD_MAX);
      this.#hash.uint53(atUs);
    }
    if (this.#sink !== undefined) {
      const n = this.#names;
      this.#sink(`${formatTraceTime(nowUs)} ${duplicate ? 'dup' : 'send'} ${n[from]}>${n[to]} #${id} at=${formatTraceTime(atUs)}`);
    }
  }

  deliver(nowUs: number, from: number, to: number, id: number): void {
    this.#head(TraceKind.deliver, nowUs, from, to);
    this.#hash.word(id);
    if (this.#sink !== undefined) {
      const n = this.#names;
      this.#sink(`${formatTraceTime(nowUs)} deliver ${n[from]}>${n[to]} #${id}`);
    }
  }

  drop(nowUs: number, from: number, to: number, id: number, reason: number): void {
    this.#head(TraceKind.drop, nowUs, from, to);
    this.#hash.word(id);
    this.#hash.word(reason);
    if (this.#sink !== undefined) {
      const n = this.#names;
      this.#sink(`${formatTraceTime(nowUs)} drop ${n[from]}>${n[to]} #${id} ${DROP_TEXT[reason]}`);
    }
  }

  timer(nowUs: number, node: number, id: number): void {
    this.#head(TraceKind.timer, nowUs, node, 0);
    this.#hash.word(id);
    if (this.#sink !== undefined) this.#sink(`${formatTraceTime(nowUs)} timer ${this.#names[node]} t${id}`);
  }

  fsync(nowUs: number, node: number, file: string, ok: boolean): void {
    this.#head(TraceKind.fsync, nowUs, node, ok ? 1 : 0);
    if (this.#sink !== undefined) {
      this.#sink(`${formatTraceTime(nowUs)} fsync ${this.#names[node]} ${JSON.stringify(file)} ${ok ? 'ok' : 'error'}`);
    }
  }

  disk(nowUs: number, node: number, op: number, file: string, bytes: number): void {
    this.#head(TraceKind.disk, nowUs, node, op);
    this.#hash.word(bytes);
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
    this.#head(TraceKind[kind], nowUs, node + 1, 0);
    this.#hash.string(text);
    if (this.#sink !== undefined) {
      const who = node >= 0 ? ` ${this.#names[node]}` : '';
      this.#sink(`${formatTraceTime(nowUs)} ${kind}${who}${text === '' ? '' : ' ' + text}`);
    }
  }

  /** A node's `env.log`: the event name is hashed; fields appear only in the line. */
  log(nowUs: number, node: number, event: string, fields: Record<string, unknown> | undefined): void {
    this.#head(TraceKind.log, nowUs, node, 0);
    this.#hash.string(event);
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
