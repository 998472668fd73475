import { defineCases, type ConformanceCase, type Field } from './harness.ts';

// Vary and secondary keys (cache-tests: vary, vary-parse), RFC 9111 §4.1, RFC 9110 §12.5.5.

const FRESH: Field = ['Cache-Control', 'max-age=3600'];

/** Stores a response with `vary` for `first` request fields, then asks with `second`. */
function varyCase(
  id: string,
  name: string,
  vary: readonly Field[],
  first: readonly Field[],
  second: readonly Field[],
  expect: 'cached' | 'not_cached',
): ConformanceCase {
  const response = { headers: [FRESH, ...vary] };
  return {
    id,
    name,
    steps: [
      { headers: first, response },
      { headers: second, response, expect },
    ],
  };
}

const V = (value: string): Field[] => [['Vary', value]];

defineCases([
  varyCase('vary-match', 'same value of the Vary field: reused (RFC 9111 §4.1)', V('Foo'), [['Foo', '1']], [['Foo', '1']], 'cached'),
  varyCase(
    'vary-no-match',
    'different value of the Vary field: not reused (RFC 9111 §4.1)',
    V('Foo'),
    [['Foo', '1']],
    [['Foo', '2']],
    'not_cached',
  ),
  varyCase(
    'vary-omit-stored',
    'field absent when stored, present now: not reused (RFC 9111 §4.1)',
    V('Foo'),
    [],
    [['Foo', '1']],
    'not_cached',
  ),
  varyCase('vary-omit', 'field present when stored, absent now: not reused (RFC 9111 §4.1)', V('Foo'), [['Foo', '1']], [], 'not_cached'),
  varyCase('vary-omit-both', 'field absent in both requests: reused (RFC 9111 §4.1)', V('Foo'), [], [], 'cached'),
  varyCase(
    'vary-2-match',
    'Vary: Foo, Bar with both equal: reused (RFC 9111 §4.1)',
    V('Foo, Bar'),
    [
      ['Foo', '1'],
      ['Bar', 'abc'],
    ],
    [
      ['Foo', '1'],
      ['Bar', 'abc'],
    ],
    'cached',
  ),
  varyCase(
    'vary-2-no-match',
    'Vary: Foo, Bar with Bar different: not reused (RFC 9111 §4.1)',
    V('Foo, Bar'),
    [
      ['Foo', '1'],
      ['Bar', 'abc'],
    ],
    [
      ['Foo', '1'],
      ['Bar', 'abcd'],
    ],
    'not_cached',
  ),
  varyCase(
    'vary-2-match-omit',
    'Vary: Foo, Bar with Bar absent from both: reused (RFC 9111 §4.1)',
    V('Foo, Bar'),
    [['Foo', '1']],
    [['Foo', '1']],
    'cached',
  ),
  varyCase(
    'vary-3-match',
    'Vary: Foo, Bar, Baz all equal: reused (RFC 9111 §4.1)',
    V('Foo, Bar, Baz'),
    [
      ['Foo', '1'],
      ['Bar', 'abc'],
      ['Baz', 'def'],
    ],
    [
      ['Foo', '1'],
      ['Bar', 'abc'],
      ['Baz', 'def'],
    ],
    'cached',
  ),
  varyCase(
    'vary-3-no-match',
    'Vary: Foo, Bar, Baz with Baz different: not reused (RFC 9111 §4.1)',
    V('Foo, Bar, Baz'),
    [
      ['Foo', '1'],
      ['Bar', 'abc'],
      ['Baz', 'def'],
    ],
    [
      ['Foo', '1'],
      ['Bar', 'abc'],
      ['Baz', 'xyz'],
    ],
    'not_cached',
  ),
  varyCase(
    'vary-3-order',
    'request field order does not matter (RFC 9111 §4.1)',
    V('Foo, Bar, Baz'),
    [
      ['Foo', '1'],
      ['Bar', 'abc'],
      ['Baz', 'def'],
    ],
    [
      ['Baz', 'def'],
      ['Bar', 'abc'],
      ['Foo', '1'],
    ],
    'cached',
  ),
  varyCase(
    'vary-2-lines',
    'Vary spread over two field lines lists both fields (RFC 9110 §5.3, §12.5.5)',
    [
      ['Vary', 'Foo'],
      ['Vary', 'Bar'],
    ],
    [
      ['Foo', '1'],
      ['Bar', 'abc'],
    ],
    [
      ['Foo', '1'],
      ['Bar', 'xyz'],
    ],
    'not_cached',
  ),
  varyCase(
    'vary-2-lines-match',
    'Vary over two field lines, both fields equal: reused (RFC 9110 §5.3)',
    [
      ['Vary', 'Foo'],
      ['Vary', 'Bar'],
    ],
    [
      ['Foo', '1'],
      ['Bar', 'abc'],
    ],
    [
      ['Foo', '1'],
      ['Bar', 'abc'],
    ],
    'cached',
  ),
  varyCase('vary-star', 'Vary: * is never reused (RFC 9111 §4.1)', V('*'), [], [], 'not_cached'),
  varyCase(
    'vary-star-in-list',
    'Vary: Foo, * is never reused (RFC 9110 §12.5.5)',
    V('Foo, *'),
    [['Foo', '1']],
    [['Foo', '1']],
    'not_cached',
  ),
  varyCase(
    'vary-star-second-line',
    'a * on a second Vary line is never reused (RFC 9110 §12.5.5)',
    [
      ['Vary', 'Foo'],
      ['Vary', '*'],
    ],
    [['Foo', '1']],
    [['Foo', '1']],
    'not_cached',
  ),
  varyCase(
    'vary-case-name',
    'Vary names fields case-insensitively: FOO matches foo (RFC 9110 §5.1)',
    V('FOO'),
    [['foo', '1']],
    [['Foo', '1']],
    'cached',
  ),
  varyCase(
    'vary-case-name-no-match',
    'Vary: FOO still tells different foo values apart (RFC 9111 §4.1)',
    V('FOO'),
    [['foo', '1']],
    [['Foo', '2']],
    'not_cached',
  ),
  varyCase(
    'vary-empty-member',
    'empty Vary list members are ignored: ", Foo" (RFC 9110 §5.6.1)',
    V(', Foo'),
    [['Foo', '1']],
    [['Foo', '1']],
    'cached',
  ),
  varyCase(
    'vary-empty-member-no-match',
    'empty Vary list members are ignored and Foo still selects (RFC 9110 §5.6.1)',
    V(', Foo'),
    [['Foo', '1']],
    [['Foo', '2']],
    'not_cached',
  ),
  varyCase(
    'vary-normalise-space',
    'list whitespace is normalised: "1,2" matches "1, 2" (RFC 9111 §4.1)',
    V('Foo'),
    [['Foo', '1,2']],
    [['Foo', '1, 2']],
    'cached',
  ),
  varyCase(
    'vary-normalise-combine',
    'field lines combine: Foo: 1 + Foo: 2 matches Foo: 1, 2 (RFC 9111 §4.1, RFC 9110 §5.3)',
    V('Foo'),
    [
      ['Foo', '1'],
      ['Foo', '2'],
    ],
    [['Foo', '1, 2']],
    'cached',
  ),
  varyCase(
    'vary-normalise-order',
    'a different member order is a different value (RFC 9111 §4.1)',
    V('Foo'),
    [['Foo', '1, 2']],
    [['Foo', '2, 1']],
    'not_cached',
  ),
  varyCase(
    'vary-normalise-value-case',
    'values are compared case-sensitively without field knowledge (RFC 9111 §4.1)',
    V('Foo'),
    [['Foo', 'abc']],
    [['Foo', 'ABC']],
    'not_cached',
  ),
  varyCase(
    'vary-accept-encoding',
    'Vary: Accept-Encoding selects by the client encoding (RFC 9111 §4.1)',
    V('Accept-Encoding'),
    [['Accept-Encoding', 'gzip']],
    [['Accept-Encoding', 'br']],
    'not_cached',
  ),
  // Weighted list fields (RFC 9110 §12.4.2, §12.5): the same stated preferences select the same stored response.
  varyCase(
    'vary-accept-encoding-order',
    'Accept-Encoding members of equal weight in another order: reused (RFC 9110 §12.4.2, §12.5.3)',
    V('Accept-Encoding'),
    [['Accept-Encoding', 'gzip, deflate, br']],
    [['Accept-Encoding', 'br, gzip, deflate']],
    'cached',
  ),
  varyCase(
    'vary-accept-encoding-case',
    'Accept-Encoding codings differing in case: reused (RFC 9110 §12.5.3)',
    V('Accept-Encoding'),
    [['Accept-Encoding', 'GZIP']],
    [['Accept-Encoding', 'gzip']],
    'cached',
  ),
  varyCase(
    'vary-accept-encoding-weight',
    'Accept-Encoding with other weights: not reused (RFC 9110 §12.4.2)',
    V('Accept-Encoding'),
    [['Accept-Encoding', 'gzip;q=0.5, br']],
    [['Accept-Encoding', 'gzip, br;q=0.5']],
    'not_cached',
  ),
  varyCase(
    'vary-accept-language-case-space',
    'Accept-Language differing in tag case and whitespace: reused (RFC 9110 §12.5.4)',
    V('Accept-Language'),
    [['Accept-Language', 'en-US,en;q=0.9']],
    [['Accept-Language', 'en-us, en ; q=0.90']],
    'cached',
  ),
  varyCase(
    'vary-accept-media-case-order',
    'Accept media ranges differing in case and order of equal weights: reused (RFC 9110 §8.3.1, §12.5.1)',
    V('Accept'),
    [['Accept', 'Application/JSON, text/html;q=0.5']],
    [['Accept', 'text/html;q=0.5,application/json']],
    'cached',
  ),
  {
    id: 'vary-accept-encoding-variants',
    name: 'two Accept-Encoding variants stay apart; reordered requests find their own (RFC 9111 §4.1, RFC 9110 §12.4.2)',
    steps: [
      { headers: [['Accept-Encoding', 'gzip, br']], response: { headers: [FRESH, ['Vary', 'Accept-Encoding']] } },
      { headers: [['Accept-Encoding', 'identity']], response: { headers: [FRESH, ['Vary', 'Accept-Encoding']] }, expect: 'not_cached' },
      { headers: [['Accept-Encoding', 'BR,gzip']], expect: 'cached', expectBody: 0 },
      { headers: [['Accept-Encoding', 'Identity']], expect: 'cached', expectBody: 1 },
    ],
  },
  {
    id: 'vary-cache-key',
    name: 'several variants of one URL are stored side by side (RFC 9111 §4.1)',
    steps: [
      { headers: [['Foo', '1']], response: { headers: [FRESH, ['Vary', 'Foo']] } },
      { headers: [['Foo', '2']], response: { headers: [FRESH, ['Vary', 'Foo']] }, expect: 'not_cached' },
      { headers: [['Foo', '1']], expect: 'cached', expectBody: 0 },
      { headers: [['Foo', '2']], expect: 'cached', expectBody: 1 },
    ],
  },
  {
    id: 'vary-most-recent',
    name: 'of several matching stored responses the most recent is used (RFC 9111 §4.1)',
    steps: [
      { headers: [['Foo', '1']], response: { headers: [FRESH, ['Vary', 'Foo']] } },
      {
        headers: [
          ['Foo', '1'],
          ['Cache-Control', 'no-cache'],
        ],
        pauseBeforeSec: 2,
        response: { headers: [FRESH] },
        expect: 'not_cached',
      },
      { headers: [['Foo', '2']], expect: 'cached', expectBody: 1 },
      { headers: [['Foo', '1']], expect: 'cached', expectBody: 1 },
    ],
  },
  {
    id: 'vary-new-variant-replaces',
    name: 'a new response for the same variant replaces the stored one (RFC 9111 §4.1, §3)',
    steps: [
      { headers: [['Foo', '1']], response: { headers: [FRESH, ['Vary', 'Foo']] } },
      {
        headers: [
          ['Foo', '1'],
          ['Cache-Control', 'no-cache'],
        ],
        response: { headers: [FRESH, ['Vary', 'Foo']] },
        expect: 'not_cached',
      },
      { headers: [['Foo', '1']], expect: 'cached', expectBody: 1 },
    ],
  },
  {
    id: 'vary-header-kept',
    name: 'the Vary field is kept on answers from cache (RFC 9111 §3.1, RFC 9110 §12.5.5)',
    steps: [
      { headers: [['Foo', '1']], response: { headers: [FRESH, ['Vary', 'Foo']] } },
      { headers: [['Foo', '1']], expect: 'cached', responseHeaders: [['Vary', 'Foo']] },
    ],
  },
]);
