import type { IdempotencyConfig, RouteConfig } from './types.ts';
import { CONFIG_DEFAULTS as D } from './schema.ts';
import { isRecord, type Data, type Report } from './rules.ts';

/** A route's `idempotency` block after the schema and the semantic checks, durations and sizes numbers. */
export interface CheckedRouteIdempotency {
  idempotency?: { required?: boolean; ttlSec?: number; maxResponseBytes?: number };
}

/** The route's Idempotency-Key handling with its defaults; nothing at all on a route without the block. */
export function buildRouteIdempotency(route: CheckedRouteIdempotency): Pick<RouteConfig, 'idempotency'> {
  const block = route.idempotency;
  if (block === undefined) return {};
  const idempotency: IdempotencyConfig = {
    required: block.required ?? D.idempotency.required,
    ttlSec: block.ttlSec ?? D.idempotency.ttlSec,
    maxResponseBytes: block.maxResponseBytes ?? D.idempotency.maxResponseBytes,
  };
  return { idempotency };
}

/** The draft defines the key for non-idempotent methods; cachet applies it to these (RFC 9110 §9.2.2). */
const KEYED_METHODS = ['POST', 'PATCH'];

/** A route whose methods include neither POST nor PATCH would never check a key: an error, not a silent no-op. */
export function checkRouteIdempotency(route: Data, index: number, report: Report): void {
  if (!isRecord(route['idempotency'])) return;
  const methods = route['methods'];
  if (!Array.isArray(methods) || methods.some((method) => KEYED_METHODS.includes(method as string))) return;
  report(
    ['routes', index, 'idempotency'],
    `applies to POST and PATCH only, and this route takes ${methods.join(', ')}, expected POST or PATCH in methods, or no idempotency`,
  );
}
