import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRouteAccess } from '../../../src/auth/authorize.ts';
import { createIdentity, findClaimTypeError, hasAcceptedAudience, readScopes } from '../../../src/auth/identity.ts';

test('checkRouteAccess: every scope required, exact match (RFC 6750 §3.1 insufficient_scope)', () => {
  const rows: Array<[string, Record<string, unknown>, string[], string | undefined]> = [
    ['all present', { scope: 'read write' }, ['read', 'write'], undefined],
    ['one missing', { scope: 'read' }, ['read', 'write'], 'CACHET_ERR_AUTH_INSUFFICIENT_SCOPE'],
    ['"reader" is not "read"', { scope: 'reader' }, ['read'], 'CACHET_ERR_AUTH_INSUFFICIENT_SCOPE'],
    ['"threats:readwrite" is not "threats:read"', { scope: 'threats:readwrite' }, ['threats:read'], 'CACHET_ERR_AUTH_INSUFFICIENT_SCOPE'],
    ['"read" is not "reader"', { scope: 'read' }, ['reader'], 'CACHET_ERR_AUTH_INSUFFICIENT_SCOPE'],
    ['case matters', { scope: 'READ' }, ['read'], 'CACHET_ERR_AUTH_INSUFFICIENT_SCOPE'],
    ['scp array', { scp: ['read', 'write'] }, ['write'], undefined],
    ['no scopes required', {}, [], undefined],
  ];
  for (const [name, claims, scopes, expected] of rows) {
    const refusal = checkRouteAccess(createIdentity(claims, 'p'), scopes, {});
    assert.equal(refusal?.code, expected, name);
    if (refusal !== undefined) assert.deepEqual([refusal.status, refusal.requiredScopes], [403, scopes], name);
  }
});

test('checkRouteAccess: claim matches are strict and type-sensitive', () => {
  const required = { tenant: 'acme', level: 2, admin: true };
  const rows: Array<[string, Record<string, unknown>, string | undefined]> = [
    ['all equal', { tenant: 'acme', level: 2, admin: true }, undefined],
    ['string instead of number', { tenant: 'acme', level: '2', admin: true }, 'CACHET_ERR_AUTH_CLAIM_MISMATCH'],
    ['string instead of boolean', { tenant: 'acme', level: 2, admin: 'true' }, 'CACHET_ERR_AUTH_CLAIM_MISMATCH'],
    ['array containing the value', { tenant: ['acme'], level: 2, admin: true }, 'CACHET_ERR_AUTH_CLAIM_MISMATCH'],
    ['missing claim', { level: 2, admin: true }, 'CACHET_ERR_AUTH_CLAIM_MISMATCH'],
    ['other value', { tenant: 'acme2', level: 2, admin: true }, 'CACHET_ERR_AUTH_CLAIM_MISMATCH'],
  ];
  for (const [name, claims, expected] of rows) {
    const refusal = checkRouteAccess(createIdentity(claims, 'p'), [], required);
    assert.equal(refusal?.code, expected, name);
    if (refusal !== undefined) assert.equal(refusal.status, 403);
  }
});

test('findClaimTypeError checks RFC 7519 §4.1 claim types', () => {
  const rows: Array<[Record<string, unknown>, string | undefined]> = [
    [{ exp: 1, nbf: 1, iat: 1, sub: 's', jti: 'j', scope: 'a b', scp: ['a'], aud: ['x'] }, undefined],
    [{ exp: '1' }, '"exp" must be a number'],
    [{ nbf: null }, '"nbf" must be a number'],
    [{ iat: Number.NaN }, '"iat" must be a number'],
    [{ sub: 1 }, '"sub" must be a string'],
    [{ jti: {} }, '"jti" must be a string'],
    [{ scope: ['a'] }, '"scope" must be a string'],
    [{ scp: 'a' }, '"scp" must be an array of strings'],
    [{ scp: ['a', 1] }, '"scp" must be an array of strings'],
    [{ aud: 5 }, '"aud" must be a string or an array of strings'],
  ];
  for (const [claims, expected] of rows) assert.equal(findClaimTypeError(claims), expected, JSON.stringify(claims));
});

test('readScopes: scope wins over scp, empty items dropped, duplicates removed in order', () => {
  assert.deepEqual(readScopes({ scope: 'b  a b' }), ['b', 'a']);
  assert.deepEqual(readScopes({ scope: 'a', scp: ['z'] }), ['a']);
  assert.deepEqual(readScopes({ scp: ['x', 'y', 'x'] }), ['x', 'y']);
  assert.deepEqual(readScopes({}), []);
});

test('hasAcceptedAudience: string or array containing any accepted value (RFC 7519 §4.1.3)', () => {
  assert.equal(hasAcceptedAudience('a', ['a', 'b']), true);
  assert.equal(hasAcceptedAudience(['x', 'b'], ['a', 'b']), true);
  assert.equal(hasAcceptedAudience(['x'], ['a']), false);
  assert.equal(hasAcceptedAudience(undefined, ['a']), false);
});
