/**
 * The services layer wired the way a Raft host will wire it, without Raft:
 * three replicas apply one committed log; whichever node leads runs a
 * LeaseKeeper on its own monotonic clock (each node's clock has a different
 * origin) and proposes what it returns; a client keeps a lease alive with a
 * ClientLeaseTimer. Then the leader dies and another takes over.
 */
import { describe, expect, it } from 'vitest';
import { ClientLeaseTimer } from './client-lease-timer.js';
import { encodeCommand } from './codec.js';
import { grantLeaseCommand, keepAliveLeaseCommand, putCommand } from './commands.js';
import { LeaseKeeper } from './lease-keeper.js';
import { ServiceStateMachine } from './state-machine.js';
import { utf8 } from './__fixtures__/harness.js';
import type { Command } from './commands.js';
import type { ApplyResult } from './results.js';

const CONFIG = { electionTimeoutMs: 500 }; // leases ≥ 1000 ms, checkpoint every 500 ms

class Node {
  readonly sm = new ServiceStateMachine(CONFIG);
  readonly keeper = new LeaseKeeper({ checkpointIntervalMs: this.sm.config.checkpointIntervalMs });
  alive = true;

  constructor(
    readonly originMs: number,
    readonly world: World,
  ) {
    this.sm.onLeaseEvent((e) => this.keeper.observe(e, this.monoNowMs()));
  }

  monoNowMs(): number {
    return this.world.realMs + this.originMs;
  }
}

class World {
  realMs = 0;
  index = 0;
  readonly nodes = [new Node(1_000, this), new Node(-40_000, this), new Node(7_777, this)];
  leader: Node = this.nodes[0];

  /** Commit a command: every live replica applies it now; returns the leader's result. */
  commit(command: Command): ApplyResult {
    const entry = { index: ++this.index, term: 1, data: encodeCommand(command) };
    let result: ApplyResult | undefined;
    for (const n of this.nodes) {
      if (!n.alive) continue;
      const r = n.sm.apply(entry);
      if (n === this.leader) result = r;
    }
    return result!;
  }

  /** The leader's periodic work: heartbeat (a quorum answers at once here), then its keeper. */
  leaderTick(): void {
    const now = this.leader.monoNowMs();
    for (const p of this.leader.keeper.tick(now, { leadershipConfirmedAtMs: now })) this.commit(p);
  }
}

describe('replicas, a lease, and a leader change', () => {
  it('keeps the lease across the change, bounds the extension, and the client lets go first', () => {
    const w = new World();
    const [a, b, c] = w.nodes;
    a.keeper.becameLeader(a.monoNowMs(), a.sm.leases());
    const clientTimer = new ClientLeaseTimer({ maxDriftPpm: 500, safetyMarginMs: 20 });
    const tickMs = 50;

    // t=0: the client asks for a lease; the leader applies the grant at t=5.
    w.realMs = 5;
    const granted = w.commit(grantLeaseCommand({ ttlMs: 2000 }));
    if (!granted.ok) throw new Error('grant failed');
    const { leaseId } = granted.value as { leaseId: number };
    clientTimer.confirmed(0, 2000);
    w.commit(putCommand({ key: 'service/a', value: utf8('10.0.0.1'), leaseId }));

    // Keep-alives every 600 ms until t=1200 (sent 5 ms before they apply), leader ticks every 50 ms.
    let lastDeadlineReal = 0;
    for (w.realMs = 50; w.realMs <= 1500; w.realMs += tickMs) {
      if (w.realMs % 600 === 0) {
        w.commit(keepAliveLeaseCommand({ leaseId }));
        clientTimer.confirmed(w.realMs - 5, 2000);
      }
      w.leaderTick();
      lastDeadlineReal = a.keeper.deadlineMs(leaseId)! - a.originMs;
    }
    expect(lastDeadlineReal).toBe(1200 + 2000);

    // t=1500: A dies. After a 700 ms leaderless gap B leads, from what the log recorded.
    a.alive = false;
    w.realMs = 2200;
    w.leader = b;
    b.keeper.becameLeader(b.monoNowMs(), b.sm.leases());
    const newDeadlineReal = b.keeper.deadlineMs(leaseId)! - b.originMs;
    const extensionMs = newDeadlineReal - lastDeadlineReal;
    expect(extensionMs).toBeGreaterThanOrEqual(0);
    expect(extensionMs).toBeLessThanOrEqual(b.sm.config.checkpointIntervalMs + tickMs + 700);

    // B ticks; the lease expires through the log no earlier than its (extended) deadline.
    let expiredAtReal: number | null = null;
    for (w.realMs = 2250; w.realMs <= 6000 && expiredAtReal === null; w.realMs += tickMs) {
      w.leaderTick();
      if (b.sm.lease(leaseId) === undefined) expiredAtReal = w.realMs;
    }
    expect(expiredAtReal).not.toBeNull();
    expect(expiredAtReal!).toBeGreaterThanOrEqual(newDeadlineReal);
    expect(expiredAtReal!).toBeLessThan(newDeadlineReal + 2 * tickMs);
    expect(b.sm.get('service/a').kv).toBeNull();
    // The client stopped trusting the lease before any server could drop it (client clock = real time here).
    expect(clientTimer.expiresAtMs!).toBeLessThan(lastDeadlineReal);
    // Live replicas agree byte for byte.
    expect(Buffer.from(c.sm.snapshot()).equals(Buffer.from(b.sm.snapshot()))).toBe(true);
    // The log-carried session clock kept ticking under both leaders.
    expect(b.sm.stats().clockTicks).toBeGreaterThanOrEqual(6);
  });
});
