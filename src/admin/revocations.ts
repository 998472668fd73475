import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RevocationList } from '../auth/types.ts';
import { ANSWERED, readJsonBody, rejectBadRequest, rejectMethod, sendJson } from './respond.ts';
import {
  parseRevocation,
  parseRevocationPath,
  parseRevocationSelector,
  type ParseResult,
  type RevocationSelector,
} from './revocation-request.ts';

/** What the revocation endpoints need. */
export interface RevocationDeps {
  readonly revocations: RevocationList;
  /** Epoch milliseconds. */
  readonly now: () => number;
}

const REVOCATIONS_PATH = '/revocations';
const COLLECTION_METHODS = 'GET, HEAD, POST, DELETE';

/**
 * `/revocations` and `/revocations/{jti|sub}/<id>`; answers false when `path` is neither (so the caller
 * answers 404). The caller has already checked the admin token.
 *
 * - `POST /revocations` `{"jti", "exp"}` | `{"sub", "before", "exp"?}` → 201 `{"revoked": <entry>}`
 * - `GET /revocations` → 200 `{"revocations": [...]}` (entries that can still match a token)
 * - `DELETE /revocations` `{"jti"}` | `{"sub"}`, or `DELETE /revocations/jti/<id>` / `/revocations/sub/<id>` → 200 `{"removed": bool}`
 */
export async function handleRevocations(deps: RevocationDeps, path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const method = req.method ?? 'GET';
  if (path === REVOCATIONS_PATH) {
    switch (method) {
      case 'GET':
      case 'HEAD':
        sendJson(res, 200, { revocations: deps.revocations.list(nowSec(deps)) });
        return true;
      case 'POST':
        await addRevocation(deps, req, res);
        return true;
      case 'DELETE': {
        const body = await readJsonBody(req, res);
        if (body !== ANSWERED) removeRevocation(deps, parseRevocationSelector(body), req, res);
        return true;
      }
      default:
        rejectMethod(req, res, COLLECTION_METHODS);
        return true;
    }
  }
  if (!path.startsWith(`${REVOCATIONS_PATH}/`)) return false;
  const selector = parseRevocationPath(path.slice(REVOCATIONS_PATH.length));
  if (selector === undefined) return false;
  if (method !== 'DELETE') rejectMethod(req, res, 'DELETE');
  else removeRevocation(deps, selector, req, res);
  return true;
}

async function addRevocation(deps: RevocationDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req, res);
  if (body === ANSWERED) return;
  const parsed = parseRevocation(body);
  if (!parsed.ok) return rejectBadRequest(req, res, parsed.detail);
  deps.revocations.add(parsed.value, nowSec(deps));
  sendJson(res, 201, { revoked: parsed.value });
}

function removeRevocation(
  deps: RevocationDeps,
  selector: ParseResult<RevocationSelector>,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  if (!selector.ok) return rejectBadRequest(req, res, selector.detail);
  sendJson(res, 200, { removed: deps.revocations.remove(selector.value) });
}

function nowSec(deps: RevocationDeps): number {
  return Math.floor(deps.now() / 1000);
}
