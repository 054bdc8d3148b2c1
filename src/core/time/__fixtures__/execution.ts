/**
 * Random multi-node executions for the clock property tests: local events,
 * sends and receives in arbitrary interleavings (messages may be delayed,
 * reordered and duplicated), each with an arbitrary physical clock reading.
 * The runner records the happened-before relation explicitly, so a clock's
 * stamps can be checked against it.
 */
import fc from 'fast-check';

export type StepKind = 'local' | 'send' | 'receive';

export interface Step {
  readonly kind: StepKind;
  readonly node: number;
  /** Which in-flight message a receive takes (modulo the candidates). */
  readonly pick: number;
  /** The node's physical clock reading at this step. */
  readonly physicalMs: number;
}

export interface RecordedEvent<S> {
  readonly id: number;
  readonly node: number;
  readonly kind: StepKind;
  readonly physicalMs: number;
  readonly stamp: S;
  /** Ids of every event that happened-before this one (transitively). */
  readonly preds: ReadonlySet<number>;
}

export interface ClockUnderTest<S> {
  local(node: number, physicalMs: number): S;
  send(node: number, physicalMs: number): S;
  /** Return undefined when the clock refuses the message (no event happens). */
  receive(node: number, physicalMs: number, message: S): S | undefined;
}

export function stepsArb(options: { nodes: number; maxSteps: number; minPhysicalMs?: number; maxPhysicalMs?: number }): fc.Arbitrary<Step[]> {
  const step = fc.record({
    kind: fc.constantFrom<StepKind>('local', 'send', 'send', 'receive', 'receive', 'receive'),
    node: fc.nat(options.nodes - 1),
    pick: fc.nat(1000),
    physicalMs: fc.integer({ min: options.minPhysicalMs ?? 1, max: options.maxPhysicalMs ?? 50 }),
  });
  return fc.array(step, { maxLength: options.maxSteps });
}

/** Play `steps` against `clock`; a receive with nothing to receive becomes a local event. */
export function runExecution<S>(nodes: number, steps: readonly Step[], clock: ClockUnderTest<S>): RecordedEvent<S>[] {
  const events: RecordedEvent<S>[] = [];
  const lastOnNode: number[] = new Array<number>(nodes).fill(-1);
  const sends: Array<{ eventId: number; from: number }> = [];
  for (const step of steps) {
    const preds = new Set<number>();
    const prev = lastOnNode[step.node];
    if (prev >= 0) {
      preds.add(prev);
      for (const p of events[prev].preds) preds.add(p);
    }
    let kind = step.kind;
    const candidates = kind === 'receive' ? sends.filter((s) => s.from !== step.node) : [];
    if (kind === 'receive' && candidates.length === 0) kind = 'local';
    let stamp: S | undefined;
    if (kind === 'receive') {
      const source = candidates[step.pick % candidates.length];
      stamp = clock.receive(step.node, step.physicalMs, events[source.eventId].stamp);
      if (stamp === undefined) continue; // refused: no event
      preds.add(source.eventId);
      for (const p of events[source.eventId].preds) preds.add(p);
    } else if (kind === 'send') {
      stamp = clock.send(step.node, step.physicalMs);
    } else {
      stamp = clock.local(step.node, step.physicalMs);
    }
    const id = events.length;
    events.push({ id, node: step.node, kind, physicalMs: step.physicalMs, stamp, preds });
    lastOnNode[step.node] = id;
    if (kind === 'send') sends.push({ eventId: id, from: step.node });
  }
  return events;
}

/** A `now` whose reading the test sets before each call. */
export class SettableNow {
  ms = 0;
  readonly now = (): number => this.ms;
}
