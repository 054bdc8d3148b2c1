import type { Scenario } from '../scenario.js';
import { raftPartition } from './raft-partition.js';

/** The raft scenarios, in the order `faultline scenario` lists them. */
export const raftScenarios: readonly Scenario[] = [raftPartition];
