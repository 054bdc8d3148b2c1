export { FileDisk, openFileDisk } from './file-disk.js';
export { FileDiskError, isFileDiskError, isDiskFailedError } from './errors.js';
export { isValidFileName } from './file-name.js';
export { GroupCommit } from './group-commit.js';
export { nodeDiskFs } from './disk-fs.js';
export { writeFileAtomic } from './atomic-file.js';
export { NodeClocks } from './node-clocks.js';
export { NodeTimers, MAX_TIMER_DELAY_MS } from './node-timers.js';
export { createJsonLineLogger, safeStringify } from './log.js';
export { createNodeEnv } from './node-env.js';
export {
  createTransport,
  parseHostPort,
  formatHostPort,
  parsePeerList,
  FrameDecoder,
  FrameError,
  FrameType,
  encodeFrame,
  encodeBatchFrame,
  splitBatch,
  isFrameError,
  fullJitterDelayMs,
  BoundedQueue,
  MIN_SECRET_BYTES,
  FRAME_HEADER_BYTES,
  FRAME_MAC_BYTES,
  FRAME_MAGIC,
  FRAME_VERSION,
} from './transport/index.js';

export type { FileDiskOptions, FileDiskStats } from './file-disk.js';
export type { FileDiskErrorCode } from './errors.js';
export type { DiskFs } from './disk-fs.js';
export type { FlushFn, GroupCommitStats } from './group-commit.js';
export type { NodeTimersOptions } from './node-timers.js';
export type { LogFn, JsonLineLoggerOptions } from './log.js';
export type { NodeEnvOptions, NodeEnvHandle } from './node-env.js';
export type {
  Transport,
  TransportOptions,
  TransportStats,
  PeerLinkStats,
  AuthFailureReason,
  MessageHandler,
  HostPort,
  Frame,
  FrameErrorReason,
  FrameMac,
  FrameTypeCode,
} from './transport/index.js';
