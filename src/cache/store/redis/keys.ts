import { createHash } from 'node:crypto';
import { sharedKeyOf } from '../../policy/key.ts';

/**
 * Redis key names of the Redis store. Everything of one shared primary key (its per-user keys, their
 * variants and bodies) carries one hash tag, a short hash of the shared key, so every command and script
 * on an entry stays in one cluster slot, while different URLs spread over all slots.
 *
 * ```
 * <prefix>{<h>}:i              hash   k:<h2> → primary key (the shared key and its per-user keys), #hard/#soft → last URL purge
 * <prefix>{<h>}:v:<h2>         hash   v:<variantKey> → variant record (see record.ts), #seq → write counter
 * <prefix>{<h>}:b:<id>         hash   <n> → body chunk n of one written version
 * <prefix>{<h>}:f:<h2>         string the instance fetching this primary key now (coalescing lease, see fill-lease.ts)
 * <prefix>{host:<a>}:x         zset   shared keys of one authority, all score 0 (lexicographic range for prefixes)
 * <prefix>{host:<a>}:t         zset   the same members scored by their latest deleteAt (expiry trimming)
 * <prefix>{tag:<t>}:t          zset   shared keys carrying a tag, scored by deleteAt
 * <prefix>{hosts}              zset   authorities, scored by their latest deleteAt
 * <prefix>{purges}             zset   purge markers, scored by the purge time
 * ```
 * `h` and `h2` are 16 hex digits of SHA-1 (of the shared key, of the primary key); authorities and tags are
 * hashed the same way, so user data never shapes a key name.
 */
export interface KeyLayout {
  readonly hostsKey: string;
  readonly purgesKey: string;
  entryKeys(primaryKey: string): EntryKeys;
  /** The coalescing lease of one primary key, in its slot. */
  fillLeaseKey(primaryKey: string): string;
  slotOf(sharedKey: string): SlotKeys;
  hostKeys(authority: string): { readonly lex: string; readonly byTime: string };
  tagKey(tag: string): string;
}

/** The keys of one shared primary key's slot. */
export interface SlotKeys {
  /** The index hash. */
  readonly index: string;
  /** Prefix of the variant hashes (`+ h2`). */
  readonly variantsPrefix: string;
  /** Prefix of the body hashes (`+ id`). */
  readonly bodyPrefix: string;
}

export interface EntryKeys extends SlotKeys {
  /** Field of this primary key in the index hash. */
  readonly indexField: string;
  readonly variants: string;
}

export function createKeyLayout(prefix: string): KeyLayout {
  function slotOf(sharedKey: string): SlotKeys {
    const tagged = `${prefix}{${hash(sharedKey)}}`;
    return { index: `${tagged}:i`, variantsPrefix: `${tagged}:v:`, bodyPrefix: `${tagged}:b:` };
  }
  return {
    hostsKey: `${prefix}{hosts}`,
    purgesKey: `${prefix}{purges}`,
    slotOf,
    entryKeys(primaryKey) {
      const slot = slotOf(sharedKeyOf(primaryKey));
      const h2 = hash(primaryKey);
      return { ...slot, indexField: `k:${h2}`, variants: `${slot.variantsPrefix}${h2}` };
    },
    fillLeaseKey: (primaryKey) => `${prefix}{${hash(sharedKeyOf(primaryKey))}}:f:${hash(primaryKey)}`,
    hostKeys(authority) {
      const tagged = `${prefix}{host:${hash(authority)}}`;
      return { lex: `${tagged}:x`, byTime: `${tagged}:t` };
    },
    tagKey: (tag) => `${prefix}{tag:${hash(tag)}}:t`,
  };
}

function hash(value: string): string {
  return createHash('sha1').update(value).digest('hex').slice(0, 16);
}

/**
 * `scheme://host[:port]` of a primary key (RFC 9110 §4.2), or undefined when the key has none.
 *
 * @example authorityOf('http://a.test:8080/x?y') // 'http://a.test:8080'
 */
export function authorityOf(key: string): string | undefined {
  const schemeEnd = key.indexOf('://');
  if (schemeEnd <= 0) return undefined;
  for (let i = schemeEnd + 3; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code === 0x2f || code === 0x3f) return key.slice(0, i);
  }
  return key;
}
