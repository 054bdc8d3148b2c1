import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClockSyncMonitor, parseClockSyncMessage, type ClockStatusEvent } from './clock-sync.js';
import { IntervalClock } from './interval.js';

/** True time and a set of clocks derived from it: wall − true = offset + drift·t, mono = origin + t·(1 + drift). */
class World {
  trueMs = 0;
  clock(offsetMs: number, driftPpm = 0, monoOriginMs = 12_345) {
    return worldClock(this, offsetMs, driftPpm, monoOriginMs);
  }
}

function worldClock(world: World, offsetMs: number, driftPpm: number, monoOriginMs: number) {
  let offset = offsetMs;
  const d = driftPpm / 1e6;
  return {
    monoNowMs: () => monoOriginMs + world.trueMs * (1 + d),
    wallNowMs: () => 1_700_000_000_000 + world.trueMs * (1 + d) + offset,
    /** Wall clock minus true time now. */
    trueOffsetMs: () => offset + world.trueMs * d,
    step: (deltaMs: number) => {
      offset += deltaMs;
    },
  };
}

type TestClock = ReturnType<World['clock']>;
const trueWallOffset = (c: TestClock) => c.trueOffsetMs();

/** One exchange: `client` asks `server`, `outMs` there, `backMs` back. */
function exchange(world: World, client: ClockSyncMonitor, server: ClockSyncMonitor, serverName: string, outMs: number, backMs: number): boolean {
  const request = client.request(serverName);
  world.trueMs += outMs;
  const response = server.respond(request);
  world.trueMs += backMs;
  return client.receive(serverName, response);
}

function cluster(world: World, offsets: number[], options: { errorMs?: number; driftPpm?: number[] } = {}) {
  return offsets.map((offset, i) => {
    const clock = world.clock(offset, options.driftPpm?.[i] ?? 0, 1000 * i);
    const monitor = new ClockSyncMonitor({ clocks: clock, maxOffsetMs: 500, selfErrorMs: options.errorMs ?? 5, driftPpm: 200 });
    return { name: `n${i + 1}`, clock, monitor };
  });
}

function syncAll(world: World, nodes: ReturnType<typeof cluster>, delays: (i: number, j: number) => [number, number]): void {
  for (const [i, a] of nodes.entries()) {
    for (const [j, b] of nodes.entries()) {
      if (i !== j) exchange(world, a.monitor, b.monitor, b.name, ...delays(i, j));
    }
  }
}

