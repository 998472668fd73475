import type { DatabaseSync } from 'node:sqlite';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { inTransaction } from './db.ts';

/** The key tokens are signed with now. */
export interface CurrentKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
}

interface KeyRow {
  kid: string;
  private_jwk: string;
  public_jwk: string;
  created_at: number;
  retired_at: number | null;
}

/**
 * Signing keys persisted in the shared database, so a restarted issuer keeps signing with the
 * same key and every published key survives. `kid` is the RFC 7638 thumbprint of the public key.
 */
export interface SigningKeyStore {
  /** The newest key, created (in the database) when there is none. */
  loadCurrent(): Promise<CurrentKey>;
  /** Makes a new current key and retires the old one; returns the new key. */
  rotate(): Promise<CurrentKey>;
  /**
   * Public keys to publish: the current one, the one it replaced, and any other retired less
   * than `keepRetiredMs` ago (tokens it signed may still be unexpired).
   */
  listPublished(keepRetiredMs: number): JWK[];
}

export function createSigningKeyStore(db: DatabaseSync, now: () => number): SigningKeyStore {
  const selectCurrent = db.prepare('SELECT * FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, rowid DESC LIMIT 1');
  const selectAll = db.prepare('SELECT * FROM signing_keys ORDER BY created_at DESC, rowid DESC');
  const insertKey = db.prepare('INSERT INTO signing_keys (kid, private_jwk, public_jwk, created_at) VALUES (?, ?, ?, ?)');
  const retireOthers = db.prepare('UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL AND kid <> ?');

  async function importCurrent(row: KeyRow): Promise<CurrentKey> {
    const privateKey = await importJWK(JSON.parse(row.private_jwk) as JWK, 'RS256');
    return { kid: row.kid, privateKey: privateKey as CryptoKey };
  }

  async function generateRow(): Promise<KeyRow> {
    const pair = await generateKeyPair('RS256', { extractable: true });
    const publicJwk = await exportJWK(pair.publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = await exportJWK(pair.privateKey);
    const createdAt = now();
    return {
      kid,
      private_jwk: JSON.stringify({ ...privateJwk, kid, alg: 'RS256', use: 'sig' }),
      public_jwk: JSON.stringify({ ...publicJwk, kid, alg: 'RS256', use: 'sig' }),
      created_at: createdAt,
      retired_at: null,
    };
  }

  return {
    async loadCurrent() {
      const existing = selectCurrent.get() as KeyRow | undefined;
      if (existing !== undefined) return importCurrent(existing);
      const fresh = await generateRow();
      // Another process may have created a key while this one generated; the first one wins.
      const row = inTransaction(db, () => {
        const raced = selectCurrent.get() as KeyRow | undefined;
        if (raced !== undefined) return raced;
        insertKey.run(fresh.kid, fresh.private_jwk, fresh.public_jwk, fresh.created_at);
        return fresh;
      });
      return importCurrent(row);
    },
    async rotate() {
      const fresh = await generateRow();
      inTransaction(db, () => {
        insertKey.run(fresh.kid, fresh.private_jwk, fresh.public_jwk, fresh.created_at);
        retireOthers.run(fresh.created_at, fresh.kid);
      });
      return importCurrent(fresh);
    },
    listPublished(keepRetiredMs) {
      const rows = selectAll.all() as unknown as KeyRow[];
      const cutoff = now() - keepRetiredMs;
      return rows
        .filter((row, index) => index < 2 || row.retired_at === null || row.retired_at > cutoff)
        .map((row) => JSON.parse(row.public_jwk) as JWK);
    },
  };
}
