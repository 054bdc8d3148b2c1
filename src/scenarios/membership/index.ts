import type { Scenario } from '../scenario.js';
import { clockDrift } from './clock-drift.js';
import { gossipVsHeartbeat } from './gossip-vs-heartbeat.js';

/** The membership scenarios, in the order `faultline scenario` lists them. */
export const membershipScenarios: readonly Scenario[] = [gossipVsHeartbeat, clockDrift];
