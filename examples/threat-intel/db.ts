import { DatabaseSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createHash } from 'node:crypto';
import { createSeedThreats } from './seed.ts';
import { createDemoUsers } from './users.ts';

/** How long a writer waits for another process's write lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
  client_id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL,
  scope TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS signing_keys (
  kid TEXT PRIMARY KEY,
  private_jwk TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  retired_at INTEGER
);
CREATE TABLE IF NOT EXISTS threats (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  family TEXT NOT NULL,
  severity TEXT NOT NULL,
  description TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS idempotency_keys (
  subject TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  response TEXT NOT NULL,
  resource_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (subject, key)
);
CREATE TABLE IF NOT EXISTS scans (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  subject TEXT NOT NULL,
  target TEXT NOT NULL,
  verdict TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS scans_by_subject ON scans (subject, id);
`;

/**
 * Opens the database file shared by every issuer and origin process, creating the schema and the
 * demo data on first use. WAL lets readers run alongside one writer; the busy timeout makes a
 * second process wait for the write lock instead of failing. Seeding is keyed by a `meta` row
 * written in the same transaction, so any number of instances starting together seed once.
 */
export function openDatabase(dbPath: string): DatabaseSync {
  if (dbPath !== ':memory:') mkdirSync(dirname(dbPath), { recursive: true });
  const db = new DatabaseSync(dbPath, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    inTransaction(db, () => {
      db.exec(SCHEMA);
      const claimed = db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('seeded', '1')").run();
      if (Number(claimed.changes) === 1) seedDemoData(db);
    });
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

function seedDemoData(db: DatabaseSync): void {
  const insertThreat = db.prepare(
    'INSERT OR IGNORE INTO threats (id, name, family, severity, description, version, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?)',
  );
  for (const threat of createSeedThreats()) {
    insertThreat.run(threat.id, threat.name, threat.family, threat.severity, threat.description, threat.updatedAt);
  }
  const insertUser = db.prepare('INSERT OR IGNORE INTO users (client_id, secret_hash, scope) VALUES (?, ?, ?)');
  for (const user of createDemoUsers()) insertUser.run(user.clientId, hashSecret(user.clientId, user.secret), user.scope);
}

/**
 * Runs `work` in a write transaction. BEGIN IMMEDIATE takes the write lock up front, so a
 * read-then-write (idempotency keys, If-Match checks) cannot interleave with another process.
 */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw err;
  }
}

/**
 * Demo-grade secret hashing (salted with the client id). Production: a slow KDF such as scrypt or
 * argon2 with a random salt; this example keeps token issuance cheap for the load simulation.
 */
export function hashSecret(clientId: string, secret: string): string {
  return createHash('sha256').update(`${clientId}\0${secret}`).digest('hex');
}
