import type { Command } from 'commander';
import { registerCheckCommand } from './check.js';
import { registerIdCommand } from './id.js';
import { registerKvCommand } from './kv.js';
import { registerLeaseCommand } from './lease.js';
import { registerLockCommand } from './lock.js';
import { registerClusterCommand } from './cluster.js';
import { registerScenarioCommand } from './scenario.js';
import { registerSimCommand } from './sim.js';
import { registerStatusCommand } from './status.js';
import { registerStartCommand } from './start.js';

/**
 * Every subcommand registers itself here: one import and one line per
 * command, each in its own file under this folder.
 */
export function registerCommands(_program: Command): void {
  // (subcommands are added by each layer: sim, scenario, check, cluster, …)
  registerCheckCommand(_program);
  registerSimCommand(_program);
  registerScenarioCommand(_program);
  registerKvCommand(_program);
  registerLockCommand(_program);
  registerLeaseCommand(_program);
  registerIdCommand(_program);
  registerStatusCommand(_program);
  registerStartCommand(_program);
  registerClusterCommand(_program);
}
