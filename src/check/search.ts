/**
 * The linearizability search for one partition: Wing & Gong's algorithm with
 * Lowe's just-in-time linearization and Porcupine-style memoisation.
 *
 * Events (calls and returns) sit in a doubly linked list in real-time order.
 * Scanning from the head, every call met before the first return is a
 * candidate: step the model with it; if it is legal and the pair
 * (linearized set, new state) is new, "lift" the operation (unlink its call
 * and return, O(1)) and rescan. Reaching a return means that operation must
 * already have been linearized: backtrack, "unlift" the last operation and
 * try the next candidate after it.
 *
 * `info` operations (unknown outcome, interval open to +infinity) live in a
 * second list and are tried only after the ordinary candidates, so a history
 * where timeouts did not take effect is checked as if they were absent.
 * Pending info operations with the same input are interchangeable: only the
 * earliest-invoked of each class is a candidate (symmetry reduction; any
 * linearization can be reordered so each class is used in invoke order).
 *
 * The linearized set is a bitset plus an XOR (Zobrist) hash updated in O(1).
 * Its memo encoding is canonical and short: the *frontier* f (the first
 * ordinary op not linearized), then the bitset words from f up to the last
 * op invoked before f's return — an op linearized past the frontier was a
 * candidate while f was pending, so it was invoked before f returned — then
 * the info words.
 */
import type { ModelInput, Model } from './model.js';
import { Memo } from './memo.js';
import { hashKey, mix32, valueKey } from './value-key.js';
import type { ValueKey } from './value-key.js';

/** One operation of a partition, as the search needs it. */
export interface SearchOp {
  input: ModelInput;
  /** The completion's value, or `UNKNOWN` for info. */
  output: unknown;
  /** Unknown outcome: interval open to +infinity. */
  info: boolean;
  callTime: number;
  returnTime: number;
  /** Tie-breakers among events at one time: their position in the history. */
  callOrder: number;
  returnOrder: number;
}

/** Shared, mutable budget across partitions. */
export interface SearchBudget {
  stepsLeft: number;
  /** Stop when `now() >= deadline` (checked every 1,024 steps). */
  deadline: number;
  now: (() => number) | undefined;
  maxMemoEntries: number;
  /** Set when the budget ran out: why. */
  exhausted?: 'steps' | 'time' | 'memory';
}

export interface SearchOptions {
  /** Memoise (set, state) pairs (default true; false = naive WGL, for comparison). */
  memoize: boolean;
  /** At most this many distinct states are kept for a failure report. */
  maxFailureStates: number;
  /**
   * Bits of the memo hash kept (default all). Tests narrow it to force
   * collisions, proving that equality, not the hash, decides.
   */
  hashMask?: number;
}

interface Counters {
  steps: number;
  memoEntries: number;
}

export type SearchOutcome<S> =
  | ({ result: 'linearizable'; order: number[] } & Counters)
  | ({ result: 'not-linearizable'; failedOp: number; prefix: number[]; states: S[]; pending: number[] } & Counters)
  | ({ result: 'unknown'; reason: 'steps' | 'time' | 'memory'; failedOp: number; prefix: number[]; states: S[]; pending: number[] } & Counters);

const NIL = -1;
const TIME_CHECK_STEPS = 1024;

function zobrist(id: number): number {
  return mix32(Math.imul(id + 1, 0x9e37_79b9) ^ 0x7f4a_7c15);
}

interface Layout {
  /** Search-local index -> caller's index. Ordinary ops first (0..m-1), then info ops. */
  toCaller: Int32Array;
  m: number;
  k: number;
  /** Main list: entry 2j = call of ordinary op j, 2j+1 = its return; head = 2m. */
  next: Int32Array;
  prev: Int32Array;
  /** Sequence number of every main entry (and of info calls in infoSeq). */
  seq: Float64Array;
  /** Info list over info index i (0..k-1); head = k. */
  infoNext: Int32Array;
  infoPrev: Int32Array;
  infoSeq: Float64Array;
  /** For ordinary op f: the last ordinary op invoked before f returned. */
  lastCallBefore: Int32Array;
  /** Info op -> class id; class -> its ops in invoke order. */
  infoClass: Int32Array;
  classOps: Int32Array[];
}

