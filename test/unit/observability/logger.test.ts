import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, isAccessLogEnabled, logAccess, type LogLevel } from '../../../src/observability/logger.ts';

function captureLines(level: LogLevel): { logger: ReturnType<typeof createLogger>; lines: () => Array<Record<string, unknown>> } {
  const written: string[] = [];
  const logger = createLogger(level, { write: (line: string) => { written.push(line); } });
  return { logger, lines: () => written.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const access = { requestId: 'r1', method: 'GET', path: '/v1/a?api_key=secret', route: '/v1/*', status: 200, cache: 'hit', durationMs: 0.4 };

test('logger: writes one JSON object per line with level, msg and fields', () => {
  const { logger, lines } = captureLines('info');
  logger.info({ count: 3 }, 'purge');
  const [line] = lines();
  assert.ok(line);
  assert.equal(line['msg'], 'purge');
  assert.equal(line['count'], 3);
  assert.equal(line['level'], 30);
  assert.equal(line['name'], 'cachet');
});

test('logger: silent writes nothing', () => {
  const { logger, lines } = captureLines('silent');
  logger.error('boom');
  logAccess(logger, access);
  assert.equal(lines().length, 0);
});

test('access log: off at info, so the hit path writes nothing', () => {
  const { logger, lines } = captureLines('info');
  assert.equal(isAccessLogEnabled(logger), false);
  logAccess(logger, access);
  assert.equal(lines().length, 0);
});

test('access log: written at debug, without the query string', () => {
  const { logger, lines } = captureLines('debug');
  assert.equal(isAccessLogEnabled(logger), true);
  logAccess(logger, access);
  const [line] = lines();
  assert.ok(line);
  assert.equal(line['msg'], 'access');
  assert.equal(line['path'], '/v1/a');
  assert.equal(line['status'], 200);
  assert.equal(line['cache'], 'hit');
  assert.doesNotMatch(JSON.stringify(line), /secret/);
});
