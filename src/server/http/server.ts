/**
 * The HTTP front door: node:http with every input bounded (URL, headers,
 * body, time to send them, requests in flight), bearer-token auth, one JSON
 * error shape, and no way for a request to crash the process — any throw
 * from a handler becomes a 500 with the error logged.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { ApiError, isApiError } from './errors.js';
import { parseJsonBody, readBody } from './body.js';
import { isMethod } from './router.js';
import type { Reply, RequestContext, Router } from './router.js';

export interface HttpServerOptions {
  readonly router: Router;
  /** False while the node is starting or stopping: everything but /health answers 503 `unavailable`. */
  readonly accepting?: () => boolean;
  /** `Authorization: Bearer <token>` required on everything but /health and /ready. */
  readonly token?: string;
  readonly bodyBytesMax: number;
  readonly urlCharsMax: number;
  readonly requestsInFlightMax: number;
  readonly requestReadTimeoutMs: number;
  readonly connectionsMax: number;
  readonly log: (level: 'debug' | 'warn' | 'error', event: string, fields?: Record<string, unknown>) => void;
  /** Called once per finished request (metrics). */
  readonly onRequest?: (route: string, method: string, status: number, seconds: number) => void;
  /** Monotonic seconds, for latency. */
  readonly nowSeconds: () => number;
}

const OPEN_PATHS = new Set(['/health', '/ready']);

export function createHttpServer(options: HttpServerOptions): Server {
  let inFlight = 0;
  const tokenBytes = options.token === undefined ? undefined : Buffer.from(`Bearer ${options.token}`, 'utf8');
  const limits = {
    requestTimeout: options.requestReadTimeoutMs,
    headersTimeout: options.requestReadTimeoutMs,
    // Node checks those timeouts only this often (30 s by default: a slow request then held its connection 4× the limit).
    connectionsCheckingInterval: Math.min(30_000, Math.max(50, options.requestReadTimeoutMs / 4)),
    maxHeaderSize: 16 * 1024,
  };
  const server = createServer(limits, (req, res) => {
    const startedS = options.nowSeconds();
    let route = 'unmatched';
    inFlight++;
    // One settle path for sync and async handlers, without a promise chain per request.
    const finish = (reply: Reply): void => {
      inFlight--;
      try {
        send(res, reply, req);
        options.onRequest?.(route, req.method ?? '?', reply.status, options.nowSeconds() - startedS);
      } catch (e) {
        options.log('error', 'http.send-failed', { error: e instanceof Error ? e.message : String(e) });
        res.destroy();
      }
    };
    const fail = (e: unknown): void => finish(errorReply(e, options));
    let reply: Promise<Reply> | Reply;
    try {
      reply = handle(req, (label) => (route = label));
    } catch (e) {
      fail(e);
      return;
    }
    if (reply instanceof Promise) reply.then(finish, fail);
    else finish(reply);
  });
  server.maxConnections = options.connectionsMax;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // Malformed HTTP (bad request line, oversized headers) or a request too slow to arrive: answer once if we can, then drop the connection.
    if (socket.writable && !socket.writableEnded) {
      const [status, reason, error] =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request Header Fields Too Large', new ApiError(431, 'too_large', 'request headers are too large', { field: 'headers' })]
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? [408, 'Request Timeout', new ApiError(408, 'request_timeout', `the request did not arrive within ${options.requestReadTimeoutMs} ms`, { field: 'request' })]
            : [400, 'Bad Request', new ApiError(400, 'invalid_request', 'malformed HTTP request', { field: 'request' })];
      const body = JSON.stringify(error.body());
      socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    } else socket.destroy();
  });

  /** Throws (an ApiError, or a bug) or returns the handler's reply. */
  function handle(req: IncomingMessage, setRoute: (label: string) => void): Promise<Reply> | Reply {
    const rawUrl = req.url ?? '/';
    if (rawUrl.length > options.urlCharsMax) {
      throw new ApiError(414, 'too_large', `the URL is ${rawUrl.length} characters; the limit is ${options.urlCharsMax}`, { field: 'url' });
    }
    // Split by hand: WHATWG URL parsing would normalise `..` and `//` inside keys.
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    if (!path.startsWith('/')) throw new ApiError(400, 'invalid_request', 'the URL path must start with /', { field: 'url' });
    if (tokenBytes !== undefined && !OPEN_PATHS.has(path)) checkToken(req, tokenBytes);
    if (options.accepting !== undefined && !options.accepting() && path !== '/health') {
      throw new ApiError(503, 'unavailable', 'this node is starting or stopping', { definite: true }, { 'Retry-After': '1' });
    }
    if (inFlight > options.requestsInFlightMax) {
      throw new ApiError(503, 'overloaded', `more than ${options.requestsInFlightMax} requests are in flight on this node`, { definite: true }, { 'Retry-After': '1' });
    }
    const method = req.method;
    if (!isMethod(method)) throw new ApiError(405, 'method_not_allowed', `method ${String(method).slice(0, 20)} is not supported`);
    // Path parameters are percent-decoded once, by the router (so %2F inside a key is a `/`).
    const match = options.router.match(method, path);
    setRoute(match.label);
    let body: Promise<unknown> | undefined;
    let query: URLSearchParams | undefined;
    const ctx: RequestContext = {
      req,
      method,
      path,
      // Parsed on first use: most requests have no query string.
      get query() {
        return (query ??= new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1)));
      },
      params: match.params,
      body: () => (body ??= readBody(req, options.bodyBytesMax).then(parseJsonBody)),
    };
    return match.handler(ctx);
  }

  return server;
}

function checkToken(req: IncomingMessage, expected: Buffer): void {
  const got = req.headers.authorization;
  const gotBytes = Buffer.from(got ?? '', 'utf8');
  if (gotBytes.length !== expected.length || !timingSafeEqual(gotBytes, expected)) {
    throw new ApiError(401, 'unauthorized', got === undefined ? 'an Authorization: Bearer token is required' : 'the bearer token is wrong', undefined, {
      'WWW-Authenticate': 'Bearer realm="faultline"',
    });
  }
}

function errorReply(e: unknown, options: HttpServerOptions): Reply {
  if (isApiError(e)) return { status: e.status, body: e.body(), headers: e.headers };
  options.log('error', 'http.handler-error', { error: e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : String(e) });
  return { status: 500, body: new ApiError(500, 'internal', 'internal error; the node keeps serving').body() };
}

function send(res: ServerResponse, reply: Reply, req: IncomingMessage): void {
  const text = reply.contentType !== undefined ? String(reply.body) : JSON.stringify(reply.body);
  const headers: Record<string, string | number> = {
    'content-type': reply.contentType ?? 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  };
  if (reply.headers !== undefined) Object.assign(headers, reply.headers);
  // A request whose body we did not read to the end (413, early errors) leaves bytes on the socket: close it.
  if (!req.complete) headers.connection = 'close';
  res.writeHead(reply.status, headers);
  res.end(text);
}