describe('ClockSyncMonitor', () => {
  it('estimates its own offset within the reported error bound, over asymmetric paths', () => {
    const world = new World();
    const nodes = cluster(world, [300, 1, -2, 0, 2]);
    syncAll(world, nodes, (i, j) => [1 + ((i * 7 + j * 3) % 9), 2 + ((i * 5 + j) % 13)]);
    const me = nodes[0];
    const e = me.monitor.estimate()!;
    expect(Math.abs(e.offsetMs - trueWallOffset(me.clock))).toBeLessThanOrEqual(e.errorMs);
    expect(e.errorMs).toBeLessThan(20);
    expect(e.falsetickers).toEqual([]);
    // 300 ms from everyone is within the 400 ms tolerance (0.8 × 500): safe.
    expect(me.monitor.check().status).toBe('safe');
  });

  it('names a peer whose clock was stepped as the falseticker, and keeps the truth inside the estimate', () => {
    const world = new World();
    const nodes = cluster(world, [0, 1, -2, 0, 2]);
    nodes[3].clock.step(2_000);
    syncAll(world, nodes, () => [3, 4]);
    const e = nodes[0].monitor.estimate()!;
    expect(e.falsetickers).toEqual(['n4']);
    expect(Math.abs(e.offsetMs - trueWallOffset(nodes[0].clock))).toBeLessThanOrEqual(e.errorMs);
    const health = nodes[0].monitor.check();
    expect(health).toMatchObject({ status: 'safe', farPeers: ['n4'], peers: 4 });
    // n4 itself is far from all four others: unsafe.
    expect(nodes[3].monitor.check()).toMatchObject({ status: 'unsafe', peers: 4 });
  });

  it('raises clock-unsafe the moment its own wall clock steps past the tolerance, and clock-safe when it comes back', () => {
    const world = new World();
    const nodes = cluster(world, [0, 1, -2, 0, 2]);
    const events: ClockStatusEvent[] = [];
    nodes[0].monitor.onStatusChange((e) => events.push(e));
    syncAll(world, nodes, () => [2, 2]);
    expect(nodes[0].monitor.status).toBe('safe');
    nodes[0].clock.step(450); // no new sample needed: the monitor reads its own wall − mono
    expect(nodes[0].monitor.check().status).toBe('unsafe');
    nodes[0].clock.step(-450);
    nodes[0].monitor.check();
    expect(events.map((e) => e.type)).toEqual(['clock-safe', 'clock-unsafe', 'clock-safe']);
    expect(events[1].health.farPeers).toEqual(['n2', 'n3', 'n4', 'n5']);
  });

  it('is not unsafe on evidence it cannot be sure of: an offset within the uncertainty of a slow path', () => {
    const world = new World();
    const nodes = cluster(world, [420, 0, 0]);
    syncAll(world, nodes, () => [100, 1]); // δ/2 ≈ 50 ms of uncertainty; 420 − 50 < 400
    const offsets = nodes[0].monitor.peerOffsets();
    expect(offsets.every((o) => !o.far && o.uncertaintyMs > 20)).toBe(true);
    expect(nodes[0].monitor.check().status).toBe('safe');
  });

  it('grows its error with the stated drift between syncs, and forgets samples past their age', () => {
    const world = new World();
    const nodes = cluster(world, [0, 0, 0]);
    syncAll(world, nodes, () => [1, 1]);
    const before = nodes[0].monitor.estimate()!.errorMs;
    world.trueMs += 5_000;
    const after = nodes[0].monitor.estimate()!.errorMs;
    expect(after - before).toBeCloseTo(5_000 * (200e-6 / (1 - 200e-6)), 3);
    world.trueMs += 6_000; // past maxSampleAgeMs (10 s)
    expect(nodes[0].monitor.estimate()).toBeUndefined();
    expect(nodes[0].monitor.check().status).toBe('unknown');
  });

  it('drops and counts responses it did not ask for, late ones and garbage', () => {
    const world = new World();
    const [a, b] = cluster(world, [0, 0]);
    expect(a.monitor.receive('n2', b.monitor.respond({ type: 'clock-sync-request', id: 7 }))).toBe(false);
    const req = a.monitor.request('n2');
    for (const junk of [null, 'x', { type: 'clock-sync-response', id: req.id }, { ...b.monitor.respond(req), errorMs: -1 }, { ...b.monitor.respond(req), sentAtMs: NaN }]) {
      expect(a.monitor.receive('n2', junk)).toBe(false);
    }
    world.trueMs += 6_000;
    expect(a.monitor.receive('n2', b.monitor.respond(req))).toBe(false);
    expect(a.monitor.stats.rejected).toBe(7);
    expect(parseClockSyncMessage({ type: 'clock-sync-request', id: 0 })).toBeUndefined();
    expect(() => new ClockSyncMonitor({ clocks: a.clock, maxOffsetMs: 0 })).toThrow(/maxOffsetMs/);
    expect(() => new ClockSyncMonitor({ clocks: a.clock, maxOffsetMs: 500, unsafeFraction: 1.5 })).toThrow(/unsafeFraction/);
  });

  it('feeds an IntervalClock over the monotonic clock whose interval contains true time', () => {
    const world = new World();
    const nodes = cluster(world, [250, 3, -3, 1, 0], { driftPpm: [150, -100, 50, 0, 180] });
    syncAll(world, nodes, (i, j) => [1 + ((i + j) % 5), 1 + ((i * j) % 7)]);
    const me = nodes[0];
    // The monitor's sample predates the clock: take the tightest bound, not the newest.
    const tt = new IntervalClock({ now: me.clock.monoNowMs, errorMs: 1e9, driftPpm: 200, syncSource: me.monitor, sampleSelection: 'tightest' });
    for (const waitMs of [0, 1_000, 60_000]) {
      world.trueMs += waitMs;
      const trueWall = 1_700_000_000_000 + world.trueMs;
      const { earliestMs, latestMs } = tt.now();
      expect(earliestMs).toBeLessThanOrEqual(trueWall);
      expect(latestMs).toBeGreaterThanOrEqual(trueWall);
    }
    expect(tt.errorMs()).toBeLessThan(40);
  });

  it("IntervalClock's sampleSelection: 'newest' (the default) keeps the construction sample, 'tightest' takes the monitor's", () => {
    const world = new World();
    const nodes = cluster(world, [0, 0, 0]);
    syncAll(world, nodes, () => [1, 1]);
    const source = nodes[0].monitor;
    const newest = new IntervalClock({ now: nodes[0].clock.monoNowMs, errorMs: 1e6, syncSource: source });
    const tightest = new IntervalClock({ now: nodes[0].clock.monoNowMs, errorMs: 1e6, syncSource: source, sampleSelection: 'tightest' });
    expect(newest.errorMs()).toBe(1e6);
    expect(tightest.errorMs()).toBeLessThan(10);
    expect(() => new IntervalClock({ now: () => 0, errorMs: 1, sampleSelection: 'oldest' as never })).toThrow(/sampleSelection/);
  });

  it('property: the estimate is within its error bound of the true offset when fewer than half the peers lie', () => {
    const arb = fc.record({
      localOffset: fc.double({ min: -5_000, max: 5_000, noNaN: true }),
      localDrift: fc.double({ min: -200, max: 200, noNaN: true }),
      honest: fc.array(fc.record({ offset: fc.double({ min: -4.5, max: 4.5, noNaN: true }), drift: fc.double({ min: -200, max: 200, noNaN: true }) }), { minLength: 2, maxLength: 7 }),
      liars: fc.array(fc.double({ min: -10_000, max: 10_000, noNaN: true }), { maxLength: 6 }),
      delays: fc.array(fc.tuple(fc.double({ min: 0, max: 50, noNaN: true }), fc.double({ min: 0, max: 50, noNaN: true })), { minLength: 20, maxLength: 20 }),
      waitMs: fc.double({ min: 0, max: 9_000, noNaN: true }),
    }).filter((x) => x.liars.length < x.honest.length);
    fc.assert(
      fc.property(arb, ({ localOffset, localDrift, honest, liars, delays, waitMs }) => {
        const world = new World();
        const local = world.clock(localOffset, localDrift, 777);
        const me = new ClockSyncMonitor({ clocks: local, maxOffsetMs: 500, driftPpm: 200 });
        // Honest peers declare 5 ms and stay within it (≤ 4.5 ms + ≤ 0.5 ms of drift over the run);
        // liars declare 5 ms too and are anywhere (a stepped clock).
        const peers = [...honest.map((h) => world.clock(h.offset, h.drift)), ...liars.map((off) => world.clock(off))];
        peers.forEach((clock, i) => {
          const server = new ClockSyncMonitor({ clocks: clock, maxOffsetMs: 500, selfErrorMs: 5 });
          const [out, back] = delays[i % delays.length];
          exchange(world, me, server, `p${i}`, out, back);
        });
        world.trueMs += waitMs;
        const e = me.estimate();
        expect(e).toBeDefined();
        expect(Math.abs(e!.offsetMs - local.trueOffsetMs())).toBeLessThanOrEqual(e!.errorMs + 1e-6);
        for (const f of e!.falsetickers) expect(Number(f.slice(1))).toBeGreaterThanOrEqual(honest.length);
      }),
      { numRuns: 300 },
    );
  });
});
