import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createKeyPredicate, pathOfKey } from '../../../src/cache/store/selector.ts';

describe('pathOfKey', () => {
  const cases: ReadonlyArray<readonly [rule: string, key: string, path: string]> = [
    ['RFC 9110 §4.2.1: path and query follow the authority', 'http://a.test/p?q=1', '/p?q=1'],
    ['RFC 9110 §4.2.1: the port belongs to the authority', 'https://a.test:8443/p/q', '/p/q'],
    ['RFC 9110 §4.2.3: an empty path is the root', 'http://a.test', '/'],
    ['RFC 9110 §4.2.3: an empty path before a query is the root', 'http://a.test?q=1', '/?q=1'],
    ['RFC 9110 §4.2.1: a slash inside the query is not the path start', 'http://a.test/p?next=/q', '/p?next=/q'],
  ];
  for (const [rule, key, path] of cases) {
    it(`${rule} (${key})`, () => assert.equal(pathOfKey(key), path));
  }
});

describe('createKeyPredicate', () => {
  const cases: ReadonlyArray<readonly [rule: string, selector: { url: string } | { prefix: string }, key: string, expected: boolean]> = [
    ['RFC 9111 §2: a full url matches its own key', { url: 'http://a.test/p?q=1' }, 'http://a.test/p?q=1', true],
    ['RFC 9111 §2: a full url is exact, the query included', { url: 'http://a.test/p' }, 'http://a.test/p?q=1', false],
    ['RFC 9110 §4.2.1: a full url names one scheme', { url: 'http://a.test/p' }, 'https://a.test/p', false],
    ['RFC 9110 §7.1: a path url matches on any host', { url: '/p?q=1' }, 'https://b.test:8443/p?q=1', true],
    ['RFC 9110 §7.1: a path url is exact, the query included', { url: '/p' }, 'http://a.test/p?q=1', false],
    ['RFC 9110 §7.1: a path url never matches the authority', { url: '/a.test/p' }, 'http://a.test/p', false],
    ['RFC 9111 §2: a key prefix matches keys starting with it', { prefix: 'http://a.test/docs' }, 'http://a.test/docs/x', true],
    ['RFC 9111 §2: a key prefix does not cross hosts', { prefix: 'http://a.test/docs' }, 'http://b.test/docs/x', false],
    ['RFC 9110 §7.1: a path prefix matches on any host', { prefix: '/docs/' }, 'http://b.test:81/docs/guide', true],
    ['RFC 9110 §7.1: a path prefix starts at the path, not the host', { prefix: '/docs' }, 'http://docs.test/api/docs', false],
  ];
  for (const [rule, selector, key, expected] of cases) {
    it(`${rule} (${JSON.stringify(selector)} vs ${key})`, () => assert.equal(createKeyPredicate(selector)(key), expected));
  }
});
