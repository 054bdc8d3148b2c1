/**
 * A SWIM member with the Lifeguard refinements, as HashiCorp memberlist runs
 * it, driven by an `Env` and nothing else (its clock, timers, network and
 * seeded rng), so the simulator and the Node runtime run the same code.
 *
 * Every probe interval the node probes one member (randomised round robin):
 * a ping, and if no ack comes within the probe timeout, indirect pings
 * through `indirectChecks` other members, who nack if they cannot reach it
 * either. No ack by the end of the (health-scaled) interval: the member is
 * suspected. Suspicions, deaths and refutations spread by piggybacking on
 * every packet and by gossip to a few random members; a periodic full state
 * exchange (push/pull) repairs whatever gossip missed. See docs/MEMBERSHIP.md.
 */
import type { Env, NodeId, TimerId } from '../env/index.js';
import type { Event } from '../core/resilience/index.js';
import { shuffleInPlace } from '../core/random/index.js';
import { pushPullScaleMs } from './arithmetic.js';
import { decodePacket, encodePacket, encodePart, isValidMemberName } from './codec.js';
import { resolveConfig, type MembershipConfig } from './config.js';
import { isMembershipDecodeError, MembershipConfigError, MembershipUsageError } from './errors.js';
import type { MemberSnapshot, MembershipEvent } from './events.js';
import { JOIN_SEEDS_PER_ATTEMPT_MAX, PACKET_HEADER_BYTES, PACKET_TRAILER_BYTES, PARTS_PER_PACKET_MAX, RELAYS_MAX, STATE_PACKET_BYTES_MAX, U32_MAX } from './limits.js';
import type { Member } from './member-table.js';
import type { IndirectPingMessage, MembershipMessage, PushPullMessage } from './messages.js';
import { MembershipState } from './state.js';

/** The part of the Env a member uses. */
export type MembershipEnv = Pick<Env, 'nodeId' | 'monoNowMs' | 'setTimer' | 'clearTimer' | 'send' | 'rng' | 'log'>;

export interface MembershipNodeOptions {
  /** Overrides of `DEFAULT_LAN_CONFIG`. */
  readonly config?: Partial<MembershipConfig>;
  /**
   * Members of a statically configured cluster that all start together,
   * assumed alive at incarnation 1. A node that (re)joins a running cluster
   * passes none and calls `join(seeds)` instead. Kept for reconnecting
   * (a frozen array is shared, any other is copied).
   */
  readonly members?: readonly string[];
}

export interface MembershipStats {
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Received packets that did not decode (dropped). */
  garbage: number;
  /** Pings addressed to another name (dropped). */
  misdirectedPings: number;
  /** Acks and nacks for no probe in progress (late, duplicated). */
  staleAcks: number;
  /** State exchanges nobody asked for (dropped). */
  unsolicitedStates: number;
  /** Indirect-ping requests refused because `RELAYS_MAX` were in progress. */
  relaysDropped: number;
  probes: number;
  /** Probes that ended with no ack, direct or indirect (each starts or confirms a suspicion). */
  probesFailed: number;
  indirectPings: number;
  nacksSent: number;
  refutations: number;
  membersDropped: number;
}

interface Probe {
  readonly seq: number;
  readonly target: string;
  readonly incarnation: number;
  acked: boolean;
  nacks: number;
  expectedNacks: number;
  directTimer: TimerId | undefined;
  deadlineTimer: TimerId | undefined;
}

interface Relay {
  readonly requester: NodeId;
  readonly seq: number;
  readonly nack: boolean;
  readonly timer: TimerId;
}

const DATAGRAM_OVERHEAD_BYTES = PACKET_HEADER_BYTES + PACKET_TRAILER_BYTES;

export class MembershipNode {
  readonly name: string;
  readonly config: MembershipConfig;
  /** Every change in this node's view of the other members. Listeners must not call back into the node. */
  readonly onEvent: Event<MembershipEvent>;
  readonly #env: MembershipEnv;
  readonly #state: MembershipState;
  readonly #stats: MembershipStats;
  #started = false;
  #stopped = false;
  #seq = 0;
  #probe: Probe | undefined;
  readonly #relays = new Map<number, Relay>();
  /** Peers we sent a push/pull request or join to, with the monotonic time sent. */
  readonly #pendingStates = new Map<NodeId, number>();
  readonly #timers = new Set<TimerId>();
  #joinSeeds: string[] = [];
  /** Configured members to reconnect to when we do not see them alive: the static list (shared if frozen) and the join seeds. */
  readonly #staticMembers: readonly string[];
  #joinDeadlineMs = 0;
  #joined = false;

