import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics } from '../../../src/observability/metrics.ts';
import { renderAggregate } from '../../../src/observability/cluster-metrics.ts';
import { authOutcomeOf } from '../../../src/observability/traffic-metrics.ts';

function sampleOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('traffic metrics of several workers add up: requests in flight, bytes by source, bytes saved, auth outcomes', async () => {
  const a = createMetrics();
  const b = createMetrics();
  a.requestStarted();
  a.requestStarted();
  a.requestEnded();
  b.requestStarted();
  a.recordBodyBytes(true, 100);
  b.recordBodyBytes(true, 50);
  b.recordBodyBytes(false, 7);
  a.recordAuthOutcome('verified');
  b.recordAuthOutcome('verified');
  b.recordAuthOutcome('expired');

  const text = await renderAggregate([await a.snapshot(), await b.snapshot()]);
  assert.equal(sampleOf(text, 'cachet_requests_in_flight'), 2);
  assert.equal(sampleOf(text, 'cachet_bytes_served_total{source="cache"}'), 150);
  assert.equal(sampleOf(text, 'cachet_bytes_served_total{source="upstream"}'), 7);
  assert.equal(sampleOf(text, 'cachet_cache_bytes_saved_total'), 150);
  assert.equal(sampleOf(text, 'cachet_auth_outcomes_total{outcome="verified"}'), 2);
  assert.equal(sampleOf(text, 'cachet_auth_outcomes_total{outcome="expired"}'), 1);
});

test('auth outcome labels: verified with an identity, anonymous without, one per refusal code', () => {
  const identity = {
    subject: 'a',
    scopes: [],
    claims: {},
    provider: 'p',
    tokenId: undefined,
    issuedAtSec: undefined,
    expiresAtSec: undefined,
  };
  assert.equal(authOutcomeOf({ ok: true, identity }), 'verified');
  assert.equal(authOutcomeOf({ ok: true, identity: undefined }), 'anonymous');
  assert.equal(authOutcomeOf({ ok: false, code: 'CACHET_ERR_AUTH_INVALID_TOKEN' }), 'invalid');
  assert.equal(authOutcomeOf({ ok: false, code: 'CACHET_ERR_AUTH_INSUFFICIENT_SCOPE' }), 'insufficient_scope');
  assert.equal(authOutcomeOf({ ok: false, code: 'CACHET_ERR_AUTH_UNAVAILABLE' }), 'unavailable');
});
