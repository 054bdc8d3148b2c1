import type { Scenario } from '../scenario.js';
import { clockStepBack } from './clock-step-back.js';
import { leasePause } from './lease-pause.js';
import { lwwClockSkew } from './lww-clock-skew.js';
import { snowflakeClockBack } from './snowflake-clock-back.js';
import { splitBrain } from './split-brain.js';

/** The classic scenarios, in the order `faultline scenario` lists them. */
export const classicScenarios: readonly Scenario[] = [lwwClockSkew, leasePause, splitBrain, clockStepBack, snowflakeClockBack];
