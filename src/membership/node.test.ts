import { describe, expect, it } from 'vitest';
import { Simulation } from '../sim/index.js';
import { encodeMessages } from './codec.js';
import { DEFAULT_LAN_CONFIG } from './config.js';
import { suspicionTimeoutMs } from './arithmetic.js';
import type { MembershipEvent } from './events.js';
import { MembershipNode, startMembership } from './node.js';

interface Cluster {
  sim: Simulation;
  nodes: Map<string, MembershipNode>;
  events: Array<MembershipEvent & { observer: string; at: number }>;
}

/** `n` members on a simulated LAN (1–3 ms latency); a restarted one rejoins through the others. */
function cluster(n: number, seed = 1, network: ConstructorParameters<typeof Simulation>[0]['network'] = {}): Cluster {
  const sim = new Simulation({ seed, network: { latencyMsMin: 1, latencyMsMedian: 2, latencySigma: 0.3, latencyMsMax: 3, ...network } });
  const names = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  const nodes = new Map<string, MembershipNode>();
  const events: Cluster['events'] = [];
  for (const name of names) {
    sim.host(name, (env) => {
      const first = sim.incarnation(name) === 1;
      const node = startMembership(env, { members: first ? names : [] });
      if (!first) node.join(names.filter((x) => x !== name));
      node.onEvent((e) => events.push({ ...e, observer: name, at: sim.nowMs }));
      nodes.set(name, node);
      return { stop: () => node.stop() };
    });
  }
  return { sim, nodes, events };
}

const states = (c: Cluster, observer: string) => Object.fromEntries(c.nodes.get(observer)!.members().map((m) => [m.name, m.state]));

