import type { AuthErrorCode } from './auth/types.ts';

/** Stable error codes, shaped `CACHET_ERR_<AREA>_<WHAT>`; `switch (err.code)` narrows. */
export type CachetErrorCode =
  | AuthErrorCode
  | 'CACHET_ERR_CORS_FORBIDDEN'
  | 'CACHET_ERR_CONFIG_INVALID'
  | 'CACHET_ERR_CONFIG_READ'
  | 'CACHET_ERR_CONFIG_PARSE'
  | 'CACHET_ERR_CONFIG_ENV'
  | 'CACHET_ERR_CLI_USAGE'
  | 'CACHET_ERR_LISTEN'
  | 'CACHET_ERR_REQUEST_MALFORMED'
  | 'CACHET_ERR_REQUEST_PATH'
  | 'CACHET_ERR_REQUEST_HEADERS_TOO_LARGE'
  | 'CACHET_ERR_REQUEST_BODY_TOO_LARGE'
  | 'CACHET_ERR_ROUTE_NOT_FOUND'
  | 'CACHET_ERR_ROUTE_METHOD'
  | 'CACHET_ERR_UPSTREAM_UNAVAILABLE'
  | 'CACHET_ERR_UPSTREAM_CONNECT'
  | 'CACHET_ERR_UPSTREAM_TIMEOUT'
  | 'CACHET_ERR_UPSTREAM_RESPONSE'
  | 'CACHET_ERR_CACHE_ONLY_IF_CACHED'
  | 'CACHET_ERR_ADMIN_UNAUTHORIZED'
  | 'CACHET_ERR_ADMIN_BAD_REQUEST'
  | 'CACHET_ERR_ADMIN_NOT_FOUND'
  | 'CACHET_ERR_ADMIN_METHOD'
  | 'CACHET_ERR_ADMIN_MEDIA_TYPE'
  | 'CACHET_ERR_ADMIN_BODY_TOO_LARGE'
  | 'CACHET_ERR_ADMIN_INTERNAL'
  | 'CACHET_ERR_STORE'
  | 'CACHET_ERR_ORIGIN_PURGE'
  | 'CACHET_ERR_DEMO_PORT'
  | 'CACHET_ERR_DEMO_START';

/** Every error cachet raises on purpose carries a stable code and, when it maps to a response, a status. */
export class CachetError extends Error {
  readonly code: CachetErrorCode;
  readonly status: number;

  constructor(code: CachetErrorCode, message: string, status = 500, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CachetError';
    this.code = code;
    this.status = status;
  }
}

export function isCachetError(value: unknown): value is CachetError {
  return value instanceof CachetError;
}
