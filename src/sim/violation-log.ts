import type { Violation } from './workload.js';

/**
 * Collects a workload's violations by kind, keeping the first few messages of
 * each kind and a count of the rest, so a badly broken run reports a short,
 * readable list instead of millions of lines.
 */
export class ViolationLog {
  readonly #byKind = new Map<string, { count: number; examples: string[] }>();
  readonly #examplesPerKind: number;

  constructor(examplesPerKind = 3) {
    if (!Number.isSafeInteger(examplesPerKind) || examplesPerKind < 1) {
      throw new RangeError(`ViolationLog: examplesPerKind must be a positive integer, got ${examplesPerKind}`);
    }
    this.#examplesPerKind = examplesPerKind;
  }

  add(kind: string, message: string): void {
    let v = this.#byKind.get(kind);
    if (v === undefined) {
      v = { count: 0, examples: [] };
      this.#byKind.set(kind, v);
    }
    v.count++;
    if (v.examples.length < this.#examplesPerKind) v.examples.push(message);
  }

  /** Total violations recorded, over every kind. */
  get count(): number {
    let n = 0;
    for (const v of this.#byKind.values()) n += v.count;
    return n;
  }

  /** The kept examples in the order kinds first occurred, then one "… and N more" line per truncated kind. */
  list(): Violation[] {
    const out: Violation[] = [];
    for (const [kind, v] of this.#byKind) {
      for (const message of v.examples) out.push({ kind, message });
      if (v.count > v.examples.length) out.push({ kind, message: `… and ${v.count - v.examples.length} more ${kind} violations` });
    }
    return out;
  }
}
