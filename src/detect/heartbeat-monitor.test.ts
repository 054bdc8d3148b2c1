import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DeadlineFailureDetector } from './deadline-detector.js';
import { HeartbeatMonitor } from './heartbeat-monitor.js';
import type { PeerTransition } from './heartbeat-monitor.js';

function recorder(monitor: HeartbeatMonitor): PeerTransition[] {
  const seen: PeerTransition[] = [];
  monitor.onTransition((t) => seen.push(t));
  return seen;
}

/** Peers `a` and `b` beat every second until `silentFromMs`, after which `b` falls silent. */
function twoPeers(monitor: HeartbeatMonitor, untilMs: number): void {
  for (let t = 0; t <= untilMs; t += 1000) {
    monitor.heartbeat('a', t);
    monitor.heartbeat('b', t);
    monitor.evaluate(t);
  }
}

describe('HeartbeatMonitor', () => {
  it('goes up → suspect when φ crosses the threshold, then → down after downAfterMs', () => {
    const monitor = new HeartbeatMonitor({ downAfterMs: 5000 });
    const seen = recorder(monitor);
    twoPeers(monitor, 20_000);
    expect(seen).toEqual([]);
    // b falls silent after 20 s; a keeps beating.
    for (let t = 20_100; t <= 40_000; t += 100) {
      if (t % 1000 === 0) monitor.heartbeat('a', t);
      monitor.evaluate(t);
    }
    expect(seen.map((s) => [s.peer, s.from, s.to])).toEqual([
      ['b', 'up', 'suspect'],
      ['b', 'suspect', 'down'],
    ]);
    const crossMs = monitor.detector('b')!.suspicionReachedAtMs(8)!;
    expect(crossMs).toBeCloseTo(21_522.6, 1);
    expect(seen[0].atMs).toBe(21_600); // first 100 ms tick after the crossing
    expect(seen[0].suspicion).toBeGreaterThanOrEqual(8);
    // down 5 s after the crossing itself, not after the tick that saw it.
    expect(seen[1].atMs).toBe(26_600);
    expect(monitor.status('a')).toBe('up');
    expect(monitor.status('b')).toBe('down');
  });

  it('a heartbeat brings a suspect or down peer back up at once', () => {
    const monitor = new HeartbeatMonitor({ downAfterMs: 1000 });
    const seen = recorder(monitor);
    twoPeers(monitor, 5000);
    monitor.evaluate(20_000);
    expect(monitor.status('b')).toBe('down');
    monitor.heartbeat('b', 20_500);
    expect(monitor.status('b')).toBe('up');
    expect(seen.at(-1)).toMatchObject({ peer: 'b', from: 'down', to: 'up', atMs: 20_500 });
  });

  it('one evaluate after a long gap fires up → suspect → down in order', () => {
    const monitor = new HeartbeatMonitor({ downAfterMs: 2000 });
    const seen = recorder(monitor);
    monitor.heartbeat('x', 0);
    monitor.heartbeat('x', 1000);
    expect(monitor.evaluate(60_000)).toBe(2);
    expect(seen.map((s) => s.to)).toEqual(['suspect', 'down']);
  });

  it('downThreshold declares down as soon as φ reaches the second threshold', () => {
    const monitor = new HeartbeatMonitor({ downAfterMs: Infinity, downThreshold: 16 });
    const seen = recorder(monitor);
    twoPeers(monitor, 10_000);
    const detector = monitor.detector('b')!;
    const downAt = detector.suspicionReachedAtMs(16)!;
    monitor.evaluate(detector.suspicionReachedAtMs(8)!);
    expect(monitor.status('b')).toBe('suspect');
    monitor.evaluate(downAt - 1);
    expect(monitor.status('b')).toBe('suspect');
    monitor.evaluate(downAt);
    expect(monitor.status('b')).toBe('down');
    expect(seen.filter((s) => s.peer === 'b').map((s) => s.to)).toEqual(['suspect', 'down']);
  });

  it('watch() starts the clock for a peer that never speaks', () => {
    const monitor = new HeartbeatMonitor({ downAfterMs: 0 });
    monitor.watch('silent', 0);
    expect(monitor.status('silent')).toBe('up');
    // Bootstrap statistics: mean 1000, σ 250 → φ = 8 at 2.41 s or so.
    monitor.evaluate(2000);
    expect(monitor.status('silent')).toBe('up');
    monitor.evaluate(3000);
    expect(monitor.status('silent')).toBe('down');
  });

  it('nextEvaluationAtMs is exactly when the next transition becomes due', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ peer: fc.constantFrom('p', 'q', 'r'), gapMs: fc.integer({ min: 1, max: 3000 }) }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 5000 }),
        (beats, downAfterMs) => {
          const monitor = new HeartbeatMonitor({ downAfterMs });
          let t = 0;
          for (const { peer, gapMs } of beats) {
            t += gapMs;
            monitor.evaluate(t);
            monitor.heartbeat(peer, t);
          }
          // Drive purely by nextEvaluationAtMs: each call must fire at least one transition, never earlier.
          for (let steps = 0; steps < 10; steps++) {
            const next = monitor.nextEvaluationAtMs();
            if (next === undefined) break;
            expect(next).toBeGreaterThanOrEqual(t);
            if (next - 1e-3 > t) expect(monitor.evaluate(next - 1e-3)).toBe(0);
            expect(monitor.evaluate(next)).toBeGreaterThan(0);
            t = next;
          }
          expect(monitor.nextEvaluationAtMs()).toBeUndefined();
          for (const p of monitor.peers()) expect(monitor.status(p)).toBe('down');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('takes a pluggable detector', () => {
    const monitor = new HeartbeatMonitor({ createDetector: () => new DeadlineFailureDetector({ heartbeatIntervalMs: 100, acceptableHeartbeatPauseMs: 200 }), downAfterMs: 100 });
    monitor.heartbeat('n', 0);
    expect(monitor.nextEvaluationAtMs()).toBe(300);
    monitor.evaluate(299);
    expect(monitor.status('n')).toBe('up');
    monitor.evaluate(300);
    expect(monitor.status('n')).toBe('suspect');
    expect(monitor.nextEvaluationAtMs()).toBe(400);
    monitor.evaluate(400);
    expect(monitor.status('n')).toBe('down');
  });

  it('unwatch, snapshot, bounds and validation', () => {
    const monitor = new HeartbeatMonitor({ maxPeers: 2 });
    monitor.heartbeat('a', 0);
    monitor.heartbeat('b', 0);
    expect(() => monitor.heartbeat('c', 0)).toThrow(/maxPeers/);
    expect(monitor.unwatch('b')).toBe(true);
    expect(monitor.unwatch('b')).toBe(false);
    monitor.heartbeat('c', 10);
    expect(monitor.peers()).toEqual(['a', 'c']);
    expect(monitor.snapshot(10)).toEqual([
      { peer: 'a', status: 'up', suspicion: expect.any(Number), sinceMs: 0 },
      { peer: 'c', status: 'up', suspicion: 0 + monitor.suspicion('c', 10)!, sinceMs: 10 },
    ]);
    expect(() => monitor.heartbeat('a', -1)).toThrow(/monotonic/);
    expect(() => new HeartbeatMonitor({ downAfterMs: -1 })).toThrow(/HeartbeatMonitor: downAfterMs/);
    expect(() => new HeartbeatMonitor({ phi: { threshold: -1 } })).toThrow(/PhiAccrualDetector: threshold/);
    expect(() => monitor.heartbeat('', 20)).toThrow(/peer/);
  });

  it('keeps going when a listener throws, and rethrows after the state changed', () => {
    const monitor = new HeartbeatMonitor({ downAfterMs: 0 });
    const seen: string[] = [];
    monitor.onTransition(() => {
      throw new Error('listener bug');
    });
    const sub = monitor.onTransition((t) => seen.push(t.to));
    monitor.heartbeat('a', 0);
    expect(() => monitor.evaluate(10_000)).toThrow('listener bug');
    expect(seen).toEqual(['suspect']);
    expect(monitor.status('a')).toBe('suspect');
    sub.dispose();
  });
});
