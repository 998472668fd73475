import { defineCases, reuseCase, rfc850Date, asctimeDate, imfDate } from './harness.ts';

// Freshness (cache-tests: cc-freshness, cc-parse, age-parse, expires-freshness, expires-parse).
// Every case stores a response and checks whether the same URL is then answered from cache.

const MAX = 'max-age=3600';

defineCases([
  // --- Cache-Control: max-age / s-maxage (RFC 9111 §4.2.1, §5.2.2.1, §5.2.2.10) ---
  reuseCase('freshness-none', 'no explicit freshness and no validator: not reused (RFC 9111 §4.2.2, §4.2.1)', [], 'not_cached'),
  reuseCase('freshness-max-age', 'max-age=3600 is reused (RFC 9111 §5.2.2.1)', [['Cache-Control', MAX]], 'cached'),
  reuseCase(
    'freshness-max-age-0',
    'max-age=0 is not reused without validation (RFC 9111 §5.2.2.1)',
    [['Cache-Control', 'max-age=0']],
    'not_cached',
  ),
  reuseCase('freshness-max-age-stale', 'max-age=1 is stale after 2s (RFC 9111 §4.2)', [['Cache-Control', 'max-age=1']], 'not_cached', {
    pauseSec: 2,
  }),
  reuseCase(
    'freshness-max-age-fresh-after-pause',
    'max-age=3600 is still fresh after 2s, Age shows the resident time (RFC 9111 §4.2.3)',
    [['Cache-Control', MAX]],
    'cached',
    {
      pauseSec: 2,
      then: { responseHeaders: [['Age', '2']] },
    },
  ),
  reuseCase(
    'freshness-max-age-age',
    'max-age=3600 with Age: 12000 is stale (RFC 9111 §4.2.3)',
    [
      ['Cache-Control', MAX],
      ['Age', '12000'],
    ],
    'not_cached',
  ),
  reuseCase(
    'freshness-max-age-negative',
    'max-age=-3600 is invalid: not reused (RFC 9111 §1.2.2, §4.2.1)',
    [['Cache-Control', 'max-age=-3600']],
    'not_cached',
  ),
  reuseCase(
    'freshness-max-age-100a',
    'max-age=100a is invalid: not reused (RFC 9111 §1.2.2)',
    [['Cache-Control', 'max-age=100a']],
    'not_cached',
  ),
  reuseCase(
    'freshness-max-age-a100',
    'max-age=a100 is invalid: not reused (RFC 9111 §1.2.2)',
    [['Cache-Control', 'max-age=a100']],
    'not_cached',
  ),
  reuseCase(
    'freshness-max-age-decimal',
    'max-age=3600.5 is invalid: not reused (RFC 9111 §1.2.2 delta-seconds are digits)',
    [['Cache-Control', 'max-age=3600.5']],
    'not_cached',
  ),
  reuseCase(
    'freshness-max-age-max',
    'max-age=2147483648 (2^31) is reused (RFC 9111 §1.2.2)',
    [['Cache-Control', 'max-age=2147483648']],
    'cached',
  ),
  reuseCase(
    'freshness-max-age-max-plus-1',
    'max-age=2147483649 clamps to 2^31 and is reused (RFC 9111 §1.2.2)',
    [['Cache-Control', 'max-age=2147483649']],
    'cached',
  ),
  reuseCase(
    'freshness-max-age-max-plus',
    'max-age=99999999999 clamps to 2^31 and is reused (RFC 9111 §1.2.2)',
    [['Cache-Control', 'max-age=99999999999']],
    'cached',
  ),
  reuseCase(
    'freshness-max-age-huge',
    'max-age with 30 digits clamps to 2^31 and is reused (RFC 9111 §1.2.2)',
    [['Cache-Control', `max-age=${'9'.repeat(30)}`]],
    'cached',
  ),
  reuseCase(
    'freshness-max-age-date-past',
    'max-age=3600 with a Date two hours old is stale by apparent age (RFC 9111 §4.2.3)',
    [
      ['Cache-Control', MAX],
      ['Date', -7200],
    ],
    'not_cached',
  ),
  reuseCase(
    'freshness-max-age-date-future',
    'max-age=3600 with a Date in the future has apparent age 0 and is reused (RFC 9111 §4.2.3)',
    [
      ['Cache-Control', MAX],
      ['Date', 600],
    ],
    'cached',
  ),
  reuseCase('freshness-max-age-no-date', 'max-age=3600 without Date is reused (RFC 9110 §6.6.1)', [['Cache-Control', MAX]], 'cached', {
    noDate: true,
    then: { presentHeaders: ['date'] },
  }),
  reuseCase(
    'freshness-s-maxage-shared',
    's-maxage=3600 is reused by a shared cache (RFC 9111 §5.2.2.10)',
    [['Cache-Control', 's-maxage=3600']],
    'cached',
  ),
  reuseCase(
    'freshness-max-age-s-maxage-shared-longer',
    'shared cache prefers s-maxage=3600 over max-age=1 (RFC 9111 §5.2.2.10)',
    [['Cache-Control', 'max-age=1, s-maxage=3600']],
    'cached',
    { pauseSec: 2 },
  ),
  reuseCase(
    'freshness-max-age-s-maxage-shared-longer-reversed',
    'shared cache prefers s-maxage=3600 over a later max-age=1 (RFC 9111 §5.2.2.10)',
    [['Cache-Control', 's-maxage=3600, max-age=1']],
    'cached',
    { pauseSec: 2 },
  ),
  reuseCase(
    'freshness-max-age-s-maxage-shared-longer-multiple',
    'shared cache prefers s-maxage across Cache-Control field lines (RFC 9111 §5.2, §5.2.2.10)',
    [
      ['Cache-Control', 'max-age=1'],
      ['Cache-Control', 's-maxage=3600'],
    ],
    'cached',
    { pauseSec: 2 },
  ),
  reuseCase(
    'freshness-max-age-s-maxage-shared-shorter',
    'shared cache obeys s-maxage=1 over max-age=3600 (RFC 9111 §5.2.2.10)',
    [['Cache-Control', 'max-age=3600, s-maxage=1']],
    'not_cached',
    { pauseSec: 2 },
  ),
  reuseCase(
    'freshness-max-age-s-maxage-shared-shorter-expires',
    'shared cache obeys s-maxage=1 over a future Expires (RFC 9111 §5.2.2.10, §5.3)',
    [
      ['Expires', 3600],
      ['Cache-Control', 's-maxage=1'],
    ],
    'not_cached',
    { pauseSec: 2 },
  ),
  reuseCase(
    'freshness-s-maxage-0',
    's-maxage=0 is not reused even with max-age=3600 (RFC 9111 §5.2.2.10)',
    [['Cache-Control', 'max-age=3600, s-maxage=0']],
    'not_cached',
  ),
  reuseCase(
    'freshness-max-age-extension',
    'an unknown extension next to max-age is ignored (RFC 9111 §5.2.3)',
    [['Cache-Control', 'foo=bar, max-age=3600, baz']],
    'cached',
  ),

  // --- Cache-Control parsing (RFC 9111 §5.2, RFC 9110 §5.6) ---
  reuseCase(
    'cc-parse-upper-case',
    'directive names are case-insensitive: MAX-AGE=3600 (RFC 9111 §5.2)',
    [['Cache-Control', 'MAX-AGE=3600']],
    'cached',
  ),
  reuseCase(
    'cc-parse-quoted',
    'max-age="3600" (quoted-string argument) is accepted (RFC 9111 §5.2)',
    [['Cache-Control', 'max-age="3600"']],
    'cached',
  ),
  reuseCase('cc-parse-leading-zeros', 'max-age=0003600 is 3600 (RFC 9111 §1.2.2)', [['Cache-Control', 'max-age=0003600']], 'cached'),
  reuseCase(
    'cc-parse-single-quoted',
    "max-age='3600' is invalid: not reused (RFC 9111 §5.2)",
    [['Cache-Control', "max-age='3600'"]],
    'not_cached',
  ),
  reuseCase(
    'cc-parse-dup-first',
    'duplicate max-age: the first (3600) is used (RFC 9111 §4.2.1)',
    [['Cache-Control', 'max-age=3600, max-age=1']],
    'cached',
    { pauseSec: 2 },
  ),
  reuseCase(
    'cc-parse-dup-last',
    'duplicate max-age with first=1: stale after 2s (RFC 9111 §4.2.1)',
    [['Cache-Control', 'max-age=1, max-age=3600']],
    'not_cached',
    { pauseSec: 2 },
  ),
  reuseCase(
    'cc-parse-dup-lines',
    'max-age repeated across field lines: the first line wins (RFC 9111 §4.2.1, §5.2)',
    [
      ['Cache-Control', 'max-age=1'],
      ['Cache-Control', 'max-age=3600'],
    ],
    'not_cached',
    { pauseSec: 2 },
  ),
  reuseCase(
    'cc-parse-space-before-equals',
    '"max-age =3600" is malformed: not reused (RFC 9110 §5.6.6)',
    [['Cache-Control', 'max-age =3600']],
    'not_cached',
  ),
  reuseCase(
    'cc-parse-space-after-equals',
    '"max-age= 3600" is malformed: not reused (RFC 9110 §5.6.6)',
    [['Cache-Control', 'max-age= 3600']],
    'not_cached',
  ),
  reuseCase(
    'cc-parse-quoted-comma',
    'a comma inside a quoted extension argument does not split (RFC 9110 §5.6.4)',
    [['Cache-Control', 'foo="a, max-age=1", max-age=3600']],
    'cached',
    { pauseSec: 2 },
  ),
  reuseCase(
    'cc-parse-empty-members',
    'empty list members are ignored: ", ,max-age=3600," (RFC 9110 §5.6.1)',
    [['Cache-Control', ', ,max-age=3600,']],
    'cached',
  ),
  reuseCase(
    'cc-parse-no-store-after-bad',
    'no-store still counts after a malformed member (RFC 9111 §5.2.2.5)',
    [['Cache-Control', 'max-age=3600, foo=bar baz, no-store']],
    'not_cached',
  ),

  // --- Age parsing (RFC 9111 §5.1) ---
  reuseCase(
    'age-parse-large',
    'Age: 7200 makes max-age=3600 stale (RFC 9111 §5.1, §4.2.3)',
    [
      ['Cache-Control', MAX],
      ['Age', '7200'],
    ],
    'not_cached',
  ),
  reuseCase(
    'age-parse-2-31',
    'Age: 2147483648 makes max-age=3600 stale (RFC 9111 §1.2.2)',
    [
      ['Cache-Control', MAX],
      ['Age', '2147483648'],
    ],
    'not_cached',
  ),
  reuseCase(
    'age-parse-larger',
    'Age: 2147483649 clamps and is stale (RFC 9111 §1.2.2)',
    [
      ['Cache-Control', MAX],
      ['Age', '2147483649'],
    ],
    'not_cached',
  ),
  reuseCase(
    'age-parse-huge',
    'Age with 20 digits clamps and is stale (RFC 9111 §1.2.2)',
    [
      ['Cache-Control', MAX],
      ['Age', '99999999999999999999'],
    ],
    'not_cached',
  ),
  reuseCase(
    'age-parse-small',
    'Age: 1800 leaves max-age=3600 fresh, and the served Age counts it (RFC 9111 §4.2.3, §5.1)',
    [
      ['Cache-Control', MAX],
      ['Age', '1800'],
    ],
    'cached',
    {
      pauseSec: 10,
      then: { responseHeaders: [['Age', '1810']] },
    },
  ),
  // RFC 9111 §5.1: the first field line counts; when it is not delta-seconds (a list included) the response is stale.
  ...(
    [
      ['age-parse-negative', '-7200'],
      ['age-parse-minus-1', '-1'],
      ['age-parse-float', '7200.0'],
      ['age-parse-fraction', '1.5'],
      ['age-parse-nonnumeric', 'abc'],
      ['age-parse-prefix', 'a7200'],
      ['age-parse-suffix', '7200a'],
      ['age-parse-parameter', '7200;foo=bar'],
      ['age-parse-parameter-0', '1; foo=bar'],
      ['age-parse-list-0', '0, 7200'],
      ['age-parse-list-old', '7200, 0'],
    ] as const
  ).map(([id, age]) =>
    reuseCase(
      id,
      `Age: ${age} is invalid: max-age=3600 is stale (RFC 9111 §5.1)`,
      [
        ['Cache-Control', MAX],
        ['Age', age],
      ],
      'not_cached',
    ),
  ),
  reuseCase(
    'age-parse-dup-0',
    'two Age lines 0 then 7200: the first is used (RFC 9111 §5.1)',
    [
      ['Cache-Control', MAX],
      ['Age', '0'],
      ['Age', '7200'],
    ],
    'cached',
  ),
  reuseCase(
    'age-parse-dup-old',
    'two Age lines 7200 then 0: the first is used (RFC 9111 §5.1)',
    [
      ['Cache-Control', MAX],
      ['Age', '7200'],
      ['Age', '0'],
    ],
    'not_cached',
  ),
  reuseCase(
    'age-parse-dup-invalid-first',
    'two Age lines abc then 0: the first is used, and is invalid: stale (RFC 9111 §5.1)',
    [
      ['Cache-Control', MAX],
      ['Age', 'abc'],
      ['Age', '0'],
    ],
    'not_cached',
  ),
  reuseCase(
    'age-parse-invalid-validated',
    'a response with an invalid Age is stored stale and revalidated with its ETag (RFC 9111 §5.1, §4.3.1)',
    [
      ['Cache-Control', MAX],
      ['Age', '-1'],
      ['ETag', '"age"'],
    ],
    'etag_validated',
  ),

  // --- Expires (RFC 9111 §5.3, §4.2.1; date formats RFC 9110 §5.6.7) ---
  reuseCase('freshness-expires-future', 'Expires one hour ahead of Date is reused (RFC 9111 §5.3)', [['Expires', 3600]], 'cached'),
  reuseCase('freshness-expires-past', 'Expires in the past is not reused (RFC 9111 §5.3)', [['Expires', -3600]], 'not_cached'),
  reuseCase('freshness-expires-equals-date', 'Expires equal to Date is not reused (RFC 9111 §4.2.1)', [['Expires', 0]], 'not_cached'),
  reuseCase('freshness-expires-invalid-0', 'Expires: 0 means already expired (RFC 9111 §5.3)', [['Expires', '0']], 'not_cached'),
  reuseCase('freshness-expires-invalid-text', 'Expires: garbage means already expired (RFC 9111 §5.3)', [['Expires', 'foo']], 'not_cached'),
  reuseCase(
    'freshness-expires-invalid-empty-lm',
    'an invalid Expires is an explicit (expired) time: no heuristic with Last-Modified (RFC 9111 §5.3, §4.2.2)',
    [
      ['Expires', '-1'],
      ['Last-Modified', -100000],
    ],
    'not_cached',
  ),
  reuseCase(
    'freshness-expires-age',
    'Expires one hour ahead with Age: 7200 is stale (RFC 9111 §4.2.3)',
    [
      ['Expires', 3600],
      ['Age', '7200'],
    ],
    'not_cached',
  ),
  reuseCase(
    'freshness-expires-relative-to-date',
    'Expires is measured from Date, not the cache clock: Date +1h, Expires +1h is stale (RFC 9111 §4.2.1)',
    [
      ['Date', 3600],
      ['Expires', 3600],
    ],
    'not_cached',
  ),
  reuseCase(
    'freshness-expires-no-date',
    'Expires without Date is measured from the response time (RFC 9111 §4.2.1)',
    [['Expires', 3600]],
    'cached',
    { noDate: true },
  ),
  reuseCase(
    'freshness-expires-max-age',
    'max-age=1 overrides a future Expires (RFC 9111 §5.3)',
    [
      ['Expires', 3600],
      ['Cache-Control', 'max-age=1'],
    ],
    'not_cached',
    { pauseSec: 2 },
  ),
  reuseCase(
    'freshness-expires-past-max-age',
    'max-age=3600 overrides a past Expires (RFC 9111 §5.3)',
    [
      ['Expires', -3600],
      ['Cache-Control', MAX],
    ],
    'cached',
  ),
  reuseCase(
    'freshness-expires-invalid-max-age',
    'max-age=3600 overrides an invalid Expires (RFC 9111 §5.3)',
    [
      ['Expires', '0'],
      ['Cache-Control', MAX],
    ],
    'cached',
  ),
  reuseCase(
    'freshness-expires-s-maxage',
    's-maxage=3600 overrides a past Expires (RFC 9111 §5.2.2.10)',
    [
      ['Expires', -3600],
      ['Cache-Control', 's-maxage=3600'],
    ],
    'cached',
  ),
  reuseCase(
    'freshness-expires-max-age-0',
    'max-age=0 overrides a future Expires (RFC 9111 §5.3)',
    [
      ['Expires', 3600],
      ['Cache-Control', 'max-age=0'],
    ],
    'not_cached',
  ),
  reuseCase(
    'expires-parse-rfc850',
    'a future Expires in RFC 850 format is reused (RFC 9110 §5.6.7)',
    [['Expires', rfc850Date(3600)]],
    'cached',
  ),
  reuseCase(
    'expires-parse-rfc850-past',
    'a past Expires in RFC 850 format is not reused (RFC 9110 §5.6.7)',
    [['Expires', rfc850Date(-3600)]],
    'not_cached',
  ),
  reuseCase(
    'expires-parse-asctime',
    'a future Expires in asctime format is reused (RFC 9110 §5.6.7)',
    [['Expires', asctimeDate(3600)]],
    'cached',
  ),
  reuseCase(
    'expires-parse-asctime-past',
    'a past Expires in asctime format is not reused (RFC 9110 §5.6.7)',
    [['Expires', asctimeDate(-3600)]],
    'not_cached',
  ),
  reuseCase(
    'expires-parse-lower-case',
    'a lower-case future Expires is matched case-insensitively (RFC 9111 §4.2)',
    [['Expires', imfDate(3600, (d) => d.toLowerCase())]],
    'cached',
  ),
  reuseCase(
    'expires-parse-upper-case',
    'an upper-case future Expires is matched case-insensitively (RFC 9111 §4.2)',
    [['Expires', imfDate(3600, (d) => d.toUpperCase())]],
    'cached',
  ),
  reuseCase(
    'expires-parse-utc',
    'a future Expires in UTC (not GMT) is invalid, so expired (RFC 9111 §4.2, §5.3)',
    [['Expires', imfDate(3600, (d) => d.replace('GMT', 'UTC'))]],
    'not_cached',
  ),
  reuseCase(
    'expires-parse-numeric-zone',
    'a future Expires with +0000 is invalid, so expired (RFC 9111 §4.2, §5.3)',
    [['Expires', imfDate(3600, (d) => d.replace('GMT', '+0000'))]],
    'not_cached',
  ),
  reuseCase(
    'expires-parse-no-comma',
    'a future Expires without the comma is invalid, so expired (RFC 9110 §5.6.7, RFC 9111 §5.3)',
    [['Expires', imfDate(3600, (d) => d.replace(',', ''))]],
    'not_cached',
  ),
  reuseCase(
    'expires-parse-day-out-of-range',
    'Expires on the 32nd of a month is invalid, so expired (RFC 9110 §5.6.7)',
    [['Expires', imfDate(3600, (d) => d.replace(/^(\w{3}), \d\d/, '$1, 32'))]],
    'not_cached',
  ),
  reuseCase(
    'expires-parse-dup-first-future',
    'two Expires lines, first in the future: the first is used (RFC 9111 §4.2.1)',
    [
      ['Expires', 3600],
      ['Expires', -3600],
    ],
    'cached',
  ),
  reuseCase(
    'expires-parse-dup-first-past',
    'two Expires lines, first in the past: stale (RFC 9111 §4.2.1)',
    [
      ['Expires', -3600],
      ['Expires', 3600],
    ],
    'not_cached',
  ),
  reuseCase(
    'expires-parse-date-rfc850',
    'Date in RFC 850 format is used to measure Expires (RFC 9110 §5.6.7, RFC 9111 §4.2.1)',
    [
      ['Date', rfc850Date(0)],
      ['Expires', 3600],
    ],
    'cached',
  ),
]);
