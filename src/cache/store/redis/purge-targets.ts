import { sharedKeyOf } from '../../policy/key.ts';
import type { RedisConnection } from '../../../redis/connection.ts';
import { isPathSelector } from '../selector.ts';
import type { PurgeSelector } from '../types.ts';
import type { KeyLayout } from './keys.ts';

/** Members read per index command. */
const PAGE = 500;
/** Above every byte of UTF-8 text: the open upper end of a lexicographic prefix range. */
const LEX_TOP = Buffer.from([0xff]);

/**
 * The shared keys whose slots a purge must visit, read from the indexes: a full URL names its own; a
 * path is tried on every known authority; a prefix is a lexicographic range on each authority it can
 * match; a tag is its index. The cost follows the matches and the number of authorities, never the number
 * of stored objects; no `KEYS` or `SCAN`.
 */
export async function* findPurgeTargets(redis: RedisConnection, layout: KeyLayout, selector: PurgeSelector): AsyncGenerator<string> {
  if ('tag' in selector) {
    yield* readByRank(redis, layout.tagKey(selector.tag));
    return;
  }
  if ('url' in selector) {
    const url = selector.url;
    if (!isPathSelector(url)) {
      yield sharedKeyOf(url);
      return;
    }
    for (const authority of await readAuthorities(redis, layout)) yield `${authority}${url}`;
    return;
  }
  const prefix = selector.prefix;
  for (const authority of await readAuthorities(redis, layout)) {
    const lex = layout.hostKeys(authority).lex;
    if (isPathSelector(prefix)) yield* readByPrefix(redis, lex, `${authority}${prefix}`);
    else if (authority.startsWith(prefix)) yield* readByPrefix(redis, lex, authority);
    else if (prefix.startsWith(authority) && isPathStart(prefix.charCodeAt(authority.length))) yield* readByPrefix(redis, lex, prefix);
  }
}

function isPathStart(code: number): boolean {
  return code === 0x2f || code === 0x3f;
}

async function readAuthorities(redis: RedisConnection, layout: KeyLayout): Promise<string[]> {
  const authorities: string[] = [];
  for await (const authority of readByRank(redis, layout.hostsKey)) authorities.push(authority);
  return authorities;
}

async function* readByRank(redis: RedisConnection, key: string): AsyncGenerator<string> {
  for (let start = 0; ; start += PAGE) {
    const page = await redis.run((client) => client.zrange(key, String(start), String(start + PAGE - 1)));
    yield* page;
    if (page.length < PAGE) return;
  }
}

async function* readByPrefix(redis: RedisConnection, key: string, prefix: string): AsyncGenerator<string> {
  const top = Buffer.concat([Buffer.from(`(${prefix}`), LEX_TOP]);
  let from: string | Buffer = `[${prefix}`;
  for (;;) {
    const start = from;
    const page = (await redis.run((client) => client.call('ZRANGE', key, start, top, 'BYLEX', 'LIMIT', 0, PAGE))) as string[];
    yield* page;
    if (page.length < PAGE) return;
    from = `(${page[page.length - 1]}`;
  }
}