describe('MembershipNode in the simulator', () => {
  it('keeps a calm cluster quiet: no suspicion, about one ping and one ack sent per member per second', () => {
    const c = cluster(8);
    c.sim.runFor(30_000);
    expect(c.events.filter((e) => e.type !== 'join')).toEqual([]);
    for (const node of c.nodes.values()) {
      const perSecond = node.stats.packetsSent / 30;
      expect(perSecond).toBeGreaterThan(1.5);
      expect(perSecond).toBeLessThan(2.5);
      expect(node.members().every((m) => m.state === 'alive')).toBe(true);
    }
  });

  it('declares a crashed member dead everywhere, after suspecting it', () => {
    const c = cluster(8, 2);
    c.sim.runFor(5_000);
    c.sim.crash('n3');
    c.sim.runFor(30_000);
    for (const observer of ['n1', 'n2', 'n4', 'n5', 'n6', 'n7', 'n8']) {
      expect(states(c, observer).n3, observer).toBe('dead');
      const dead = c.events.find((e) => e.observer === observer && e.type === 'dead' && e.member === 'n3')!;
      // Detection ≥ the minimum suspicion timeout after the crash, and well within the maximum.
      expect(dead.at - 5_000).toBeGreaterThan(suspicionTimeoutMs(4, 8, 1000));
      expect(dead.at - 5_000).toBeLessThan(6 * suspicionTimeoutMs(4, 8, 1000));
    }
    expect(c.events.some((e) => e.type === 'suspect' && e.member === 'n3')).toBe(true);
  });

  it('a member paused for less than the suspicion timeout is suspected, refutes, and is never declared dead', () => {
    const c = cluster(6, 3);
    c.sim.runFor(3_000);
    c.sim.pause('n2');
    c.sim.runFor(3_000);
    c.sim.resume('n2');
    c.sim.runFor(20_000);
    expect(c.events.filter((e) => e.type === 'dead')).toEqual([]);
    expect(c.events.some((e) => e.type === 'suspect' && e.member === 'n2')).toBe(true);
    expect(c.events.some((e) => e.type === 'alive' && e.member === 'n2')).toBe(true);
    expect(c.nodes.get('n2')!.incarnation).toBeGreaterThan(1);
    for (const observer of ['n1', 'n3', 'n4', 'n5', 'n6']) expect(states(c, observer).n2).toBe('alive');
  });

  it('with the never-refute bug the same pause kills a live member', () => {
    const sim = new Simulation({ seed: 3 });
    const names = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'];
    const deaths: string[] = [];
    for (const name of names) {
      sim.host(name, (env) => {
        const node = startMembership(env, { members: names, config: { testingBugs: { neverRefute: true } } });
        node.onEvent((e) => e.type === 'dead' && deaths.push(e.member));
        return {};
      });
    }
    sim.runFor(3_000);
    sim.pause('n2');
    sim.runFor(3_000);
    sim.resume('n2');
    sim.runFor(20_000);
    expect(deaths).toContain('n2');
  });

  it('a graceful leave is a leave everywhere, not a death', () => {
    const c = cluster(6, 4);
    c.sim.runFor(3_000);
    c.nodes.get('n4')!.leave();
    c.sim.runFor(2_000);
    c.nodes.get('n4')!.stop();
    c.sim.runFor(30_000);
    for (const observer of ['n1', 'n2', 'n3', 'n5', 'n6']) {
      expect(c.events.some((e) => e.observer === observer && e.type === 'leave' && e.member === 'n4'), observer).toBe(true);
    }
    expect(c.events.filter((e) => e.type === 'dead')).toEqual([]);
  });

  it('a restarted member rejoins, learns it was declared dead, and refutes with a higher incarnation', () => {
    const c = cluster(6, 5);
    c.sim.runFor(3_000);
    c.sim.crash('n5');
    c.sim.runFor(25_000);
    expect(states(c, 'n1').n5).toBe('dead');
    c.sim.restart('n5');
    c.sim.runFor(10_000);
    const n5 = c.nodes.get('n5')!;
    expect(n5.joined).toBe(true);
    expect(n5.incarnation).toBeGreaterThan(1);
    for (const observer of ['n1', 'n2', 'n3', 'n4', 'n6']) {
      expect(states(c, observer).n5, observer).toBe('alive');
      expect(c.events.some((e) => e.observer === observer && e.type === 'join' && e.member === 'n5' && e.at > 28_000)).toBe(true);
    }
    expect(Object.values(states(c, 'n5')).every((s) => s === 'alive')).toBe(true);
  });

  it('drops and counts garbage, including a valid packet with one bit flipped', () => {
    const c = cluster(3, 6);
    let sent = 0;
    c.sim.client('mallory', (env) => {
      const good = encodeMessages([{ type: 'dead', incarnation: 99, node: 'n1', from: 'mallory' }]);
      const flipped = good.slice();
      flipped[5] ^= 0x10;
      const junk: unknown[] = [flipped, good.subarray(0, 7), new Uint8Array(3), 'hello', { type: 'dead' }, null];
      const tick = () => {
        for (const j of junk) {
          env.send('n2', j);
          sent++;
        }
        if (sent < 60) env.setTimer(100, tick);
      };
      tick();
      return {};
    });
    c.sim.runFor(5_000);
    expect(c.nodes.get('n2')!.stats.garbage).toBe(sent);
    expect(c.events.filter((e) => e.type !== 'join')).toEqual([]);
    expect(states(c, 'n2').n1).toBe('alive');
  });

  it('Lifeguard: a member that cannot hear anyone raises its own health score instead of blaming everyone at full speed', () => {
    const c = cluster(8, 7);
    c.sim.runFor(3_000);
    const others = ['n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8'];
    c.sim.partitionOneway(others, 'n1'); // n1 still sends, hears nothing: no acks, no nacks
    // Each failed probe misses 3 nacks: score 0 → 3 → 6 → 7 (the cap) within 1 + 4 + 7 probe intervals.
    c.sim.runFor(14_000);
    const n1 = c.nodes.get('n1')!;
    expect(n1.healthScore).toBe(DEFAULT_LAN_CONFIG.awarenessMaxMultiplier - 1);
    // The healthy members nacked each other's indirect probes: their scores stay low.
    for (const name of others) expect(c.nodes.get(name)!.healthScore).toBeLessThanOrEqual(1);
    // With its interval scaled up to 8 s, n1 probed far less than once a second.
    const probesDuringPartition = n1.stats.probes;
    c.sim.runFor(16_000);
    expect(n1.stats.probes - probesDuringPartition).toBeLessThanOrEqual(6);
    c.sim.repairOneway(others, 'n1');
    c.sim.runFor(40_000);
    expect(n1.healthScore).toBe(0);
  });

  it('two sides that declared each other dead and forgot each other reunite after the partition heals (reconnect)', () => {
    const run = (reconnectIntervalMs: number) => {
      const sim = new Simulation({ seed: 8 });
      const names = ['n1', 'n2', 'n3', 'n4'];
      const nodes = new Map<string, MembershipNode>();
      for (const name of names) {
        sim.host(name, (env) => {
          const node = startMembership(env, { members: names, config: { reconnectIntervalMs } });
          nodes.set(name, node);
          return {};
        });
      }
      sim.runFor(2_000);
      sim.isolate('n4');
      sim.runFor(90_000); // dead on both sides, then reaped after gossipToTheDeadMs
      expect(nodes.get('n1')!.member('n4')).toBeUndefined();
      expect(nodes.get('n4')!.memberCount).toBe(1);
      sim.rejoin('n4');
      sim.runFor(40_000);
      return [...nodes.values()].every((n) => n.members().length === 4 && n.members().every((m) => m.state === 'alive'));
    };
    expect(run(30_000)).toBe(true);
    expect(run(0)).toBe(false); // plain memberlist: two clusters for ever
  });

  it('is deterministic: one seed, one trace', () => {
    const run = () => {
      const c = cluster(10, 42, { lossProbability: 0.05 });
      c.sim.runFor(2_000);
      c.sim.crash('n7');
      c.sim.runFor(20_000);
      return c.sim.traceHash;
    };
    expect(run()).toBe(run());
  });
});
