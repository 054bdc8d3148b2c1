import { describe, expect, it } from 'vitest';
import type { ReplicaStatus } from '../../replica/api.js';
import type { PeerHealthView } from '../peer-health.js';
import { clusterView } from './cluster.js';
import type { ApiContext } from './context.js';

/** Just what clusterView reads. */
function api(status: ReplicaStatus, health: PeerHealthView[]): ApiContext {
  return {
    nodeId: status.id,
    replica: { status: () => status },
    health: { view: () => health },
    httpUrls: { n1: 'http://h:1', n2: 'http://h:2', n3: 'http://h:3' },
    ids: { status: () => ({ state: 'ready' }) },
  } as unknown as ApiContext;
}

describe('clusterView', () => {
  const status: ReplicaStatus = {
    id: 'n1',
    role: 'follower',
    term: 3,
    leader: 'n2',
    commitIndex: 10,
    appliedIndex: 10,
    members: [
      { id: 'n1', role: 'follower' },
      { id: 'n2', role: 'leader' },
      { id: 'n3', role: 'follower' },
    ],
    health: 'running',
  };

  it('shows each member with its Raft role and φ health', () => {
    const v = clusterView(api(status, [
      { id: 'n2', status: 'up', phi: 0.1 },
      { id: 'n3', status: 'suspect', phi: 9 },
    ]));
    expect(v.members.map((m) => [m.id, m.role, m.health])).toEqual([
      ['n1', 'follower', 'up'],
      ['n2', 'leader', 'up'],
      ['n3', 'follower', 'suspect'],
    ]);
  });

  it('a member the φ detector calls down has role unknown, even the leader Raft still believes in', () => {
    const v = clusterView(api(status, [
      { id: 'n2', status: 'down', phi: 1000 },
      { id: 'n3', status: 'down', phi: 1000 },
    ]));
    expect(v.members.map((m) => [m.id, m.role, m.health])).toEqual([
      ['n1', 'follower', 'up'],
      ['n2', 'unknown', 'down'],
      ['n3', 'unknown', 'down'],
    ]);
    expect(v.leader).toBe('n2'); // Raft's belief, until an election says otherwise
  });
});
