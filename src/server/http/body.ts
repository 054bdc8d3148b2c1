/**
 * Reading a request body: bounded (the length is checked from the header
 * before anything is read, and again while streaming for chunked bodies), and
 * parsed as JSON with errors that say what was wrong. Nothing here throws
 * anything but `ApiError`.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError, tooLarge } from './errors.js';

/** Read at most `maxBytes` of the body; rejects with 413 beyond it (and stops reading). */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    const n = Number(declared);
    if (!Number.isSafeInteger(n) || n < 0) return Promise.reject(new ApiError(400, 'invalid_request', 'Content-Length is not a valid length', { field: 'Content-Length' }));
    if (n > maxBytes) {
      req.resume(); // drain, so the connection can answer; the server closes it after the reply
      return Promise.reject(tooLarge('body', n, maxBytes));
    }
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error: ApiError | undefined): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (error) {
        req.resume();
        reject(error);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) finish(tooLarge('body', size, maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish(undefined);
    const onError = (): void => finish(new ApiError(400, 'invalid_request', 'the request body could not be read', { field: 'body' }));
    const onAborted = (): void => finish(new ApiError(400, 'invalid_request', 'the request was aborted mid-body', { field: 'body' }));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/**
 * Parse a body as one JSON value, whatever `Content-Type` says (curl's `-d`
 * sends `application/x-www-form-urlencoded`; refusing that would only
 * annoy). An empty body is `undefined` (routes whose body is optional accept it).
 */
export function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined;
  const text = bytes.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ApiError(400, 'invalid_request', `body is not valid JSON: ${reason.slice(0, 200)}`, { field: 'body' });
  }
}
