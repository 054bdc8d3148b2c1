import { shuffleInPlace } from '../core/random/shuffle.js';
import type { Rng } from '../core/random/rng.js';
import type { NodeId } from '../env/index.js';

/**
 * The partition shapes the nemesis draws from (Jepsen's catalogue), as pure
 * functions from a node list and an rng to a set of cut directed links.
 */
export const PARTITION_SHAPES = ['isolate', 'halves', 'majority-minority', 'bridge', 'ring', 'oneway'] as const;
export type PartitionShape = (typeof PARTITION_SHAPES)[number];

export interface PartitionPlan {
  shape: PartitionShape;
  /** Directed links to cut: messages from `[0]` to `[1]` are dropped. */
  links: Array<readonly [NodeId, NodeId]>;
  /** Canonical one-line description for the trace. */
  description: string;
}

function between(a: readonly NodeId[], b: readonly NodeId[], bothWays: boolean): Array<readonly [NodeId, NodeId]> {
  const links: Array<readonly [NodeId, NodeId]> = [];
  for (const x of a) {
    for (const y of b) {
      links.push([x, y] as const);
      if (bothWays) links.push([y, x] as const);
    }
  }
  return links;
}

const group = (ids: readonly NodeId[]): string => `[${ids.join(' ')}]`;

/**
 * Plan a partition of `nodes` with `shape`:
 * - `isolate`: one node cut from all others;
 * - `halves`: two sides of ⌊n/2⌋ and ⌈n/2⌉;
 * - `majority-minority`: a minority of 1..⌊(n-1)/2⌋ nodes cut from the rest;
 * - `bridge`: two sides that cannot see each other, and one node that sees both;
 * - `ring`: nodes on a ring each see only their neighbours within a distance
 *   that gives each a majority — every node has a majority, no two the same;
 * - `oneway`: one side cannot send to the other, which still sends back.
 * Shapes that need more nodes than given degrade to `isolate`.
 */
export function planPartition(shape: PartitionShape, nodes: readonly NodeId[], rng: Rng): PartitionPlan {
  const n = nodes.length;
  if (n < 2) throw new RangeError(`planPartition: need at least 2 nodes, got ${n}`);
  const order = shuffleInPlace(nodes.slice(), rng);
  switch (shape) {
    case 'halves': {
      const a = order.slice(0, n >> 1);
      const b = order.slice(n >> 1);
      return { shape, links: between(a, b, true), description: `halves ${group(a)} | ${group(b)}` };
    }
    case 'majority-minority': {
      const maxMinority = (n - 1) >> 1;
      if (maxMinority < 1) return planPartition('isolate', nodes, rng);
      const k = 1 + rng.int(maxMinority);
      const minority = order.slice(0, k);
      const majority = order.slice(k);
      return { shape, links: between(minority, majority, true), description: `majority-minority ${group(majority)} | ${group(minority)}` };
    }
    case 'bridge': {
      if (n < 3) return planPartition('isolate', nodes, rng);
      const bridge = order[0];
      const rest = order.slice(1);
      const a = rest.slice(0, rest.length >> 1);
      const b = rest.slice(rest.length >> 1);
      return { shape, links: between(a, b, true), description: `bridge ${bridge} joins ${group(a)} | ${group(b)}` };
    }
    case 'ring': {
      if (n < 4) return planPartition('isolate', nodes, rng);
      const majority = (n >> 1) + 1;
      const reach = Math.ceil((majority - 1) / 2);
      const links: Array<readonly [NodeId, NodeId]> = [];
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const d = Math.abs(i - j);
          if (i !== j && Math.min(d, n - d) > reach) links.push([order[i], order[j]] as const);
        }
      }
      return { shape, links, description: `ring ${order.join('-')} reach ${reach}` };
    }
    case 'oneway': {
      const k = 1 + rng.int(n - 1);
      const from = order.slice(0, k);
      const to = order.slice(k);
      return { shape, links: between(from, to, false), description: `oneway ${group(from)} -/-> ${group(to)}` };
    }
    case 'isolate': {
      const lone = order[0];
      return { shape, links: between([lone], order.slice(1), true), description: `isolate ${lone}` };
    }
  }
}
