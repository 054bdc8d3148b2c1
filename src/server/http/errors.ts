/**
 * Every error the HTTP API returns has one shape:
 * `{ "error": { "code", "message", "definite"?, "details"? } }`. `code` is stable
 * (clients branch on it), `message` is one sentence for humans, `definite`
 * (on 503s) says whether a write certainly did not take effect, `details`
 * holds scalars (`field`, `currentToken`, `leader`, …).
 */

export type ApiErrorCode =
  | 'invalid_request'
  | 'too_large'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'request_timeout'
  | 'no_quorum'
  | 'overloaded'
  | 'unavailable'
  | 'idempotency_key_reused'
  | 'ids_unavailable'
  | 'internal'
  // Service refusals pass through with their own codes (SERVICE_ERROR_HTTP_STATUS).
  | (string & {});

export type ApiErrorDetails = Readonly<Record<string, string | number | boolean | null>>;

export interface ApiErrorBody {
  readonly error: { readonly code: ApiErrorCode; readonly message: string; readonly definite?: boolean; readonly details?: ApiErrorDetails };
}

const BRAND = Symbol.for('faultline.server.api-error');

export class ApiError extends Error {
  readonly [BRAND] = true;
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: ApiErrorDetails,
    /** Extra response headers (Retry-After, WWW-Authenticate). */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }

  /** `definite` (a write certainly did not apply) travels as `error.definite`, the rest as `error.details`. */
  body(): ApiErrorBody {
    const { definite, ...rest } = this.details ?? {};
    const details = Object.keys(rest).length > 0 ? rest : undefined;
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(typeof definite === 'boolean' ? { definite } : {}),
        ...(details !== undefined ? { details } : {}),
      },
    };
  }
}

export function isApiError(e: unknown): e is ApiError {
  return typeof e === 'object' && e !== null && (e as { [BRAND]?: unknown })[BRAND] === true;
}

/** 400 naming the offending field (a JSON path such as `fence.token`, or `key` for the URL). */
export function invalidField(field: string, reason: string): ApiError {
  return new ApiError(400, 'invalid_request', `${field} ${reason}`, { field });
}

/** 413 naming the field (or `body`) that is too big. */
export function tooLarge(field: string, sizeBytes: number, maxBytes: number): ApiError {
  return new ApiError(413, 'too_large', `${field} is ${sizeBytes} bytes; the limit is ${maxBytes}`, { field, sizeBytes, maxBytes });
}
