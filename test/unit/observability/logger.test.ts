import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, type LogLevel } from '../../../src/observability/logger.ts';

function captureLines(level: LogLevel): { logger: ReturnType<typeof createLogger>; lines: () => Array<Record<string, unknown>> } {
  const written: string[] = [];
  const logger = createLogger(level, {
    write: (line: string) => {
      written.push(line);
    },
  });
  return {
    logger,
    lines: () =>
      written
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

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
  assert.equal(lines().length, 0);
});
