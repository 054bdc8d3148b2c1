/**
 * The real-process runtime of `faultline/client`: node:http(s) with
 * keep-alive agents, the monotonic clock and timers of `systemTimekeeper`,
 * and a crypto-seeded Rng. The client core never imports Node: it takes
 * this (or a fake) as `ClientRuntime`.
 *
 * `notSent` on a TransportError is true only for errors raised before any
 * byte could reach the server (the connection was refused, the name did not
 * resolve). Everything else — a reset, a socket closed mid-response, a
 * keep-alive socket the server had just closed — may have delivered the
 * request, so the client treats a write as possibly applied.
 */
import http from 'node:http';
import https from 'node:https';
import type { ClientRuntime, HttpRequest, HttpResponse, HttpTransport } from '../client/runtime.js';
import { TransportError } from '../client/runtime.js';
import { createSystemRng, systemTimekeeper } from './clock.js';

export interface NodeClientRuntimeOptions {
  /** Sockets per endpoint (keep-alive; requests beyond queue in the agent). @defaultValue 128 */
  readonly maxSocketsPerEndpoint?: number;
  /** Largest response body accepted, bytes. @defaultValue 16 MiB */
  readonly maxResponseBytes?: number;
}

/** Connection errors that happen before the request could have been written. */
const NOT_SENT_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL']);

export function createNodeHttpTransport(options: NodeClientRuntimeOptions = {}): HttpTransport {
  const maxSockets = options.maxSocketsPerEndpoint ?? 128;
  const maxResponseBytes = options.maxResponseBytes ?? 16 * 1024 * 1024;
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets, scheduling: 'lifo' }),
    https: new https.Agent({ keepAlive: true, maxSockets, scheduling: 'lifo' }),
  };
  return {
    request(request: HttpRequest): Promise<HttpResponse> {
      return new Promise<HttpResponse>((resolve, reject) => {
        if (request.signal.aborted) {
          reject(new TransportError('aborted before sending', true, request.signal.reason));
          return;
        }
        const url = new URL(request.url);
        const secure = url.protocol === 'https:';
        const headers: Record<string, string | number> = { ...request.headers };
        if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
        const req = (secure ? https : http).request(url, {
          method: request.method,
          headers,
          agent: secure ? agents.https : agents.http,
          signal: request.signal,
        });
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (bytes > maxResponseBytes) {
              req.destroy(new Error(`response larger than ${maxResponseBytes} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (error) => reject(new TransportError(`response interrupted: ${error.message}`, false, error)));
        });
        req.on('error', (error: NodeJS.ErrnoException) => {
          const code = error.code ?? '';
          reject(new TransportError(code ? `${code}: ${error.message}` : error.message, NOT_SENT_CODES.has(code), error));
        });
        req.end(request.body);
      });
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

/** The default runtime `createClient` uses. */
export function createNodeClientRuntime(options: NodeClientRuntimeOptions = {}): ClientRuntime {
  return { transport: createNodeHttpTransport(options), timekeeper: systemTimekeeper, rng: createSystemRng() };
}
