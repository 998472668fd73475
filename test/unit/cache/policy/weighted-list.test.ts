import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeWeightedList } from '../../../../src/cache/policy/weighted-list.ts';

const cases: { name: string; value: string | string[]; expected: string | undefined }[] = [
  { name: 'a lower-case token is already canonical', value: 'gzip', expected: 'gzip' },
  { name: 'RFC 9110 §12.5.1: */* is already canonical', value: '*/*', expected: '*/*' },
  { name: 'RFC 9110 §12.5.3: upper case is lowered', value: 'GZip', expected: 'gzip' },
  { name: 'RFC 9110 §12.4.2: equal weights sort by text', value: 'gzip, deflate, br', expected: 'br, deflate, gzip' },
  { name: 'RFC 9110 §12.4.2: higher weights first', value: 'a;q=0.1, b;q=0.9, c', expected: 'c, b;q=0.9, a;q=0.1' },
  { name: 'RFC 9110 §12.4.2: q=1.000 is left out', value: 'gzip;q=1.000', expected: 'gzip' },
  { name: 'RFC 9110 §12.4.2: q=0 is kept', value: 'identity;q=0, gzip', expected: 'gzip, identity;q=0' },
  { name: 'RFC 9110 §12.4.2: q=0.500 reads as 0.5', value: 'br;q=0.500', expected: 'br;q=0.5' },
  { name: 'RFC 9110 §12.4.2: q=1.5 is not a qvalue', value: 'br;q=1.5', expected: undefined },
  { name: 'RFC 9110 §12.4.2: q=0.1234 has too many digits', value: 'br;q=0.1234', expected: undefined },
  { name: 'RFC 9110 §12.4.2: q without a value', value: 'br;q=', expected: undefined },
  { name: 'RFC 9110 §12.5.1: a parameter without "=" does not parse', value: 'text/html;level', expected: undefined },
  { name: 'RFC 9110 §12.5.1: a member that is not a range does not parse', value: 'text html', expected: undefined },
  {
    name: 'RFC 9110 §12.5.1: a browser Accept',
    value: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    expected: 'application/xhtml+xml, text/html, application/xml;q=0.9, */*;q=0.8',
  },
  {
    name: 'RFC 9110 §5.6.4: a quoted parameter value with ";" and "," stays whole',
    value: 'text/plain;x="a;b, c", text/html',
    expected: 'text/html, text/plain;x="a;b, c"',
  },
  { name: 'RFC 9110 §5.6.1: empty members are dropped', value: ' , gzip ,, ', expected: 'gzip' },
  { name: 'RFC 9110 §5.3: field lines are joined', value: ['br', 'GZIP'], expected: 'br, gzip' },
  { name: 'an empty value stays empty', value: '', expected: '' },
];

for (const { name, value, expected } of cases) {
  test(`normalizeWeightedList: ${name}`, () => {
    assert.equal(normalizeWeightedList(value), expected);
  });
}
