import type { Identity, Revocation, RevocationList } from './types.ts';

interface SubjectEntry {
  readonly before: number;
  /** Explicit `exp` from the admin, if any. */
  readonly exp: number | undefined;
  /** When the entry can no longer match a valid token (epoch seconds). */
  readonly pruneAtSec: number;
}

/**
 * How long a token may live when nothing says otherwise: a subject cut-off without `exp` is kept this long past
 * its `before` (here and in the shared store).
 */
export const DEFAULT_MAX_TOKEN_LIFETIME_SEC = 86_400;

/**
 * Creates the local revocation list. Lookups are two map reads; entries remove themselves once
 * they cannot match any token the gateway would still accept:
 * - `{jti, exp}` at `exp` (the token is expired by then anyway);
 * - `{sub, before}` at its explicit `exp`, else at `before + maxTokenLifetimeSec`.
 *
 * A token without `iat` whose subject has an entry is treated as revoked: its age is unknown,
 * so it cannot prove it was issued after `before`.
 */
export function createRevocationList(options: { maxTokenLifetimeSec?: number } = {}): RevocationList {
  const maxTokenLifetimeSec = options.maxTokenLifetimeSec ?? DEFAULT_MAX_TOKEN_LIFETIME_SEC;
  const byTokenId = new Map<string, number>();
  const bySubject = new Map<string, SubjectEntry>();

  function pruneExpired(nowSec: number): void {
    for (const [jti, exp] of byTokenId) if (exp <= nowSec) byTokenId.delete(jti);
    for (const [sub, entry] of bySubject) if (entry.pruneAtSec <= nowSec) bySubject.delete(sub);
  }

  function isTokenIdRevoked(jti: string, nowSec: number): boolean {
    const exp = byTokenId.get(jti);
    if (exp === undefined) return false;
    if (exp > nowSec) return true;
    byTokenId.delete(jti);
    return false;
  }

  function isSubjectRevoked(identity: Identity, sub: string, nowSec: number): boolean {
    const entry = bySubject.get(sub);
    if (entry === undefined) return false;
    if (entry.pruneAtSec <= nowSec) {
      bySubject.delete(sub);
      return false;
    }
    return identity.issuedAtSec === undefined || identity.issuedAtSec < entry.before;
  }

  return {
    isRevoked(identity, nowSec) {
      if (identity.tokenId !== undefined && byTokenId.size > 0 && isTokenIdRevoked(identity.tokenId, nowSec)) return true;
      return identity.subject !== undefined && bySubject.size > 0 && isSubjectRevoked(identity, identity.subject, nowSec);
    },
    add(entry, nowSec) {
      pruneExpired(nowSec);
      if ('jti' in entry) {
        if (entry.exp <= nowSec) return;
        // A second entry for the same jti never shortens the first.
        byTokenId.set(entry.jti, Math.max(entry.exp, byTokenId.get(entry.jti) ?? 0));
        return;
      }
      const previous = bySubject.get(entry.sub);
      const before = Math.max(entry.before, previous?.before ?? entry.before);
      const ownPruneAtSec = entry.exp ?? entry.before + maxTokenLifetimeSec;
      // Merging never weakens an existing entry: the later `before` and the later prune time win.
      const pruneAtSec = Math.max(ownPruneAtSec, previous?.pruneAtSec ?? 0);
      if (pruneAtSec <= nowSec) return;
      const exp = entry.exp === undefined && previous?.exp === undefined ? undefined : pruneAtSec;
      bySubject.set(entry.sub, { before, exp, pruneAtSec });
    },
    remove(selector) {
      return 'jti' in selector ? byTokenId.delete(selector.jti) : bySubject.delete(selector.sub);
    },
    list(nowSec) {
      pruneExpired(nowSec);
      const entries: Revocation[] = [];
      for (const [jti, exp] of byTokenId) entries.push({ jti, exp });
      for (const [sub, { before, exp }] of bySubject) entries.push(exp === undefined ? { sub, before } : { sub, before, exp });
      return entries;
    },
  };
}
