/**
 * Simulator workloads on replica clusters (`faultline sim --workload kv|lock|register`),
 * and the pieces they are built from. Registered by src/cli/sim/workloads.ts.
 */
export { kvWorkload, KV_BUGS, KV_KEYS } from './kv-workload.js';
export { ReplicaCluster, SIM_TIMING } from './harness.js';
export { replicaHost } from './host.js';
export { SimClient } from './client.js';
export { isClientRequest, isClientResponse } from './protocol.js';

export type { ReplicaHostOptions } from './host.js';
export type { ClientTiming, Final } from './client.js';
export type { ClientOp, ClientRequestMessage, ClientResponseMessage } from './protocol.js';
