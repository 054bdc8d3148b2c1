/**
 * The nemesis: one fault at a time on the processes and links of a
 * ChaosCluster, drawn from a seeded Rng (plus an independent clock-skew
 * loop), each recorded in the history as `nemesis` events so a reader of the
 * history sees what happened when.
 *
 *   kill       kill -9 a node (the leader half the time), restart it later
 *   pause      SIGSTOP a node (usually the leader) past the lease TTLs, then SIGCONT
 *   partition  cut one node off both ways (the leader half the time)
 *   one-way    a node's outbound (or inbound) links go silent; the other direction works
 *   bridge     two nodes cannot talk to each other; a third talks to both
 *   delay      every link (or one node's) gets 20–250 ms ± jitter
 *   skew       a node's wall clock jumps by up to ±60 s (concurrently with the others)
 *
 * Kinds are dealt from a shuffled deck, so every kind happens once before any
 * happens twice. `healAll()` undoes everything that is still in effect.
 */
import type { HistoryRecorder } from '../../check/index.js';
import { NEMESIS } from '../../check/index.js';
import type { Rng } from '../../core/random/index.js';
import { shuffleInPlace } from '../../core/random/index.js';
import { sleepMs } from '../../node/clock.js';
import type { ChaosCluster, ChaosNode } from './cluster.js';

