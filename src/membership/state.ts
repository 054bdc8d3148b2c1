/**
 * The member state machine (memberlist's aliveNode / suspectNode / deadNode /
 * refute / mergeState in state.go): what a node believes about every member,
 * and how `alive`, `suspect` and `dead` messages change it.
 *
 * The rules that make SWIM safe against stale rumours:
 * - an incarnation number orders the claims about one member; only the member
 *   itself raises it, to refute a suspicion or death (`refute`);
 * - `alive` wins over `suspect` and `dead` only at a higher incarnation;
 *   `suspect` and `dead` win at an equal or higher one;
 * - a suspicion becomes a death only after its timer runs out, and
 *   independent confirmations shorten that timer (Lifeguard).
 * Every accepted change is re-broadcast, so it spreads epidemically.
 */
import type { Rng } from '../core/random/rng.js';
import type { Timers } from '../env/index.js';
import { EventEmitter } from '../core/resilience/index.js';
import { retransmitLimit, suspicionTimeoutMs } from './arithmetic.js';
import { Awareness } from './awareness.js';
import { BroadcastQueue } from './broadcast-queue.js';
import { encodePart } from './codec.js';
import type { MembershipConfig } from './config.js';
import type { MembershipEvent } from './events.js';
import { U32_MAX } from './limits.js';
import { MemberTable, type Member } from './member-table.js';
import type { AliveMessage, DeadMessage, MemberStateEntry, SuspectMessage } from './messages.js';
import { Suspicion } from './suspicion.js';

export interface StateCounters {
  refutations: number;
  /** New member names refused because `membersMax` was reached. */
  membersDropped: number;
}

export class MembershipState {
  readonly self: string;
  readonly table: MemberTable;
  readonly awareness: Awareness;
  readonly broadcasts = new BroadcastQueue();
  readonly events = new EventEmitter<MembershipEvent>();
  readonly counters: StateCounters = { refutations: 0, membersDropped: 0 };
  readonly #config: MembershipConfig;
  readonly #timers: Timers;
  readonly #now: () => number;
  #incarnation = 0;
  #leaving = false;

  constructor(self: string, config: MembershipConfig, timers: Timers, now: () => number, rng: Rng) {
    this.self = self;
    this.#config = config;
    this.#timers = timers;
    this.#now = now;
    this.table = new MemberTable(rng);
    this.awareness = new Awareness(config.awarenessMaxMultiplier);
  }

  get incarnation(): number {
    return this.#incarnation;
  }

  get leaving(): boolean {
    return this.#leaving;
  }

