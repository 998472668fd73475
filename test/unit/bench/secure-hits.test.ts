import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseH2loadOutput } from '../../../bench/secure-hits.ts';

const SUMMARY = (statuses: string, failed = '0 failed, 0 errored') => `finished in 8.00s, 17500.25 req/s, 21.40MB/s
requests: 140002 total, 140002 started, 140002 done, 140002 succeeded, ${failed}, 0 timeout
status codes: ${statuses}
traffic: 171.21MB (179526568) total, 2.43MB (2548036) headers (space savings 93.61%), 136.72MB (143362048) data
                     min         max         mean         sd        +/- sd
time for request:      250us     80.13ms     27.29ms      9.12ms    70.00%
`;

test('parseH2loadOutput reads req/s, the mean request time, and counts failures and non-2xx answers', () => {
  assert.deepEqual(parseH2loadOutput(SUMMARY('140002 2xx, 0 3xx, 0 4xx, 0 5xx')), { reqPerSec: 17500.25, meanMs: 27.29, failed: 0 });
  assert.equal(parseH2loadOutput(SUMMARY('140000 2xx, 0 3xx, 1 4xx, 1 5xx', '2 failed, 1 errored'))?.failed, 5);
  assert.equal(parseH2loadOutput(SUMMARY('1 2xx, 0 3xx, 0 4xx, 0 5xx').replace('27.29ms', '1.55s'))?.meanMs, 1550);
  assert.equal(parseH2loadOutput('connect failed'), undefined);
});