export const FAULT_KINDS = ['kill', 'pause', 'partition', 'one-way', 'bridge', 'delay', 'skew'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface NemesisTiming {
  /** How long a fault stays in effect, ms: uniform in [min, max]. */
  readonly holdMsMin: number;
  readonly holdMsMax: number;
  /** Calm between faults, ms. */
  readonly calmMsMin: number;
  readonly calmMsMax: number;
  /** A pause lasts at least this long (past the lease TTLs the workload uses), ms. */
  readonly pauseMsMin: number;
}

export interface FaultRecord {
  readonly kind: FaultKind;
  readonly target: string;
  readonly atMs: number;
  readonly heldMs: number;
}

export interface NemesisOptions {
  readonly cluster: ChaosCluster;
  readonly rng: Rng;
  readonly history: HistoryRecorder;
  readonly kinds: readonly FaultKind[];
  readonly timing: NemesisTiming;
  readonly log: (line: string) => void;
  /** Monotonic ms since the run started (for the fault log). */
  readonly elapsedMs: () => number;
}

export async function findLeader(cluster: ChaosCluster): Promise<string | undefined> {
  const answers = await Promise.all(
    cluster.nodes
      .filter((n) => n.state === 'running')
      .map(async (n) => {
        try {
          const response = await fetch(`${n.httpUrl}/v1/cluster`, { signal: AbortSignal.timeout(1000) });
          const body = (await response.json()) as { leader?: string | null; term?: number };
          return typeof body.leader === 'string' ? { leader: body.leader, term: body.term ?? 0 } : undefined;
        } catch {
          return undefined;
        }
      }),
  );
  let best: { leader: string; term: number } | undefined;
  for (const a of answers) if (a !== undefined && (best === undefined || a.term > best.term)) best = a;
  return best?.leader;
}

export class Nemesis {
  readonly faults: FaultRecord[] = [];
  /** Faults that could not be applied or undone (e.g. a node that would not restart). */
  readonly errors: string[] = [];
  readonly #o: NemesisOptions;
  readonly #skewed = new Set<string>();
  /** Aborts when the run's stop() turns true: holds and calms end early so the run ends on time. */
  #stopSignal: AbortSignal = new AbortController().signal;

  constructor(options: NemesisOptions) {
    this.#o = options;
  }

  get counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const f of this.faults) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
    return counts;
  }

  /** Inject faults until `stop()`; the last fault is healed before returning. */
  async run(stop: () => boolean): Promise<void> {
    const controller = new AbortController();
    this.#stopSignal = controller.signal;
    const poll = setInterval(() => {
      if (stop()) controller.abort();
    }, 50);
    const loops: Promise<void>[] = [];
    const main = this.#o.kinds.filter((k) => k !== 'skew');
    if (main.length > 0) loops.push(this.#loop(main, stop));
    if (this.#o.kinds.includes('skew')) loops.push(this.#loop(['skew'], stop));
    try {
      await Promise.all(loops);
    } finally {
      clearInterval(poll);
    }
  }

  /** Sleep, but wake when the run stops. */
  #hold(ms: number): Promise<void> {
    return sleepMs(ms, this.#stopSignal).catch(() => {});
  }

  async #loop(kinds: readonly FaultKind[], stop: () => boolean): Promise<void> {
    const { timing, rng } = this.#o;
    let deck: FaultKind[] = [];
    await this.#hold(rng.intBetween(timing.calmMsMin, timing.calmMsMax));
    while (!stop()) {
      if (deck.length === 0) deck = shuffleInPlace([...kinds], rng);
      const kind = deck.pop()!;
      try {
        await this.#inject(kind);
      } catch (error) {
        const message = `${kind}: ${error instanceof Error ? error.message : String(error)}`;
        this.errors.push(message);
        this.#o.log(`nemesis: FAILED ${message}`);
      }
      if (stop()) break;
      await this.#hold(rng.intBetween(timing.calmMsMin, timing.calmMsMax));
    }
  }

  async #inject(kind: FaultKind): Promise<void> {
    const { cluster, rng, timing } = this.#o;
    const hold = (): number => rng.intBetween(timing.holdMsMin, timing.holdMsMax);
    const running = cluster.nodes.filter((n) => n.state === 'running');
    if (running.length === 0) return;
    const leaderId = await findLeader(cluster);
    const pickTarget = (leaderBias: number): ChaosNode => {
      const leader = running.find((n) => n.id === leaderId);
      return leader !== undefined && rng.chance(leaderBias) ? leader : running[rng.int(running.length)];
    };
    const startMs = this.#o.elapsedMs();
    let target = '';
    let heldMs = 0;
    switch (kind) {
      case 'kill': {
        const node = pickTarget(0.5);
        target = node.id;
        this.#event('kill', { node: node.id, leader: node.id === leaderId });
        await node.kill();
        heldMs = hold();
        await this.#hold(heldMs);
        await this.#restart(node);
        break;
      }
      case 'pause': {
        const node = pickTarget(0.7);
        target = node.id;
        heldMs = Math.max(timing.pauseMsMin, hold());
        this.#event('pause', { node: node.id, leader: node.id === leaderId, ms: heldMs });
        node.pause();
        await this.#hold(heldMs);
        node.resume();
        this.#event('resume', { node: node.id });
        break;
      }
      case 'partition': {
        const node = pickTarget(0.5);
        const others = cluster.nodes.filter((n) => n !== node).map((n) => n.id);
        target = `${node.id} | ${others.join(',')}`;
        heldMs = hold();
        this.#event('start-partition', { isolated: node.id, leader: node.id === leaderId });
        cluster.partition([node.id], others);
        await this.#hold(heldMs);
        this.#healNetwork();
        break;
      }
      case 'one-way': {
        const node = pickTarget(0.6);
        const outbound = rng.chance(0.5);
        const others = cluster.nodes.filter((n) => n !== node).map((n) => n.id);
        target = outbound ? `${node.id} → ${others.join(',')} silent` : `${others.join(',')} → ${node.id} silent`;
        heldMs = hold();
        this.#event('start-one-way', { node: node.id, direction: outbound ? 'outbound' : 'inbound', leader: node.id === leaderId });
        for (const other of others) {
          if (outbound) cluster.cut(node.id, other);
          else cluster.cut(other, node.id);
        }
        await this.#hold(heldMs);
        this.#healNetwork();
        break;
      }
      case 'bridge': {
        const ids = shuffleInPlace(cluster.nodes.map((n) => n.id), rng);
        const [bridge, a, b] = ids;
        target = `${a} x ${b} (via ${bridge})`;
        heldMs = hold();
        this.#event('start-bridge', { bridge, cut: [a, b] });
        cluster.partition([a], [b]);
        await this.#hold(heldMs);
        this.#healNetwork();
        break;
      }
      case 'delay': {
        const delayMs = rng.intBetween(20, 250);
        const jitterMs = rng.intBetween(0, 100);
        const one = rng.chance(0.5) ? pickTarget(0.5).id : undefined;
        target = `${one ?? 'all links'} +${delayMs}±${jitterMs} ms`;
        heldMs = hold();
        this.#event('start-delay', { node: one ?? null, delayMs, jitterMs });
        for (const proxy of cluster.proxies.values()) if (one === undefined || proxy.from === one || proxy.to === one) proxy.setDelay(delayMs, jitterMs);
        await this.#hold(heldMs);
        this.#healNetwork();
        break;
      }
      case 'skew': {
        const node = running[rng.int(running.length)];
        const offsetMs = (rng.chance(0.5) ? -1 : 1) * rng.intBetween(500, 60_000);
        target = `${node.id} ${offsetMs > 0 ? '+' : ''}${offsetMs} ms`;
        heldMs = hold() * 2;
        this.#event('skew', { node: node.id, offsetMs });
        await this.#skew(node.id, offsetMs);
        await this.#hold(heldMs);
        await this.#skew(node.id, 0);
        break;
      }
    }
    this.faults.push({ kind, target, atMs: startMs, heldMs });
    this.#o.log(`nemesis: ${kind} ${target} for ${heldMs} ms (at ${(startMs / 1000).toFixed(1)} s)`);
  }

  async #restart(node: ChaosNode): Promise<void> {
    try {
      await node.start();
      this.#event('restart', { node: node.id });
    } catch (error) {
      this.#event('restart-failed', { node: node.id, error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }

  async #skew(id: string, offsetMs: number): Promise<void> {
    try {
      await retryTwice(() => this.#o.cluster.skewClock(id, offsetMs));
      if (offsetMs === 0) this.#skewed.delete(id);
      else this.#skewed.add(id);
    } catch (error) {
      // A node killed meanwhile restarts with a true clock; anything else is worth a line.
      this.#o.log(`nemesis: clock skew of ${id} to ${offsetMs} ms failed: ${error instanceof Error ? error.message : String(error)}`);
      if (offsetMs !== 0) this.#skewed.add(id);
    }
  }

  #healNetwork(): void {
    this.#o.cluster.healNetwork();
    this.#event('heal', null);
  }

  /** Undo everything still in effect: links, pauses, dead nodes, skewed clocks. */
  async healAll(): Promise<void> {
    const { cluster } = this.#o;
    cluster.healNetwork();
    for (const node of cluster.nodes) if (node.state === 'paused') node.resume();
    for (const node of cluster.nodes) if (node.state === 'killed' || node.state === 'stopped') await this.#restart(node);
    for (const id of [...this.#skewed]) await this.#skew(id, 0);
    this.#event('heal-all', null);
  }

  #event(f: string, value: unknown): void {
    const op = this.#o.history.invoke(NEMESIS, f, value);
    this.#o.history.info(op);
  }
}

async function retryTwice(f: () => Promise<void>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await f();
    } catch (error) {
      if (attempt >= 2) throw error;
      await sleepMs(200);
    }
  }
}