  constructor(env: MembershipEnv, options: MembershipNodeOptions = {}) {
    if (!isValidMemberName(env.nodeId)) throw new MembershipConfigError(`MembershipNode: node id must be 1–128 printable ASCII characters, got ${JSON.stringify(env.nodeId)}`);
    this.name = env.nodeId;
    this.config = resolveConfig(options.config);
    this.#env = env;
    this.#state = new MembershipState(this.name, this.config, env, () => env.monoNowMs(), env.rng);
    this.onEvent = this.#state.events.event;
    this.#stats = {
      packetsSent: 0, packetsReceived: 0, bytesSent: 0, bytesReceived: 0, garbage: 0, misdirectedPings: 0, staleAcks: 0,
      unsolicitedStates: 0, relaysDropped: 0, probes: 0, probesFailed: 0, indirectPings: 0, nacksSent: 0, refutations: 0, membersDropped: 0,
    };
    for (const name of options.members ?? []) {
      if (!isValidMemberName(name)) throw new MembershipConfigError(`MembershipNode: member names must be 1–128 printable ASCII characters, got ${JSON.stringify(name)}`);
    }
    const members = options.members ?? [];
    this.#staticMembers = Object.isFrozen(members) ? members : Object.freeze([...members]);
    this.#state.setAlive();
    for (const name of members) this.#state.addStatic(name);
  }

  /** Start probing, gossiping and exchanging state (each on a random stagger, so members do not synchronise). */
  start(): void {
    if (this.#started) throw new MembershipUsageError('MembershipNode.start: already started');
    this.#started = true;
    const c = this.config;
    this.#after(this.#env.rng.next() * c.probeIntervalMs, () => this.#probeTick());
    if (c.gossipNodes > 0) this.#after(this.#env.rng.next() * c.gossipIntervalMs, () => this.#gossipTick());
    if (c.pushPullIntervalMs > 0) this.#after(this.#env.rng.next() * c.pushPullIntervalMs, () => this.#pushPullTick());
    if (c.reconnectIntervalMs > 0) this.#after(this.#env.rng.next() * c.reconnectIntervalMs, () => this.#reconnectTick());
  }

  /**
   * Join a running cluster through `seeds` (names of members to contact): a
   * full state exchange with up to three of them, retried every probe
   * interval until one answers or `joinTimeoutMs` has passed.
   */
  join(seeds: readonly string[]): void {
    for (const s of seeds) {
      if (!isValidMemberName(s)) throw new MembershipConfigError(`MembershipNode.join: seed names must be 1–128 printable ASCII characters, got ${JSON.stringify(s)}`);
    }
    this.#joinSeeds = seeds.filter((s) => s !== this.name);
    this.#joined = false;
    this.#joinDeadlineMs = this.#env.monoNowMs() + this.config.joinTimeoutMs;
    this.#joinAttempt();
  }

  /** Whether `stop()` was called (a stopped node ignores all input). */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Whether a join (if any was asked for) got an answer. */
  get joined(): boolean {
    return this.#joined;
  }

  /** Leave gracefully: broadcast our departure. Keep the node running a little (a few gossip rounds), then `stop()`. */
  leave(): void {
    this.#state.leave();
  }

  /** Stop every timer; the node ignores all input from now on. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const id of this.#timers) this.#env.clearTimer(id);
    this.#timers.clear();
    this.#state.stop();
    for (const r of this.#relays.values()) this.#env.clearTimer(r.timer);
    this.#relays.clear();
    this.#probe = undefined;
  }

  /** Hand an incoming packet to the node (bytes from the transport). Garbage is dropped and counted. */
  receive(from: NodeId, data: unknown): void {
    if (this.#stopped) return;
    let messages: MembershipMessage[];
    try {
      messages = decodePacket(data, this.config.packetBytesMax);
    } catch (error) {
      if (!isMembershipDecodeError(error)) throw error;
      this.#stats.garbage++;
      this.#env.log('membership-garbage', { from, reason: error.message });
      return;
    }
    this.#stats.packetsReceived++;
    this.#stats.bytesReceived += (data as Uint8Array).length;
    for (const m of messages) this.#handle(from, m);
  }

  // ------------------------------------------------------------ queries

  get incarnation(): number {
    return this.#state.incarnation;
  }

  /** Local health score, 0 (healthy) … awarenessMaxMultiplier − 1. */
  get healthScore(): number {
    return this.#state.awareness.score;
  }

  /** Members known, this node included, dead ones until reaped. */
  get memberCount(): number {
    return this.#state.table.size;
  }

  member(name: string): MemberSnapshot | undefined {
    const m = this.#state.table.get(name);
    return m === undefined ? undefined : snapshot(m);
  }

  /** Every member this node knows, sorted by name. */
  members(): MemberSnapshot[] {
    return this.#state.table.all().map(snapshot).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Broadcasts waiting to be gossiped. */
  get pendingBroadcasts(): number {
    return this.#state.broadcasts.size;
  }

  get stats(): Readonly<MembershipStats> {
    this.#stats.refutations = this.#state.counters.refutations;
    this.#stats.membersDropped = this.#state.counters.membersDropped;
    return this.#stats;
  }

  // ------------------------------------------------------------ probing

  #probeTick(): void {
    this.#after(this.config.probeIntervalMs, () => this.#probeTick());
    // A probe still waiting for its (health-scaled) deadline holds the next one back (memberlist blocks the ticker).
    if (this.#probe !== undefined) return;
    const target = this.#state.table.nextProbeTarget(this.name, this.#env.monoNowMs(), this.config.gossipToTheDeadMs);
    if (target !== undefined) this.#probeMember(target);
  }

  #probeMember(target: Member): void {
    const c = this.config;
    const probe: Probe = {
      seq: this.#nextSeq(),
      target: target.name,
      incarnation: target.incarnation,
      acked: false,
      nacks: 0,
      expectedNacks: 0,
      directTimer: undefined,
      deadlineTimer: undefined,
    };
    this.#probe = probe;
    this.#stats.probes++;
    const parts = [encodePart({ type: 'ping', seq: probe.seq, target: target.name })];
    // Lifeguard's buddy system: tell a suspect it is suspected, so it can refute at once.
    if (target.state !== 'alive') parts.push(encodePart({ type: 'suspect', incarnation: target.incarnation, node: target.name, from: this.name }));
    this.#sendPacket(target.name, parts);
    probe.directTimer = this.#after(c.probeTimeoutMs, () => this.#onDirectTimeout(probe));
    probe.deadlineTimer = this.#after(this.#state.awareness.scaleTimeout(c.probeIntervalMs), () => this.#onProbeDeadline(probe));
  }

  #onDirectTimeout(probe: Probe): void {
    probe.directTimer = undefined;
    if (probe.acked || this.#probe !== probe) return;
    const helpers = this.#state.table.randomMembers(this.config.indirectChecks, (m) => m.name !== this.name && m.name !== probe.target && m.state === 'alive');
    for (const h of helpers) {
      const ind: IndirectPingMessage = { type: 'indirect-ping', seq: probe.seq, target: probe.target, nack: true };
      this.#sendPacket(h.name, [encodePart(ind)]);
      this.#stats.indirectPings++;
    }
    probe.expectedNacks = helpers.length;
  }

  #onProbeDeadline(probe: Probe): void {
    probe.deadlineTimer = undefined;
    if (this.#probe !== probe) return;
    this.#probe = undefined;
    if (probe.acked) return;
    // Lifeguard: helpers that did not even nack suggest the trouble is ours; with no helpers, any failure counts.
    const delta = probe.expectedNacks > 0 ? Math.max(0, probe.expectedNacks - probe.nacks) : 1;
    this.#state.awareness.applyDelta(delta);
    this.#stats.probesFailed++;
    this.#state.suspect({ type: 'suspect', incarnation: probe.incarnation, node: probe.target, from: this.name });
  }

  #onAck(from: NodeId, seq: number): void {
    const probe = this.#probe;
    if (probe !== undefined && probe.seq === seq && !probe.acked) {
      probe.acked = true;
      this.#probe = undefined;
      this.#clear(probe.directTimer);
      this.#clear(probe.deadlineTimer);
      this.#state.awareness.applyDelta(-1);
      return;
    }
    const relay = this.#relays.get(seq);
    if (relay !== undefined) {
      this.#relays.delete(seq);
      this.#env.clearTimer(relay.timer);
      this.#sendPacket(relay.requester, [encodePart({ type: 'ack', seq: relay.seq })]);
      return;
    }
    this.#stats.staleAcks++;
  }

  #onNack(seq: number): void {
    const probe = this.#probe;
    if (probe !== undefined && probe.seq === seq && probe.nacks < probe.expectedNacks) probe.nacks++;
    else this.#stats.staleAcks++;
  }

  /** Probe `target` on behalf of `requester`; ack back if it answers, nack if it does not in time. */
  #relay(requester: NodeId, m: IndirectPingMessage): void {
    if (this.#relays.size >= RELAYS_MAX) {
      this.#stats.relaysDropped++;
      return;
    }
    const seq = this.#nextSeq();
    const timer = this.#env.setTimer(this.config.probeTimeoutMs, () => {
      if (this.#relays.get(seq) !== relay) return;
      this.#relays.delete(seq);
      if (relay.nack && !this.#stopped) {
        this.#stats.nacksSent++;
        this.#sendPacket(requester, [encodePart({ type: 'nack', seq: m.seq })]);
      }
    });
    const relay: Relay = { requester, seq: m.seq, nack: m.nack, timer };
    this.#relays.set(seq, relay);
    this.#sendPacket(m.target, [encodePart({ type: 'ping', seq, target: m.target })]);
  }

  // ------------------------------------------------------------ gossip and state exchange

  #gossipTick(): void {
    this.#after(this.config.gossipIntervalMs, () => this.#gossipTick());
    const state = this.#state;
    if (state.broadcasts.size === 0) return;
    const now = this.#env.monoNowMs();
    const c = this.config;
    // Alive and suspect members, and the recently dead (so they can learn of it and refute); not those who left.
    const targets = state.table.randomMembers(c.gossipNodes, (m) => {
      if (m.name === this.name) return false;
      if (m.state === 'alive' || m.state === 'suspect') return true;
      return m.state === 'dead' && now - m.stateChangeMs <= c.gossipToTheDeadMs;
    });
    const limit = state.transmitLimit();
    for (const t of targets) {
      const parts = state.broadcasts.take(0, c.packetBytesMax - DATAGRAM_OVERHEAD_BYTES, limit, PARTS_PER_PACKET_MAX);
      if (parts.length === 0) return;
      this.#sendRaw(t.name, encodePacket(parts, c.packetBytesMax));
    }
  }

  #pushPullTick(): void {
    const c = this.config;
    this.#after(pushPullScaleMs(c.pushPullIntervalMs, this.#state.table.size), () => this.#pushPullTick());
    const [peer] = this.#state.table.randomMembers(1, (m) => m.name !== this.name && m.state === 'alive');
    if (peer !== undefined) this.#sendState(peer.name, 'request');
  }

  /** Try one configured member we do not see alive (dead, or reaped): a healed partition reunites. */
  #reconnectTick(): void {
    this.#after(this.config.reconnectIntervalMs, () => this.#reconnectTick());
    if (this.#state.leaving) return;
    const lost: string[] = [];
    for (const list of [this.#staticMembers, this.#joinSeeds]) {
      for (const name of list) {
        if (name === this.name) continue;
        const m = this.#state.table.get(name);
        if (m === undefined || m.state === 'dead') lost.push(name);
      }
    }
    // Only our own entry: it may well be dead, and if it is alive, its answer carries its whole view.
    if (lost.length > 0) this.#sendState(lost[this.#env.rng.int(lost.length)], 'join', true);
  }

  #joinAttempt(): void {
    if (this.#joined || this.#stopped || this.#joinSeeds.length === 0) return;
    if (this.#env.monoNowMs() > this.#joinDeadlineMs) {
      this.#env.log('membership-join-failed', { seeds: this.#joinSeeds.length });
      return;
    }
    const seeds = shuffleInPlace([...this.#joinSeeds], this.#env.rng);
    for (const seed of seeds.slice(0, JOIN_SEEDS_PER_ATTEMPT_MAX)) this.#sendState(seed, 'join');
    this.#after(this.config.probeIntervalMs, () => this.#joinAttempt());
  }

  #sendState(to: NodeId, kind: PushPullMessage['kind'], selfOnly = false): void {
    if (kind !== 'response') {
      this.#expirePendingStates();
      this.#pendingStates.set(to, this.#env.monoNowMs());
    }
    const members = selfOnly ? [{ name: this.name, incarnation: this.#state.incarnation, state: 'alive' as const }] : this.#state.snapshot();
    const message: PushPullMessage = { type: 'push-pull', kind, members };
    this.#sendRaw(to, encodePacket([encodePart(message)], STATE_PACKET_BYTES_MAX));
  }

  #expirePendingStates(): void {
    const now = this.#env.monoNowMs();
    for (const [peer, sentMs] of this.#pendingStates) if (now - sentMs > this.config.joinTimeoutMs) this.#pendingStates.delete(peer);
  }

  #onState(from: NodeId, m: PushPullMessage): void {
    if (m.kind === 'response') {
      if (!this.#pendingStates.delete(from)) {
        this.#stats.unsolicitedStates++;
        return;
      }
      this.#joined = true;
    } else {
      this.#sendState(from, 'response');
    }
    this.#state.merge(m.members);
  }

  // ------------------------------------------------------------ dispatch and sending

  #handle(from: NodeId, m: MembershipMessage): void {
    switch (m.type) {
      case 'ping':
        if (m.target !== this.name) {
          this.#stats.misdirectedPings++;
          return;
        }
        this.#sendPacket(from, [encodePart({ type: 'ack', seq: m.seq })]);
        return;
      case 'indirect-ping':
        this.#relay(from, m);
        return;
      case 'ack':
        this.#onAck(from, m.seq);
        return;
      case 'nack':
        this.#onNack(m.seq);
        return;
      case 'alive':
        this.#state.alive(m);
        return;
      case 'suspect':
        this.#state.suspect(m);
        return;
      case 'dead':
        this.#state.dead(m, 'message');
        return;
      case 'push-pull':
        this.#onState(from, m);
        return;
    }
  }

  /** Send `parts` with as many waiting broadcasts as fit piggybacked (memberlist's sendMsg). */
  #sendPacket(to: NodeId, parts: Uint8Array[]): void {
    const c = this.config;
    let used = DATAGRAM_OVERHEAD_BYTES;
    for (const p of parts) used += p.length;
    const state = this.#state;
    if (state.broadcasts.size > 0) {
      for (const e of state.broadcasts.take(0, c.packetBytesMax - used, state.transmitLimit(), PARTS_PER_PACKET_MAX - parts.length)) parts.push(e);
    }
    this.#sendRaw(to, encodePacket(parts, c.packetBytesMax));
  }

  #sendRaw(to: NodeId, packet: Uint8Array): void {
    if (this.#stopped) return;
    this.#stats.packetsSent++;
    this.#stats.bytesSent += packet.length;
    this.#env.send(to, packet);
  }

  #nextSeq(): number {
    this.#seq = this.#seq >= U32_MAX ? 1 : this.#seq + 1;
    return this.#seq;
  }

  /** A tracked timer (cancelled by `stop`). */
  #after(delayMs: number, fn: () => void): TimerId {
    const id = this.#env.setTimer(delayMs, () => {
      this.#timers.delete(id);
      if (!this.#stopped) fn();
    });
    this.#timers.add(id);
    return id;
  }

  #clear(id: TimerId | undefined): void {
    if (id === undefined) return;
    this.#env.clearTimer(id);
    this.#timers.delete(id);
  }
}

function snapshot(m: Member): MemberSnapshot {
  return { name: m.name, state: m.state, incarnation: m.incarnation, stateChangeMs: m.stateChangeMs };
}

/** Create a member on `env`, route every incoming message to it, and start it. */
export function startMembership(env: Env, options: MembershipNodeOptions = {}): MembershipNode {
  const node = new MembershipNode(env, options);
  env.onMessage((from, message) => node.receive(from, message));
  node.start();
  return node;
}
