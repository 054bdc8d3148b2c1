/**
 * Agreement among time sources, each an interval believed to contain the
 * true value (the offset of a clock, say).
 *
 * `marzullo` is Marzullo's algorithm (1984): the smallest interval consistent
 * with the largest number of sources, and any other interval tied with it.
 *
 * `intersect` is the selection step NTP grew from it (Mills, RFC 5905 §11.2.1,
 * the "intersection algorithm"), with the number of liars fixed up front: the
 * smallest interval containing every point that at least `n − maxFaulty`
 * sources agree on. When at most `maxFaulty` sources lie (their interval does
 * not contain the truth), the truth is in at least `n − maxFaulty` intervals,
 * so it is inside the result — always, not just usually. Marzullo's best
 * interval has no such guarantee: a liar overlapping one edge of the honest
 * agreement can pull it away from the truth. The price is width: the
 * guaranteed interval is wider than the tightest agreement. Sources whose
 * interval misses the result entirely are the falsetickers; an honest source
 * never is one.
 *
 * Intervals are closed: two that touch at a point agree on that point.
 */

export interface Interval {
  readonly low: number;
  readonly high: number;
}

export interface MarzulloResult extends Interval {
  /** Sources consistent with the interval. */
  readonly count: number;
  /** Every interval with that count, in ascending order (the first is `low`/`high`). */
  readonly ties: readonly Interval[];
}

export interface IntervalSource extends Interval {
  readonly id: string;
}

export interface IntersectionResult extends Interval {
  /** Sources that must agree on a point for it to count (`n − maxFaulty`). */
  readonly quorum: number;
  /** (low + high) / 2 and (high − low) / 2. */
  readonly midpoint: number;
  readonly halfWidth: number;
  /** Sources whose interval meets the result, in input order. */
  readonly truechimers: readonly string[];
  /** Sources whose interval misses it: certainly wrong (if at most maxFaulty lie). */
  readonly falsetickers: readonly string[];
}

export interface IntersectOptions {
  /** Sources that may be lying. @defaultValue ⌊(n − 1) / 2⌋: fewer than half */
  readonly maxFaulty?: number;
}

/** An interval endpoint; starts sort before ends at the same offset (closed intervals). */
interface Edge {
  readonly at: number;
  /** +1 start, −1 end. */
  readonly step: 1 | -1;
}

function edges(intervals: readonly Interval[], api: string): Edge[] {
  const out: Edge[] = [];
  for (const [i, iv] of intervals.entries()) {
    if (!(Number.isFinite(iv.low) && Number.isFinite(iv.high))) throw new RangeError(`${api}: interval ${i} must have finite ends, got [${iv.low}, ${iv.high}]`);
    if (iv.low > iv.high) throw new RangeError(`${api}: interval ${i} has low > high ([${iv.low}, ${iv.high}])`);
    out.push({ at: iv.low, step: 1 }, { at: iv.high, step: -1 });
  }
  return out.sort((a, b) => a.at - b.at || b.step - a.step);
}

/**
 * Marzullo's algorithm: sweep the sorted endpoints counting how many
 * intervals cover the current point; the best interval starts where the count
 * peaks and ends at the next endpoint. Undefined for no intervals.
 */
export function marzullo(intervals: readonly Interval[]): MarzulloResult | undefined {
  const table = edges(intervals, 'marzullo');
  if (table.length === 0) return undefined;
  let best = 0;
  let count = 0;
  let ties: Interval[] = [];
  for (let i = 0; i < table.length; i++) {
    count += table[i].step;
    if (table[i].step !== 1) continue;
    // After a start there is always a later endpoint (its own end at least).
    const interval = { low: table[i].at, high: table[i + 1].at };
    if (count > best) {
      best = count;
      ties = [interval];
    } else if (count === best && (ties.length === 0 || ties[ties.length - 1].low !== interval.low)) {
      ties.push(interval);
    }
  }
  return { low: ties[0].low, high: ties[0].high, count: best, ties };
}

/**
 * The interval containing every point at least `n − maxFaulty` sources agree
 * on, and the sources that miss it. Undefined when no point has that much
 * agreement (more than `maxFaulty` sources must be lying) or there are no sources.
 */
export function intersect(sources: readonly IntervalSource[], options: IntersectOptions = {}): IntersectionResult | undefined {
  const n = sources.length;
  if (n === 0) return undefined;
  const maxFaulty = options.maxFaulty ?? Math.floor((n - 1) / 2);
  if (!(Number.isSafeInteger(maxFaulty) && maxFaulty >= 0 && maxFaulty < n)) {
    throw new RangeError(`intersect: maxFaulty must be an integer in [0, ${n - 1}], got ${maxFaulty}`);
  }
  const quorum = n - maxFaulty;
  const table = edges(sources, 'intersect');
  // Lowest point covered by ≥ quorum: sweep up, starts first at ties.
  let low = NaN;
  for (let i = 0, count = 0; i < table.length; i++) {
    count += table[i].step;
    if (count >= quorum) {
      low = table[i].at;
      break;
    }
  }
  if (Number.isNaN(low)) return undefined;
  // Highest such point: sweep down, where ends open and starts close (ends first at ties).
  let high = NaN;
  for (let i = table.length - 1, count = 0; i >= 0; i--) {
    count -= table[i].step;
    if (count >= quorum) {
      high = table[i].at;
      break;
    }
  }
  if (!(low <= high)) throw new Error(`intersect: invariant: the lowest agreed point ${low} is above the highest ${high}`);
  const truechimers: string[] = [];
  const falsetickers: string[] = [];
  for (const s of sources) (s.high < low || s.low > high ? falsetickers : truechimers).push(s.id);
  return { low, high, quorum, midpoint: (low + high) / 2, halfWidth: (high - low) / 2, truechimers, falsetickers };
}
