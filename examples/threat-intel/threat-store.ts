import type { DatabaseSync } from 'node:sqlite';
import { createHash } from 'node:crypto';
import { inTransaction } from './db.ts';
import type { Severity, ThreatInput } from './threat-input.ts';

/** A threat as served (`updatedAt` is an ISO 8601 instant). */
export interface Threat {
  readonly id: number;
  readonly name: string;
  readonly family: string;
  readonly severity: string;
  readonly description: string;
  readonly version: number;
  readonly updatedAt: string;
}

/** A stored response to an `Idempotency-Key` request, replayed verbatim to retries. */
export interface StoredResponse {
  readonly status: number;
  readonly body: string;
  readonly resourceId: number;
}

export type CreateOutcome =
  | { readonly kind: 'created'; readonly response: StoredResponse }
  | { readonly kind: 'replayed'; readonly response: StoredResponse }
  | { readonly kind: 'key-reused' };

export type UpdateOutcome =
  | { readonly kind: 'updated'; readonly threat: Threat }
  | { readonly kind: 'not-found' }
  /** The version checked under the write lock is not the one the caller's precondition saw. */
  | { readonly kind: 'conflict' };

/** Idempotency records are kept this long (a retry after a day is a new request). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

interface ThreatRow {
  id: number;
  name: string;
  family: string;
  severity: string;
  description: string;
  version: number;
  updated_at: number;
}

interface IdempotencyRow {
  request_hash: string;
  status: number;
  response: string;
  resource_id: number;
}

/** Reads and writes threats in the shared database; writes take the write lock so instances cannot interleave. */
export interface ThreatStore {
  list(severity?: Severity): Threat[];
  get(id: number): Threat | undefined;
  /**
   * Creates a threat, or with an idempotency key replays the response stored for the first request
   * with that key (same subject, same input), or reports the key reused with another input.
   */
  create(input: ThreatInput, idempotency?: { subject: string; key: string }): CreateOutcome;
  /** Replaces a threat's fields if it is still at `expectedVersion`, bumping the version. */
  update(id: number, expectedVersion: number, input: ThreatInput): UpdateOutcome;
}

export function createThreatStore(db: DatabaseSync, now: () => number): ThreatStore {
  const selectAll = db.prepare('SELECT * FROM threats ORDER BY id');
  const selectBySeverity = db.prepare('SELECT * FROM threats WHERE severity = ? ORDER BY id');
  const selectOne = db.prepare('SELECT * FROM threats WHERE id = ?');
  const insertThreat = db.prepare(
    'INSERT INTO threats (name, family, severity, description, version, updated_at) VALUES (?, ?, ?, ?, 1, ?) RETURNING *',
  );
  const updateThreat = db.prepare(
    'UPDATE threats SET name = ?, family = ?, severity = ?, description = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ? RETURNING *',
  );
  const selectKey = db.prepare(
    'SELECT request_hash, status, response, resource_id FROM idempotency_keys WHERE subject = ? AND key = ? AND created_at > ?',
  );
  const deleteExpiredKeys = db.prepare('DELETE FROM idempotency_keys WHERE created_at <= ?');
  const insertKey = db.prepare(
    'INSERT INTO idempotency_keys (subject, key, request_hash, status, response, resource_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );

  function insert(input: ThreatInput): StoredResponse {
    const row = insertThreat.get(input.name, input.family, input.severity, input.description, now()) as unknown as ThreatRow;
    return { status: 201, body: JSON.stringify(toThreat(row)), resourceId: row.id };
  }

  return {
    list(severity) {
      const rows = (severity === undefined ? selectAll.all() : selectBySeverity.all(severity)) as unknown as ThreatRow[];
      return rows.map(toThreat);
    },
    get(id) {
      const row = selectOne.get(id) as ThreatRow | undefined;
      return row === undefined ? undefined : toThreat(row);
    },
    create(input, idempotency) {
      if (idempotency === undefined) return { kind: 'created', response: inTransaction(db, () => insert(input)) };
      const requestHash = hashInput(input);
      return inTransaction(db, (): CreateOutcome => {
        const createdAt = now();
        deleteExpiredKeys.run(createdAt - IDEMPOTENCY_TTL_MS);
        const stored = selectKey.get(idempotency.subject, idempotency.key, createdAt - IDEMPOTENCY_TTL_MS) as IdempotencyRow | undefined;
        if (stored !== undefined) {
          if (stored.request_hash !== requestHash) return { kind: 'key-reused' };
          return { kind: 'replayed', response: { status: stored.status, body: stored.response, resourceId: stored.resource_id } };
        }
        const response = insert(input);
        insertKey.run(idempotency.subject, idempotency.key, requestHash, response.status, response.body, response.resourceId, createdAt);
        return { kind: 'created', response };
      });
    },
    update(id, expectedVersion, input) {
      return inTransaction(db, (): UpdateOutcome => {
        const row = updateThreat.get(input.name, input.family, input.severity, input.description, now(), id, expectedVersion) as
          | ThreatRow
          | undefined;
        if (row !== undefined) return { kind: 'updated', threat: toThreat(row) };
        return selectOne.get(id) === undefined ? { kind: 'not-found' } : { kind: 'conflict' };
      });
    },
  };
}

function toThreat(row: ThreatRow): Threat {
  return {
    id: row.id,
    name: row.name,
    family: row.family,
    severity: row.severity,
    description: row.description,
    version: row.version,
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** Fingerprint of the validated input, so a retry matches even if its JSON is spaced differently. */
function hashInput(input: ThreatInput): string {
  return createHash('sha256')
    .update(JSON.stringify([input.name, input.family, input.severity, input.description]))
    .digest('hex');
}