function layout(ops: readonly SearchOp[], classKey: (op: SearchOp) => ValueKey): Layout {
  const ordinary: number[] = [];
  const infos: number[] = [];
  for (let i = 0; i < ops.length; i++) (ops[i].info ? infos : ordinary).push(i);
  const byCall = (a: number, b: number) => ops[a].callTime - ops[b].callTime || ops[a].callOrder - ops[b].callOrder;
  ordinary.sort(byCall);
  infos.sort(byCall);
  const m = ordinary.length;
  const k = infos.length;

  // Events: 0 = call, 1 = return; calls before returns at equal times (closed intervals).
  type Ev = { time: number; kind: number; order: number; entry: number; info: boolean };
  const events: Ev[] = [];
  for (let j = 0; j < m; j++) {
    const op = ops[ordinary[j]];
    events.push({ time: op.callTime, kind: 0, order: op.callOrder, entry: 2 * j, info: false });
    events.push({ time: op.returnTime, kind: 1, order: op.returnOrder, entry: 2 * j + 1, info: false });
  }
  for (let i = 0; i < k; i++) {
    const op = ops[infos[i]];
    events.push({ time: op.callTime, kind: 0, order: op.callOrder, entry: i, info: true });
  }
  events.sort((a, b) => a.time - b.time || a.kind - b.kind || a.order - b.order);

  const head = 2 * m;
  const next = new Int32Array(2 * m + 1).fill(NIL);
  const prev = new Int32Array(2 * m + 1).fill(NIL);
  const seq = new Float64Array(2 * m + 1);
  const infoNext = new Int32Array(k + 1).fill(NIL);
  const infoPrev = new Int32Array(k + 1).fill(NIL);
  const infoSeq = new Float64Array(k + 1);
  let last = head;
  let lastInfo = k;
  for (let s = 0; s < events.length; s++) {
    const ev = events[s];
    if (ev.info) {
      infoSeq[ev.entry] = s;
      infoNext[lastInfo] = ev.entry;
      infoPrev[ev.entry] = lastInfo;
      lastInfo = ev.entry;
    } else {
      seq[ev.entry] = s;
      next[last] = ev.entry;
      prev[ev.entry] = last;
      last = ev.entry;
    }
  }

  // Ordinary ids follow call order, so "ops invoked before f returned" is a prefix of ids.
  const lastCallBefore = new Int32Array(m);
  let calls = 0;
  for (let s = 0; s < events.length; s++) {
    const ev = events[s];
    if (ev.info) continue;
    if (ev.entry % 2 === 0) calls++;
    else lastCallBefore[ev.entry >> 1] = calls - 1;
  }

  const infoClass = new Int32Array(k);
  const classIds = new Map<ValueKey, number>();
  const classLists: number[][] = [];
  for (let i = 0; i < k; i++) {
    const key = classKey(ops[infos[i]]);
    let c = classIds.get(key);
    if (c === undefined) {
      c = classLists.length;
      classIds.set(key, c);
      classLists.push([]);
    }
    infoClass[i] = c;
    classLists[c].push(i);
  }

  const toCaller = new Int32Array(m + k);
  for (let j = 0; j < m; j++) toCaller[j] = ordinary[j];
  for (let i = 0; i < k; i++) toCaller[m + i] = infos[i];
  return {
    toCaller, m, k, next, prev, seq, infoNext, infoPrev, infoSeq, lastCallBefore, infoClass,
    classOps: classLists.map((list) => Int32Array.from(list)),
  };
}

/** Identity of an info op for symmetry reduction: same class ⇒ same behaviour. */
export function defaultInfoClassKey(withProcess: boolean): (op: SearchOp) => ValueKey {
  return (op) => {
    const { f, value, process, key } = op.input;
    return `${f}\u0000${String(valueKey(value))}\u0000${String(valueKey(key))}${withProcess ? `\u0000${String(valueKey(process))}` : ''}`;
  };
}

/**
 * Search for a linearization of `ops` under `model`. Pure: no I/O; time is
 * read only through `budget.now`.
 */
