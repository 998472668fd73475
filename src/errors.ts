/** What a code means to an HTTP client: the status it answers with, and the status phrase used as the problem title. */
export interface ErrorSpec {
  readonly status: number;
  readonly title: string;
}

const BAD_REQUEST = { status: 400, title: 'Bad Request' } as const;
const UNAUTHORIZED = { status: 401, title: 'Unauthorized' } as const;
const FORBIDDEN = { status: 403, title: 'Forbidden' } as const;
const TOO_MANY_REQUESTS = { status: 429, title: 'Too Many Requests' } as const;
const INTERNAL = { status: 500, title: 'Internal Server Error' } as const;
const BAD_GATEWAY = { status: 502, title: 'Bad Gateway' } as const;

/**
 * Every stable code (`CACHET_ERR_<AREA>_<WHAT>`) in one table, documented in docs/errors.md. Raising or answering
 * an error names only the code and the detail; status and title come from here. Codes that never reach an HTTP
 * client (config, CLI, listen, store) carry 500: the CLI turns them into exit statuses.
 */
export const ERROR_TABLE = {
  CACHET_ERR_CONFIG_INVALID: INTERNAL,
  CACHET_ERR_CONFIG_READ: INTERNAL,
  CACHET_ERR_CONFIG_PARSE: INTERNAL,
  CACHET_ERR_CONFIG_ENV: INTERNAL,
  CACHET_ERR_CONFIG_RELOAD_REFUSED: { status: 422, title: 'Unprocessable Content' },
  CACHET_ERR_LISTEN: INTERNAL,
  CACHET_ERR_STORE: INTERNAL,
  CACHET_ERR_WORKER_START: INTERNAL,
  CACHET_ERR_BUS_UNCONFIRMED: INTERNAL,
  CACHET_ERR_BUS_NOT_SHARED: INTERNAL,
  CACHET_ERR_INTERNAL: INTERNAL,

  CACHET_ERR_REQUEST_MALFORMED: BAD_REQUEST,
  CACHET_ERR_REQUEST_PATH: BAD_REQUEST,
  CACHET_ERR_REQUEST_HEADERS_TOO_LARGE: { status: 431, title: 'Request Header Fields Too Large' },
  CACHET_ERR_REQUEST_BODY_TOO_LARGE: { status: 413, title: 'Content Too Large' },
  CACHET_ERR_REQUEST_TIMEOUT: { status: 408, title: 'Request Timeout' },
  CACHET_ERR_ROUTE_NOT_FOUND: { status: 404, title: 'Not Found' },
  CACHET_ERR_ROUTE_METHOD: { status: 405, title: 'Method Not Allowed' },
  CACHET_ERR_CORS_FORBIDDEN: FORBIDDEN,

  // RFC 6750 §3.1: invalid_request → 400, no credentials or invalid_token → 401, insufficient_scope → 403.
  CACHET_ERR_AUTH_MISSING: UNAUTHORIZED,
  CACHET_ERR_AUTH_INVALID_REQUEST: BAD_REQUEST,
  CACHET_ERR_AUTH_INVALID_TOKEN: UNAUTHORIZED,
  CACHET_ERR_AUTH_EXPIRED: UNAUTHORIZED,
  CACHET_ERR_AUTH_NOT_YET_VALID: UNAUTHORIZED,
  CACHET_ERR_AUTH_REVOKED: UNAUTHORIZED,
  CACHET_ERR_AUTH_TOO_LARGE: UNAUTHORIZED,
  CACHET_ERR_AUTH_INSUFFICIENT_SCOPE: FORBIDDEN,
  CACHET_ERR_AUTH_CLAIM_MISMATCH: FORBIDDEN,
  CACHET_ERR_AUTH_UNAVAILABLE: { status: 503, title: 'Service Unavailable' },

  // RFC 6585 §4; never a 5xx, even when the shared store cannot be asked (onStoreError: deny).
  CACHET_ERR_RATE_LIMITED: TOO_MANY_REQUESTS,
  CACHET_ERR_RATE_LIMIT_UNCHECKED: TOO_MANY_REQUESTS,

  // draft-ietf-httpapi-idempotency-key-header-06 §2.7: missing key 400, key reused for another request 422,
  // first request still in flight 409.
  CACHET_ERR_IDEMPOTENCY_KEY_MISSING: BAD_REQUEST,
  CACHET_ERR_IDEMPOTENCY_KEY_INVALID: BAD_REQUEST,
  CACHET_ERR_IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'Unprocessable Content' },
  CACHET_ERR_IDEMPOTENCY_IN_FLIGHT: { status: 409, title: 'Conflict' },
  CACHET_ERR_IDEMPOTENCY_NOT_REPLAYABLE: { status: 409, title: 'Conflict' },
  CACHET_ERR_IDEMPOTENCY_UNAVAILABLE: { status: 503, title: 'Service Unavailable' },

  CACHET_ERR_UPSTREAM_UNAVAILABLE: { status: 503, title: 'Service Unavailable' },
  CACHET_ERR_UPSTREAM_CONNECT: BAD_GATEWAY,
  CACHET_ERR_UPSTREAM_TIMEOUT: { status: 504, title: 'Gateway Timeout' },
  CACHET_ERR_UPSTREAM_RESPONSE: BAD_GATEWAY,
  CACHET_ERR_CACHE_ONLY_IF_CACHED: { status: 504, title: 'Gateway Timeout' },
  CACHET_ERR_CACHE_RANGE_NOT_SATISFIABLE: { status: 416, title: 'Range Not Satisfiable' },

  CACHET_ERR_ADMIN_UNAUTHORIZED: UNAUTHORIZED,
  CACHET_ERR_ADMIN_BAD_REQUEST: BAD_REQUEST,
  CACHET_ERR_ADMIN_FORBIDDEN: { status: 403, title: 'Forbidden' },
  CACHET_ERR_ADMIN_NOT_FOUND: { status: 404, title: 'Not Found' },
  CACHET_ERR_ADMIN_METHOD: { status: 405, title: 'Method Not Allowed' },
  CACHET_ERR_ADMIN_MEDIA_TYPE: { status: 415, title: 'Unsupported Media Type' },
  CACHET_ERR_ADMIN_BODY_TOO_LARGE: { status: 413, title: 'Content Too Large' },
  CACHET_ERR_ADMIN_INTERNAL: INTERNAL,

  CACHET_ERR_ORIGIN_PURGE: BAD_GATEWAY,
} as const satisfies Readonly<Record<`CACHET_ERR_${string}`, ErrorSpec>>;

/** Stable error codes; `switch (err.code)` narrows. */
export type CachetErrorCode = keyof typeof ERROR_TABLE;

/** The codes of edge authentication refusals. */
export type AuthErrorCode = Extract<CachetErrorCode, `CACHET_ERR_AUTH_${string}`>;

/** Every error cachet raises on purpose carries a stable code, and the HTTP status the table gives it. */
export class CachetError extends Error {
  readonly code: CachetErrorCode;
  readonly status: number;

  constructor(code: CachetErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CachetError';
    this.code = code;
    this.status = ERROR_TABLE[code].status;
  }
}

export function isCachetError(value: unknown): value is CachetError {
  return value instanceof CachetError;
}
