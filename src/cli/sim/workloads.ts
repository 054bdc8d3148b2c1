import { getWorkload, registerWorkload, type Workload } from '../../sim/index.js';
import { membershipWorkload } from '../../membership/sim/membership-workload.js';
import { clocksyncWorkload } from '../../membership/sim/clocksync-workload.js';
import { kvWorkload, lockWorkload, registerWorkload as registerSimWorkload } from '../../replica/sim/index.js';

/**
 * Workloads the CLI offers besides the built-in `heartbeat`. Later issues
 * add theirs here (kv, lock, register, membership, clocksync): one import
 * and one array entry each. The main thread and every worker thread call
 * `loadWorkloads()`, so all see the same registry.
 */
const CLI_WORKLOADS: readonly Workload[] = [membershipWorkload, clocksyncWorkload, kvWorkload, lockWorkload, registerSimWorkload];

export function loadWorkloads(): void {
  for (const workload of CLI_WORKLOADS) {
    if (getWorkload(workload.name) !== workload) registerWorkload(workload);
  }
}
