/**
 * A throughput probe for the Raft hot path (propose → ready → AppendEntries →
 * AppendResponse → commit → apply), without storage or network delay:
 * messages are handed over in memory. The clock is injected because code
 * under src/ may not read real time; a bench passes performance.now.
 */
import { SeededRng } from '../../core/random/index.js';
import type { Message } from '../messages.js';
import { RaftNode } from '../node.js';

export interface ThroughputOptions {
  readonly nodes?: number;
  /** Total proposals. */
  readonly proposals: number;
  /** Proposals per round (between two Ready cycles). */
  readonly batch: number;
  readonly payloadBytes?: number;
  readonly now: () => number;
}

export interface ThroughputResult {
  readonly committed: number;
  readonly seconds: number;
  readonly proposalsPerSec: number;
  readonly messages: number;
}

export function measureThroughput(options: ThroughputOptions): ThroughputResult {
  const n = options.nodes ?? 3;
  const ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  const rng = new SeededRng(7);
  const nodes = new Map(ids.map((id) => [id, new RaftNode({ id, voters: ids, rng: rng.fork(), electionTicks: 10, maxInflightAppends: 64 })]));
  let messages = 0;
  let applied = 0;
  const leader = nodes.get('n1')!;
  const pump = (): void => {
    for (let moved = true; moved; ) {
      moved = false;
      for (const node of nodes.values()) {
        if (!node.hasReady()) continue;
        moved = true;
        const rd = node.ready();
        const out: Message[] = [...rd.messages];
        if (node === leader) applied += rd.committedEntries.length;
        node.advance(rd);
        messages += out.length;
        for (const m of out) nodes.get(m.to)!.step(m);
      }
    }
  };
  pump();
  for (let t = 0; t < 100 && leader.status().role !== 'leader'; t++) {
    leader.tick();
    pump();
  }
  if (leader.status().role !== 'leader') throw new Error('measureThroughput: no leader');
  const payload = new Uint8Array(options.payloadBytes ?? 64);
  applied = 0;
  messages = 0;
  const start = options.now();
  for (let done = 0; done < options.proposals; done += options.batch) {
    for (let k = 0; k < options.batch; k++) leader.propose(payload);
    pump();
  }
  const seconds = (options.now() - start) / 1000;
  return { committed: applied, seconds, proposalsPerSec: applied / seconds, messages };
}