  /** Times one broadcast is sent at the current cluster size. */
  transmitLimit(): number {
    return retransmitLimit(this.#config.retransmitMult, this.table.size);
  }

  /** Announce ourselves alive at the next incarnation (memberlist's setAlive). */
  setAlive(): void {
    this.alive({ type: 'alive', incarnation: this.#nextIncarnation(), node: this.self }, true);
  }

  /** A statically configured member, assumed alive at the first incarnation (no broadcast). */
  addStatic(name: string): void {
    if (name === this.self || this.table.get(name) !== undefined) return;
    if (this.#full()) return;
    const m = this.table.add(name, 'alive', 1, this.#now());
    this.#emit({ type: 'join', member: m.name, incarnation: 1, atMs: m.stateChangeMs });
  }

  /** Leave gracefully: broadcast our own death (memberlist's Leave); we stop refuting. */
  leave(): void {
    if (this.#leaving) return;
    this.#leaving = true;
    this.dead({ type: 'dead', incarnation: this.#incarnation, node: this.self, from: this.self }, 'message');
  }

  alive(a: AliveMessage, bootstrap = false): void {
    const isLocal = a.node === this.self;
    if (this.#leaving && isLocal) return;
    let m = this.table.get(a.node);
    let isNew = false;
    if (m === undefined) {
      if (this.#full()) return;
      // Unknown members enter as dead at incarnation 0, so the alive below is news (memberlist).
      m = this.table.add(a.node, 'dead', 0, this.#now());
      isNew = true;
    }
    if (!isNew && !isLocal && a.incarnation <= m.incarnation) return;
    if (isLocal && a.incarnation < m.incarnation) return;
    this.#clearSuspicion(m);
    const oldState = m.state;
    if (!bootstrap && isLocal) {
      // Our own alive echoed back is fine; any other claim about us at our incarnation or above is refuted.
      if (a.incarnation === m.incarnation) return;
      this.#refute(m, a.incarnation);
      return;
    }
    this.#broadcast(a.node, a);
    m.incarnation = a.incarnation;
    if (m.state !== 'alive') {
      m.state = 'alive';
      m.stateChangeMs = this.#now();
    }
    if (isLocal) return;
    if (isNew || oldState === 'dead' || oldState === 'left') {
      this.#emit({ type: 'join', member: m.name, incarnation: m.incarnation, atMs: m.stateChangeMs });
    } else if (oldState === 'suspect') {
      this.#emit({ type: 'alive', member: m.name, incarnation: m.incarnation, atMs: m.stateChangeMs });
    }
  }

  suspect(s: SuspectMessage): void {
    const m = this.table.get(s.node);
    if (m === undefined || s.incarnation < m.incarnation) return;
    if (m.suspicion !== undefined) {
      // Already suspect: a new accuser is an independent confirmation; re-gossip it so others count it too.
      if (m.suspicion.confirm(s.from, this.#now())) {
        this.#armSuspicionTimer(m, m.suspicion);
        this.#broadcast(s.node, s);
      }
      return;
    }
    if (m.state !== 'alive') return;
    if (m.name === this.self) {
      this.#refute(m, s.incarnation);
      return;
    }
    this.#broadcast(s.node, s);
    const now = this.#now();
    m.incarnation = s.incarnation;
    m.state = 'suspect';
    m.stateChangeMs = now;
    // Confirmations wanted: reach the nominal timeout two probe intervals short of SuspicionMult;
    // none when there are too few other members to give them (memberlist).
    const n = this.table.size;
    let k = this.#config.suspicionMult - 2;
    if (n - 2 < k) k = 0;
    const minMs = suspicionTimeoutMs(this.#config.suspicionMult, n, this.#config.probeIntervalMs);
    const maxMs = this.#config.suspicionMaxTimeoutMult * minMs;
    const suspicion = new Suspicion(s.from, k, minMs, maxMs, now);
    m.suspicion = suspicion;
    this.#armSuspicionTimer(m, suspicion);
    this.#emit({ type: 'suspect', member: m.name, incarnation: m.incarnation, from: s.from, atMs: now });
  }

  dead(d: DeadMessage, cause: 'timeout' | 'message'): void {
    const m = this.table.get(d.node);
    if (m === undefined || d.incarnation < m.incarnation) return;
    this.#clearSuspicion(m);
    if (m.state === 'dead' || m.state === 'left') return;
    if (m.name === this.self && !this.#leaving) {
      this.#refute(m, d.incarnation);
      return;
    }
    this.#broadcast(d.node, d);
    m.incarnation = d.incarnation;
    m.state = d.node === d.from ? 'left' : 'dead';
    m.stateChangeMs = this.#now();
    if (m.name === this.self) return;
    if (m.state === 'left') this.#emit({ type: 'leave', member: m.name, incarnation: m.incarnation, atMs: m.stateChangeMs });
    else this.#emit({ type: 'dead', member: m.name, incarnation: m.incarnation, from: d.from, cause, atMs: m.stateChangeMs });
  }

  /** A peer's full state (push/pull). A remote death is only a suspicion here: we want our own timer to decide. */
  merge(remote: readonly MemberStateEntry[]): void {
    for (const r of remote) {
      switch (r.state) {
        case 'alive':
          this.alive({ type: 'alive', incarnation: r.incarnation, node: r.name });
          break;
        case 'left':
          this.dead({ type: 'dead', incarnation: r.incarnation, node: r.name, from: r.name }, 'message');
          break;
        case 'dead':
        case 'suspect':
          this.suspect({ type: 'suspect', incarnation: r.incarnation, node: r.name, from: this.self });
          break;
      }
    }
  }

  /** Our whole view, for a state exchange. */
  snapshot(): MemberStateEntry[] {
    return this.table.all().map((m) => ({ name: m.name, incarnation: m.incarnation, state: m.state }));
  }

  /** Cancel every suspicion timer (the node is stopping). */
  stop(): void {
    for (const m of this.table.all()) this.#clearSuspicion(m);
  }

  #full(): boolean {
    if (this.table.size < this.#config.membersMax) return false;
    this.counters.membersDropped++;
    return true;
  }

  #nextIncarnation(): number {
    if (this.#incarnation >= U32_MAX) throw new Error('MembershipState: invariant: incarnation exhausted its 32 bits');
    return ++this.#incarnation;
  }

  /** Beat the accusation: an incarnation above `accusedIncarnation`, broadcast alive. */
  #refute(me: Member, accusedIncarnation: number): void {
    if (this.#config.testingBugs?.neverRefute) return;
    let inc = this.#nextIncarnation();
    if (accusedIncarnation >= inc) {
      if (accusedIncarnation >= U32_MAX) throw new Error('MembershipState: invariant: cannot refute past incarnation 2^32 − 1');
      inc = accusedIncarnation + 1;
      this.#incarnation = inc;
    }
    me.incarnation = inc;
    this.counters.refutations++;
    // Being accused is a sign that we, not they, are slow: probe more gently for a while.
    this.awareness.applyDelta(1);
    this.#broadcast(me.name, { type: 'alive', incarnation: inc, node: me.name });
  }

  #armSuspicionTimer(m: Member, suspicion: Suspicion): void {
    if (m.suspicionTimer !== undefined) this.#timers.clearTimer(m.suspicionTimer);
    const delayMs = Math.max(0, suspicion.deadlineMs - this.#now());
    m.suspicionTimer = this.#timers.setTimer(delayMs, () => {
      m.suspicionTimer = undefined;
      // Only the suspicion this timer was armed for: a refuted and renewed one has its own timer.
      if (m.suspicion !== suspicion || m.state !== 'suspect') return;
      this.dead({ type: 'dead', incarnation: m.incarnation, node: m.name, from: this.self }, 'timeout');
    });
  }

  #clearSuspicion(m: Member): void {
    if (m.suspicionTimer !== undefined) this.#timers.clearTimer(m.suspicionTimer);
    m.suspicionTimer = undefined;
    m.suspicion = undefined;
  }

  #broadcast(name: string, message: AliveMessage | SuspectMessage | DeadMessage): void {
    this.broadcasts.queue(name, encodePart(message));
  }

  #emit(event: MembershipEvent): void {
    this.events.fire(event);
  }
}
