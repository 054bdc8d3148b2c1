import type { Scenario } from '../scenario.js';
import { retryDuplicates } from './retry-duplicates.js';
import { retryStorm } from './retry-storm.js';
import { timeoutDilemma } from './timeout-dilemma.js';

/** The detection scenarios, in the order `faultline scenario` lists them. */
export const detectionScenarios: readonly Scenario[] = [timeoutDilemma, retryStorm, retryDuplicates];
