import { describe, expect, it } from 'vitest';
import { suspicionTimeoutMs } from '../../membership/index.js';
import { CLUSTER_SIZES, HEARTBEAT_TIMEOUT_MS, LOAD_BUDGET_PER_S, gossipVsHeartbeat } from './gossip-vs-heartbeat.js';
import type { LoadRow } from './gossip-vs-heartbeat.js';

describe('gossip-vs-heartbeat', () => {
  const report = gossipVsHeartbeat.run({ seed: 1 });
  const hb = report.unsafe.rows as LoadRow[];
  const swim = report.safe.rows as LoadRow[];

  it('runs both protocols at 5, 50 and 500 nodes', () => {
    expect(hb.map((r) => r.nodes)).toEqual([...CLUSTER_SIZES]);
    expect(swim.map((r) => r.nodes)).toEqual([...CLUSTER_SIZES]);
  });

  it('all-to-all load grows linearly with the cluster: about 2 (N − 1) messages per node per second', () => {
    for (const r of hb) {
      expect(r.messagesPerNodePerS).toBeGreaterThan(1.6 * (r.nodes - 1));
      expect(r.messagesPerNodePerS).toBeLessThan(2.1 * (r.nodes - 1));
    }
    const [, at50, at500] = hb;
    expect(at500.messagesPerNodePerS / at50.messagesPerNodePerS).toBeGreaterThan(9);
    expect(at500.messagesPerNodePerS / at50.messagesPerNodePerS).toBeLessThan(11);
  });

  it('SWIM load per node stays flat as N grows 100-fold', () => {
    const loads = swim.map((r) => r.messagesPerNodePerS);
    for (const load of loads) expect(load).toBeLessThan(LOAD_BUDGET_PER_S / 2);
    expect(Math.max(...loads) / Math.min(...loads)).toBeLessThan(1.5);
    for (const r of swim) expect(r.maxMessagesPerNodePerS).toBeLessThan(LOAD_BUDGET_PER_S);
  });

  it('both detect the crash everywhere; SWIM more slowly, by the suspicion timeout that grows with log N', () => {
    for (const r of hb) expect(r.allDetectedMs).toBeLessThanOrEqual(HEARTBEAT_TIMEOUT_MS + 1_100);
    for (const r of swim) {
      expect(r.allDetectedMs).toBeGreaterThan(suspicionTimeoutMs(4, r.nodes, 1000));
      expect(r.allDetectedMs).toBeLessThan(6 * suspicionTimeoutMs(4, r.nodes, 1000));
    }
    expect(swim[2].allDetectedMs).toBeGreaterThan(swim[0].allDetectedMs);
  });

  it('counts the nodes over the load budget as violations: every heartbeating node at 50 and 500, no SWIM node', () => {
    expect(report.unsafe.violations).toBe(550);
    expect(report.safe.violations).toBe(0);
  });

  it('tells the story with the table (what `faultline scenario gossip-vs-heartbeat` prints)', () => {
    const text = report.story.join('\n');
    expect(text).toMatch(/protocol\s+nodes\s+msgs\/node\/s/);
    expect(text.match(/^(all-to-all heartbeats|SWIM)\s+\d+/gm)).toHaveLength(6);
  });
});
