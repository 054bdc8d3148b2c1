/**
 * A small method + path router: routes are tried in order; a path that
 * matches with another method is 405, no match is 404. Path parameters are
 * percent-decoded here, and a malformed escape is a 400 naming the parameter.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError, invalidField } from './errors.js';

export type Method = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly method: Method;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly params: Readonly<Record<string, string>>;
  /** The parsed JSON body (undefined when empty), read on first use with the body limit. */
  body(): Promise<unknown>;
}

export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Send `body` as-is (a string) with this content type instead of JSON. */
  readonly contentType?: string;
}

export type Handler = (ctx: RequestContext) => Promise<Reply> | Reply;

interface Route {
  readonly method: Method;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  /** Label for metrics (the pattern, not the concrete path: bounded cardinality). */
  readonly label: string;
  readonly handler: Handler;
}

export interface RouteMatch {
  readonly label: string;
  readonly handler: Handler;
  readonly params: Record<string, string>;
}

export class Router {
  readonly #routes: Route[] = [];

  /**
   * `path` uses `:name` for one segment and `*name` for the rest of the path
   * (keys may contain `/`).
   */
  add(method: Method, path: string, handler: Handler): this {
    const names: string[] = [];
    const source = path
      .split('/')
      .map((segment) => {
        if (segment.startsWith(':')) {
          names.push(segment.slice(1));
          return '([^/]+)';
        }
        if (segment.startsWith('*')) {
          names.push(segment.slice(1));
          return '(.*)'; // empty too, so the handler can say which parameter is missing
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.#routes.push({ method, pattern: new RegExp(`^${source}$`), names, label: path, handler });
    return this;
  }

  match(method: string, path: string): RouteMatch {
    let pathMatched = false;
    for (const route of this.#routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeParam(name, m[i + 1]!);
      });
      return { label: route.label, handler: route.handler, params };
    }
    if (pathMatched) throw new ApiError(405, 'method_not_allowed', `${method} is not allowed on ${path}`);
    throw new ApiError(404, 'not_found', `no route for ${method} ${path}`);
  }
}

function decodeParam(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalidField(name, 'is not a valid percent-encoded string');
  }
}

export function isMethod(m: string | undefined): m is Method {
  return m === 'GET' || m === 'PUT' || m === 'POST' || m === 'DELETE';
}
