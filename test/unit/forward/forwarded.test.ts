import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createForwardedHeaders, type ForwardedFields, type ForwardedInput } from '../../../src/forward/forwarded.ts';
import { isCachetError } from '../../../src/errors.ts';

const trusted = createForwardedHeaders(['10.0.0.0/8', '192.168.1.7', 'fd00::/8', '::1', '::ffff:172.16.0.0/108']);

const input = (
  remoteAddress: string | undefined,
  headers: ForwardedInput['headers'] = {},
  extra: Partial<ForwardedInput> = {},
): ForwardedInput => ({ remoteAddress, encrypted: false, host: 'api.example.com', headers, ...extra });

const spoofed = {
  'x-forwarded-for': '1.2.3.4',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'evil.example',
  forwarded: 'for=1.2.3.4;proto=https',
};

const cases: readonly (readonly [name: string, input: ForwardedInput, expected: ForwardedFields])[] = [
  [
    'untrusted peer: client values dropped, set from the connection',
    input('203.0.113.9', spoofed),
    { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'api.example.com' },
  ],
  [
    'untrusted peer over TLS: proto https',
    input('203.0.113.9', {}, { encrypted: true }),
    { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'api.example.com' },
  ],
  [
    'untrusted peer without Host: no x-forwarded-host',
    input('203.0.113.9', {}, { host: undefined }),
    { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'http' },
  ],
  [
    'unknown peer (socket gone) is never trusted',
    input(undefined, spoofed),
    { 'x-forwarded-for': 'unknown', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'api.example.com' },
  ],
  [
    'trusted IPv4 CIDR: XFF extended, proto/host kept, Forwarded extended (RFC 7239 §4)',
    input('10.1.2.3', spoofed),
    {
      'x-forwarded-for': '1.2.3.4, 10.1.2.3',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
      forwarded: 'for=1.2.3.4;proto=https, for=10.1.2.3;proto=http',
    },
  ],
  [
    'trusted single IPv4',
    input('192.168.1.7', { 'x-forwarded-for': '1.2.3.4' }),
    { 'x-forwarded-for': '1.2.3.4, 192.168.1.7', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'api.example.com' },
  ],
  [
    'neighbour of a trusted single IPv4 is not trusted',
    input('192.168.1.8', { 'x-forwarded-for': '1.2.3.4' }),
    { 'x-forwarded-for': '192.168.1.8', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'api.example.com' },
  ],
  [
    'trusted peer without incoming values: own values',
    input('10.0.0.1'),
    { 'x-forwarded-for': '10.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'api.example.com' },
  ],
  [
    'trusted peer: several XFF lines joined in order',
    input('10.0.0.1', { 'x-forwarded-for': ['1.1.1.1', '2.2.2.2, 3.3.3.3'] }),
    { 'x-forwarded-for': '1.1.1.1, 2.2.2.2, 3.3.3.3, 10.0.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'api.example.com' },
  ],
  [
    'IPv4-mapped IPv6 peer treated as IPv4 (trusted)',
    input('::ffff:10.9.9.9', { 'x-forwarded-for': '1.2.3.4' }),
    { 'x-forwarded-for': '1.2.3.4, 10.9.9.9', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'api.example.com' },
  ],
  [
    'IPv4-mapped IPv6 peer treated as IPv4 (untrusted, written plain)',
    input('::FFFF:203.0.113.9', spoofed),
    { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'api.example.com' },
  ],
  [
    'mapped CIDR entry ::ffff:172.16.0.0/108 trusts 172.16.0.0/12',
    input('172.31.0.1', { 'x-forwarded-for': '1.2.3.4' }),
    { 'x-forwarded-for': '1.2.3.4, 172.31.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'api.example.com' },
  ],
  [
    'mapped CIDR entry does not trust outside its range',
    input('172.32.0.1', { 'x-forwarded-for': '1.2.3.4' }),
    { 'x-forwarded-for': '172.32.0.1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'api.example.com' },
  ],
  [
    'trusted IPv6 CIDR; Forwarded node bracketed and quoted (RFC 7239 §6)',
    input('fd12::5', { forwarded: 'for=1.2.3.4' }),
    {
      'x-forwarded-for': 'fd12::5',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'api.example.com',
      forwarded: 'for=1.2.3.4, for="[fd12::5]";proto=http',
    },
  ],
  [
    'trusted IPv6 loopback',
    input('::1', { 'x-forwarded-for': '1.2.3.4' }),
    { 'x-forwarded-for': '1.2.3.4, ::1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'api.example.com' },
  ],
  [
    'untrusted IPv6 with a zone id',
    input('fe80::1%eth0', spoofed),
    { 'x-forwarded-for': 'fe80::1', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'api.example.com' },
  ],
];

for (const [name, forwardedInput, expected] of cases) {
  test(`createForwardedHeaders: ${name}`, () => {
    assert.deepEqual(trusted(forwardedInput), expected);
  });
}

test('createForwardedHeaders: an empty trust list trusts nobody, not even loopback', () => {
  const none = createForwardedHeaders([]);
  assert.deepEqual(none(input('127.0.0.1', spoofed)), {
    'x-forwarded-for': '127.0.0.1',
    'x-forwarded-proto': 'http',
    'x-forwarded-host': 'api.example.com',
  });
});

for (const bad of ['not-an-ip', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/x', 'fd00::/129', '::ffff:10.0.0.0/64', 'fe80::1%eth0', '']) {
  test(`createForwardedHeaders: invalid trusted proxy ${JSON.stringify(bad)} → CACHET_ERR_CONFIG_INVALID`, () => {
    assert.throws(
      () => createForwardedHeaders(['10.0.0.1', bad]),
      (error) => {
        assert.ok(isCachetError(error));
        assert.equal(error.code, 'CACHET_ERR_CONFIG_INVALID');
        assert.match(error.message, /trustedProxies\[1\]/);
        return true;
      },
    );
  });
}
