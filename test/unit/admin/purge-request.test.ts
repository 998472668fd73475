import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PURGE_TAGS, parsePurgeRequest, type PurgeRequest } from '../../../src/admin/purge-request.ts';

const accepted: ReadonlyArray<[string, unknown, PurgeRequest]> = [
  ['a url path', { url: '/v1/threats?page=2' }, { selectors: [{ url: '/v1/threats?page=2' }], soft: false }],
  ['an absolute url key', { url: 'http://api.example:8080/v1/a' }, { selectors: [{ url: 'http://api.example:8080/v1/a' }], soft: false }],
  ['a prefix', { prefix: '/v1/threats' }, { selectors: [{ prefix: '/v1/threats' }], soft: false }],
  ['an https prefix', { prefix: 'https://api.example/v1/' }, { selectors: [{ prefix: 'https://api.example/v1/' }], soft: false }],
  ['a tag', { tag: 'threats' }, { selectors: [{ tag: 'threats' }], soft: false }],
  ['a soft tag purge', { tag: 'threats', soft: true }, { selectors: [{ tag: 'threats' }], soft: true }],
  ['an explicit hard purge', { url: '/a', soft: false }, { selectors: [{ url: '/a' }], soft: false }],
  ['several tags, duplicates once', { tags: ['a', 'b', 'a'] }, { selectors: [{ tag: 'a' }, { tag: 'b' }], soft: false }],
];

for (const [name, body, expected] of accepted) {
  test(`purge body: accepts ${name}`, () => {
    assert.deepEqual(parsePurgeRequest(body), { ok: true, request: expected });
  });
}

const refused: ReadonlyArray<[string, unknown, RegExp]> = [
  ['null', null, /JSON object/],
  ['an array', [{ url: '/a' }], /JSON object/],
  ['a string', '/a', /JSON object/],
  ['an empty object', {}, /exactly one of/],
  ['only soft', { soft: true }, /exactly one of/],
  ['two selectors', { url: '/a', tag: 't' }, /Only one selector.*url and tag/],
  ['tag and tags', { tag: 't', tags: ['u'] }, /Only one selector/],
  ['an unknown field (typo)', { tga: 't' }, /Unknown field "tga"/],
  ['an unknown field next to a selector', { url: '/a', force: true }, /Unknown field "force"/],
  ['a numeric url', { url: 42 }, /url must be a path/],
  ['a relative url', { url: 'v1/a' }, /url must be a path/],
  ['another scheme', { prefix: 'ftp://host/' }, /prefix must be a path/],
  ['an empty tag', { tag: '' }, /tag must be a non-empty string/],
  ['a numeric tag', { tag: 7 }, /tag must be a non-empty string/],
  ['an empty tag list', { tags: [] }, /tags must be an array/],
  ['a tags string', { tags: 'a' }, /tags must be an array/],
  ['too many tags', { tags: Array.from({ length: MAX_PURGE_TAGS + 1 }, (_, i) => `t${i}`) }, /tags must be an array/],
  ['a non-string tag in the list', { tags: ['a', 1] }, /every entry of tags/],
  ['soft as a string', { url: '/a', soft: 'yes' }, /soft must be true or false/],
];

for (const [name, body, detail] of refused) {
  test(`purge body: refuses ${name}`, () => {
    const result = parsePurgeRequest(body);
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.detail, detail);
  });
}
