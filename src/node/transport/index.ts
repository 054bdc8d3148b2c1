export { createTransport } from './transport.js';
export { parseHostPort, formatHostPort, parsePeerList } from './address.js';
export { FrameDecoder, FrameError, FrameType, encodeFrame, encodeBatchFrame, splitBatch, isFrameError, FRAME_HEADER_BYTES, FRAME_MAC_BYTES, FRAME_MAGIC, FRAME_VERSION } from './frame.js';
export { fullJitterDelayMs } from './backoff.js';
export { BoundedQueue } from './bounded-queue.js';
export { MIN_SECRET_BYTES } from './options.js';

export type { Transport, MessageHandler } from './transport.js';
export type { TransportOptions } from './options.js';
export type { HostPort } from './address.js';
export type { Frame, FrameErrorReason, FrameMac, FrameTypeCode } from './frame.js';
export type { TransportStats, PeerLinkStats, AuthFailureReason } from './stats.js';
