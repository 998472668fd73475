import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_TABLE } from '../errors.ts';
import { sendJson } from './respond.ts';

/** How a reload ended: in force, or refused with every problem (the config in force serves on). */
export type AdminReloadOutcome = { readonly reloaded: true } | { readonly reloaded: false; readonly problems: readonly string[] };

const REFUSED = 'CACHET_ERR_CONFIG_RELOAD_REFUSED';

/**
 * `POST /reload`: 200 `{"reloaded":true}` once the new config is in force, or 422 problem+json
 * `CACHET_ERR_CONFIG_RELOAD_REFUSED` whose `problems` lists every reason (RFC 9457 §3.2 extension member).
 * The request body, if any, is ignored: the config is read from where the gateway started from.
 */
export async function handleReload(reload: () => Promise<AdminReloadOutcome>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  req.resume();
  const outcome = await reload();
  if (outcome.reloaded) return sendJson(res, 200, { reloaded: true });
  const { status, title } = ERROR_TABLE[REFUSED];
  const detail = `The config was not reloaded (${outcome.problems.length} problem(s)); the previous config serves on.`;
  const body = JSON.stringify({ type: 'about:blank', title, status, detail, code: REFUSED, problems: outcome.problems });
  res.writeHead(status, {
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}
