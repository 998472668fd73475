import type { EntryMeta, StoredHeaders, StoredPolicy } from '../../../../src/cache/policy/entry.ts';

/** 2026-01-01T00:00:00Z, a whole second, so HTTP-dates round-trip exactly. */
export const T0 = Date.UTC(2026, 0, 1);

export const DEFAULT_POLICY: StoredPolicy = Object.freeze({
  noCache: false,
  mustRevalidate: false,
  staleWhileRevalidateSec: 0,
  staleIfErrorSec: 0,
  immutable: false,
  heuristic: false,
});

/** A stored 200 received at T0 with age 0 and a lifetime of `lifetimeSec` (default 100). */
export function createEntryMeta(
  overrides: Partial<Omit<EntryMeta, 'policy'>> & { policy?: Partial<StoredPolicy>; lifetimeSec?: number } = {},
): EntryMeta {
  const { policy, lifetimeSec = 100, ...rest } = overrides;
  const responseAt = rest.responseAt ?? T0;
  const initialAgeSec = rest.initialAgeSec ?? 0;
  const staleAt = responseAt + (lifetimeSec - initialAgeSec) * 1000;
  return {
    key: 'http://example.test/',
    variantKey: '',
    varyFields: [],
    status: 200,
    headers: {} as StoredHeaders,
    requestAt: responseAt,
    responseAt,
    initialAgeSec,
    staleAt,
    deleteAt: staleAt + 3_600_000,
    tags: [],
    size: 0,
    ...rest,
    policy: { ...DEFAULT_POLICY, ...policy },
  };
}

/** `base` plus `seconds`, as an IMF-fixdate. */
export function httpDate(seconds: number, base = T0): string {
  return new Date(base + seconds * 1000).toUTCString();
}
