/**
 * The server: one cluster member as a process — HTTP API v1 over the
 * replica, peer health, leased worker ids, metrics and logs. See README.md.
 */
export { startNode } from './node.js';
export { runStart, START_EXIT } from './process.js';
export { parseRaftTiming, parseStartFlags, RAFT_TIMING_DEFAULTS, UsageError } from './config.js';
export { FatalStartError } from './recovery.js';
export { SERVER_LIMITS, assertServerLimits } from './limits.js';
export { ApiError, isApiError } from './http/errors.js';

export type { StartNodeOptions, RunningNode } from './node.js';
export type { StartIo } from './process.js';
export type { RaftTiming, ServerConfig, StartFlags } from './config.js';
export type { ServerLimits } from './limits.js';
export type { ApiErrorBody, ApiErrorCode, ApiErrorDetails } from './http/errors.js';
