/**
 * Simulator workloads on replica clusters (`faultline sim --workload kv|lock|register`),
 * and the pieces they are built from. Registered by src/cli/sim/workloads.ts.
 */
export { kvWorkload, registerWorkload, KV_BUGS } from './kv-workloads.js';
export { lockWorkload, LOCK_BUGS } from './lock-workload.js';
export { fencedRegisterModel } from './fenced-model.js';
export { ReplicaCluster, SIM_TIMING } from './harness.js';
export { replicaHost } from './host.js';
export { SimClient } from './client.js';
export { isClientRequest, isClientResponse } from './protocol.js';

export type { ReplicaHostOptions } from './host.js';
export type { FencedState } from './fenced-model.js';
export type { ClientTiming, Final } from './client.js';
export type { ClientOp, ClientRequestMessage, ClientResponseMessage } from './protocol.js';
