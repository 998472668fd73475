import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PAIRS, formatPairedTable, parsePairs, type PairResult } from '../../../bench/pairs.ts';

test('parsePairs: the default comparisons are each target scenario against its own baseline', () => {
  const pairs = parsePairs(DEFAULT_PAIRS);
  assert.deepEqual(
    pairs.map(([subject, baseline]) => `${subject.id}/${baseline.id}`),
    ['hit-1k/ceiling', 'client-304/ceiling-304', 'pass-through/bare-proxy', 'hit-1k-limited/hit-1k'],
  );
  for (const [subject, baseline] of pairs) assert.equal(subject.baseline, baseline.id);
});

test('parsePairs: refuses an unknown scenario, a scenario that needs Redis or several cores, and a malformed pair', () => {
  assert.throws(() => parsePairs('hit-1k/nope'), /unknown scenario nope/);
  assert.throws(() => parsePairs('hit-1k-l1-redis/hit-1k'), /cannot be paired/);
  assert.throws(() => parsePairs('hit-1k-2w/hit-1k'), /cannot be paired/);
  assert.throws(() => parsePairs('hit-1k/ceiling/extra'), /is not subject\/baseline/);
});

test('formatPairedTable: the verdict is the median ratio against the target, problems listed under their row', () => {
  const result = (id: string, ratios: number[], targetRatio: number | undefined, problems: string[] = []): PairResult => ({
    id,
    label: id,
    ratios,
    cpuRatios: ratios,
    targetRatio,
    problems,
  });
  const lines = formatPairedTable([
    result('met/base', [0.7, 0.95, 0.92], 0.9),
    result('even/base', [0.95, 0.85, 0.88, 0.99], 0.9, ['window 2: 3 errors']),
    result('free/base', [1.2], undefined),
    result('missed/base', [0.8, 0.95, 0.85], 0.9),
  ]);
  assert.match(lines[1] ?? '', /^met\/base\s+0\.920 \(0\.700–0\.950\).*0\.90: met$/);
  assert.match(lines[2] ?? '', /^even\/base\s+0\.915 .*0\.90: met$/, 'the median of an even count is the mean of the middle two');
  assert.equal(lines[3], '  PROBLEM window 2: 3 errors');
  assert.match(lines[4] ?? '', /^free\/base\s+1\.200 \(1\.200–1\.200\)\s+1\.200 \(1\.200–1\.200\)\s+$/);
  assert.match(lines[5] ?? '', /^missed\/base\s+0\.850 .*0\.90: MISSED$/);
});