export function searchLinearization<S>(
  model: Model<S>,
  ops: readonly SearchOp[],
  budget: SearchBudget,
  options: SearchOptions,
  classKey: (op: SearchOp) => ValueKey,
): SearchOutcome<S> {
  const L = layout(ops, classKey);
  const { m, k, next, prev, seq, infoNext, infoPrev, infoSeq, lastCallBefore, infoClass, classOps, toCaller } = L;
  const head = 2 * m;
  const infoHead = k;
  const inputs: ModelInput[] = new Array<ModelInput>(m + k);
  const outputs: unknown[] = new Array<unknown>(m + k);
  for (let x = 0; x < m + k; x++) {
    inputs[x] = ops[toCaller[x]].input;
    outputs[x] = ops[toCaller[x]].output;
  }
  const zob = new Int32Array(m + k);
  for (let x = 0; x < m + k; x++) zob[x] = zobrist(x);

  const normalWords = new Uint32Array((m >> 5) + 1);
  const infoWordCount = (k + 31) >> 5;
  const infoWords = new Uint32Array(infoWordCount);
  const classPrefix = new Int32Array(classOps.length);
  const encoding = new Int32Array(2 + (m >> 5) + 1);

  // Subsumption needs every info op to be legal in every state (so it can always be put off to the end).
  const subsume = model.infoAlwaysLegal;
  const memo = options.memoize ? new Memo<S>(model, infoWordCount, subsume) : undefined;
  const stateKeyOf = model.stateKey;
  const hashMask = options.hashMask ?? -1;

  // The DFS stack: op (search-local id), state before it, and for info ops the boundary entry.
  const stackOp = new Int32Array(m + k);
  const stackBoundary = new Int32Array(m + k);
  const stackState: S[] = new Array<S>(m + k);
  let sp = 0;

  let state = model.init();
  let setHash = 0;
  let frontier = 0; // first ordinary op not linearized
  let infoLeft = k;
  let steps = 0;
  let nextTimeCheck = 0;

  // Failure tracking: the deepest point where an op could not be placed.
  let bestDepth = -1;
  let bestOp = NIL;
  let bestPrefix: number[] = [];
  let bestPending: number[] = [];
  const bestStates: S[] = [];
  const bestStateKeys = new Set<ValueKey>();

  const isLinearized = (j: number): boolean => (normalWords[j >> 5] & (1 << (j & 31))) !== 0;

  /** Encode the ordinary part of the set (candidate already set) into `encoding`; returns its length. */
  const encode = (front: number): number => {
    let n = 0;
    encoding[n++] = front;
    if (front < m) {
      const lastWord = lastCallBefore[front] >> 5;
      for (let w = front >> 5; w <= lastWord; w++) encoding[n++] = normalWords[w] | 0;
    }
    return n;
  };

  const advance = (from: number): number => {
    let f = from;
    while (f < m && isLinearized(f)) f++;
    return f;
  };

  /** Try to linearize search-local op x now; on success the set, hash, state and frontier are updated. */
  const tryOp = (x: number): boolean => {
    steps++;
    const result = model.step(state, inputs[x], outputs[x]);
    if (!result.ok) return false;
    const newState = result.state;
    const isInfo = x >= m;
    const bitWord = isInfo ? x - m : x;
    const words = isInfo ? infoWords : normalWords;
    words[bitWord >> 5] |= 1 << (bitWord & 31);
    // With subsumption the memo hash covers ordinary ops only: configurations that
    // differ only in info ops must meet in one probe sequence to be compared.
    const newSetHash = isInfo && subsume ? setHash : setHash ^ zob[x];
    const newFrontier = !isInfo && x === frontier ? advance(frontier + 1) : frontier;
    if (memo !== undefined) {
      const stateKey = stateKeyOf !== undefined ? stateKeyOf(newState) : undefined;
      const stateHash = stateKey !== undefined ? hashKey(stateKey) : model.hash(newState);
      const hash = mix32(newSetHash ^ Math.imul(stateHash, 0x2c1b_3c6d)) & hashMask;
      const length = encode(newFrontier);
      if (!memo.visit(hash, encoding, length, infoWords, newState, stateKey)) {
        words[bitWord >> 5] &= ~(1 << (bitWord & 31));
        return false;
      }
    }
    setHash = newSetHash;
    frontier = newFrontier;
    stackOp[sp] = x;
    stackState[sp] = state;
    sp++;
    state = newState;
    return true;
  };

  const liftMain = (j: number): void => {
    const c = 2 * j;
    const r = c + 1;
    next[prev[c]] = next[c];
    prev[next[c]] = prev[c];
    next[prev[r]] = next[r];
    if (next[r] !== NIL) prev[next[r]] = prev[r];
  };
  const unliftMain = (j: number): void => {
    const c = 2 * j;
    const r = c + 1;
    next[prev[r]] = r;
    if (next[r] !== NIL) prev[next[r]] = r;
    next[prev[c]] = c;
    prev[next[c]] = c;
  };
  const liftInfo = (i: number): void => {
    infoNext[infoPrev[i]] = infoNext[i];
    if (infoNext[i] !== NIL) infoPrev[infoNext[i]] = infoPrev[i];
  };
  const unliftInfo = (i: number): void => {
    infoNext[infoPrev[i]] = i;
    if (infoNext[i] !== NIL) infoPrev[infoNext[i]] = i;
  };

  const pendingAt = (boundary: number, boundarySeq: number): number[] => {
    const pending: number[] = [];
    for (let e = next[head]; e !== NIL && e !== boundary && pending.length < 64; e = next[e]) {
      if (e % 2 === 0) pending.push(toCaller[e >> 1]);
    }
    for (let i = infoNext[infoHead]; i !== NIL && infoSeq[i] < boundarySeq && pending.length < 64; i = infoNext[i]) {
      pending.push(toCaller[m + i]);
    }
    return pending;
  };

  const recordStuck = (boundary: number, boundarySeq: number): void => {
    const failed = boundary !== NIL ? boundary >> 1 : m + infoNext[infoHead];
    if (sp > bestDepth) {
      bestDepth = sp;
      bestOp = failed;
      bestPrefix = Array.from(stackOp.subarray(0, sp), (x) => toCaller[x]);
      bestPending = pendingAt(boundary, boundarySeq).filter((x) => x !== toCaller[failed]);
      bestStates.length = 0;
      bestStateKeys.clear();
    } else if (failed !== bestOp) {
      return;
    }
    if (bestStates.length >= options.maxFailureStates) return;
    const key = stateKeyOf !== undefined ? stateKeyOf(state) : valueKey(model.describeState(state));
    if (bestStateKeys.has(key)) return;
    bestStateKeys.add(key);
    bestStates.push(state);
  };

  const counters = (): Counters => ({ steps, memoEntries: memo?.size ?? 0 });
  const outOfBudget = (): 'steps' | 'time' | 'memory' | undefined => {
    if (steps >= budget.stepsLeft) return 'steps';
    if (memo !== undefined && memo.size > budget.maxMemoEntries) return 'memory';
    if (steps >= nextTimeCheck && budget.now !== undefined && budget.deadline !== Infinity) {
      nextTimeCheck = steps + TIME_CHECK_STEPS;
      if (budget.now() >= budget.deadline) return 'time';
    }
    return undefined;
  };

  let entry = next[head];
  let inInfoPhase = false;
  let boundary = NIL; // the first pending return (or NIL) when in the info phase
  let boundarySeq = Infinity;
  let infoCursor = NIL;
  let lastCheckedSteps = -1;

  while (true) {
    // Done when every ordinary op is placed and, unless info ops are legal in
    // any state (then the rest simply go last), every info op too.
    if (next[head] === NIL && (infoLeft === 0 || subsume)) {
      budget.stepsLeft -= steps;
      const order = Array.from(stackOp.subarray(0, sp), (x) => toCaller[x]);
      for (let i = infoNext[infoHead]; i !== NIL; i = infoNext[i]) order.push(toCaller[m + i]);
      return { result: 'linearizable', order, ...counters() };
    }
    if (steps !== lastCheckedSteps) {
      lastCheckedSteps = steps;
      const reason = outOfBudget();
      if (reason !== undefined) {
        budget.stepsLeft -= steps;
        budget.exhausted = reason;
        return {
          result: 'unknown', reason,
          failedOp: bestOp === NIL ? -1 : toCaller[bestOp], prefix: bestPrefix, states: [...bestStates], pending: bestPending,
          ...counters(),
        };
      }
    }

    if (!inInfoPhase) {
      if (entry !== NIL && entry % 2 === 0) {
        const j = entry >> 1;
        if (tryOp(j)) {
          liftMain(j);
          entry = next[head];
        } else {
          entry = next[entry];
        }
        continue;
      }
      // A pending return (or the end of the ordinary ops): only info ops invoked before it remain candidates.
      boundary = entry;
      boundarySeq = entry === NIL ? Infinity : seq[entry];
      inInfoPhase = true;
      infoCursor = infoNext[infoHead];
    }

    let placed = false;
    while (infoCursor !== NIL && infoSeq[infoCursor] < boundarySeq) {
      const i = infoCursor;
      const c = infoClass[i];
      if (classOps[c][classPrefix[c]] === i && tryOp(m + i)) {
        stackBoundary[sp - 1] = boundary;
        liftInfo(i);
        classPrefix[c]++;
        infoLeft--;
        placed = true;
        break;
      }
      infoCursor = infoNext[i];
    }
    if (placed) {
      inInfoPhase = false;
      entry = next[head];
      continue;
    }

    // Nothing fits here: the op at `boundary` cannot be placed after this prefix.
    recordStuck(boundary, boundarySeq);
    if (sp === 0) {
      budget.stepsLeft -= steps;
      return {
        result: 'not-linearizable',
        failedOp: toCaller[bestOp], prefix: bestPrefix, states: [...bestStates], pending: bestPending,
        ...counters(),
      };
    }
    sp--;
    const x = stackOp[sp];
    state = stackState[sp];
    stackState[sp] = undefined as S;
    if (x < m) {
      setHash ^= zob[x];
      normalWords[x >> 5] &= ~(1 << (x & 31));
      if (x < frontier) frontier = x;
      unliftMain(x);
      inInfoPhase = false;
      entry = next[2 * x];
    } else {
      const i = x - m;
      if (!subsume) setHash ^= zob[x];
      infoWords[i >> 5] &= ~(1 << (i & 31));
      unliftInfo(i);
      classPrefix[infoClass[i]]--;
      infoLeft++;
      boundary = stackBoundary[sp];
      boundarySeq = boundary === NIL ? Infinity : seq[boundary];
      inInfoPhase = true;
      infoCursor = infoNext[i];
    }
  }
}
