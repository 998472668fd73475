import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Revocation, RevocationList } from '../auth/types.ts';
import { ANSWERED, readJsonBody, rejectBadRequest, rejectMethod, sendJson } from './respond.ts';
import {
  parseRevocation,
  parseRevocationPath,
  parseRevocationSelector,
  type ParseResult,
  type RevocationSelector,
} from './revocation-request.ts';

/**
 * Whether a change also reached the state shared with other instances (Redis). `shared: false`: it is in force
 * here and is shared once Redis is back. Absent when the instance shares nothing.
 */
export interface ShareOutcome {
  readonly shared: boolean;
}

/**
 * The list the endpoints change: the gateway's own, one whose changes reach every worker before they
 * resolve (then the answer is sent only once every worker enforces the change), or one shared through Redis
 * (the answer says whether the change was shared).
 */
export interface AdminRevocations {
  // biome-ignore lint/suspicious/noConfusingVoidType: the gateway's own list is passed as is, and its add returns void.
  add(entry: Revocation, nowSec: number): void | ShareOutcome | Promise<ShareOutcome | undefined>;
  remove(selector: { readonly jti: string } | { readonly sub: string }): RemoveOutcome | Promise<RemoveOutcome>;
  list: RevocationList['list'];
}

/** Whether an entry was removed, alone or with whether the removal was shared. */
export type RemoveOutcome = boolean | (ShareOutcome & { readonly removed: boolean });

/** What the revocation endpoints need. */
export interface RevocationDeps {
  readonly revocations: AdminRevocations;
  /** Epoch milliseconds. */
  readonly now: () => number;
}

const REVOCATIONS_PATH = '/revocations';
const COLLECTION_METHODS = 'GET, HEAD, POST, DELETE';

/**
 * `/revocations` and `/revocations/{jti|sub}/<id>`; answers false when `path` is neither (so the caller
 * answers 404). The caller has already checked the admin token.
 *
 * - `POST /revocations` `{"jti", "exp"}` | `{"sub", "before", "exp"?}` → 201 `{"revoked": <entry>}` (and
 *   `"shared"` when the list is shared through Redis)
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
        if (body !== ANSWERED) await removeRevocation(deps, parseRevocationSelector(body), req, res);
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
  else await removeRevocation(deps, selector, req, res);
  return true;
}

async function addRevocation(deps: RevocationDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonBody(req, res);
  if (body === ANSWERED) return;
  const parsed = parseRevocation(body);
  if (!parsed.ok) return rejectBadRequest(req, res, parsed.detail);
  const outcome = await deps.revocations.add(parsed.value, nowSec(deps));
  sendJson(res, 201, { revoked: parsed.value, ...outcome });
}

async function removeRevocation(
  deps: RevocationDeps,
  selector: ParseResult<RevocationSelector>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (!selector.ok) return rejectBadRequest(req, res, selector.detail);
  const outcome = await deps.revocations.remove(selector.value);
  sendJson(res, 200, typeof outcome === 'boolean' ? { removed: outcome } : outcome);
}

function nowSec(deps: RevocationDeps): number {
  return Math.floor(deps.now() / 1000);
}
