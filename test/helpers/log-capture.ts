import { Writable } from 'node:stream';
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createGateway } from '../../src/gateway.ts';
import { createLogger, type Logger } from '../../src/observability/logger.ts';
import { buildGatewayConfig, type StartedGateway } from './gateway.ts';

export type LogLine = Record<string, unknown> & { readonly msg?: string };

/** A pino logger at `info` writing to memory: every line it wrote so far, parsed. */
export interface CapturedLog {
  readonly logger: Logger;
  lines(): LogLine[];
  /** Lines with this message. */
  find(msg: string): LogLine[];
  /** Waits up to `timeoutMs` until `count` lines with this message are out; resolves with them (fewer on timeout). */
  waitFor(msg: string, count?: number, timeoutMs?: number): Promise<LogLine[]>;
}

export function captureLog(): CapturedLog {
  const written: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') written.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const find = (msg: string): LogLine[] => written.filter((line) => line.msg === msg);
  return {
    logger: createLogger('info', destination),
    lines: () => written.slice(),
    find,
    async waitFor(msg, count = 1, timeoutMs = 3000) {
      for (let waited = 0; waited < timeoutMs && find(msg).length < count; waited += 10) await delay(10);
      return find(msg);
    },
  };
}

/** `startGateway` with its operational log captured in memory (the access log, if on, still goes to stdout). */
export async function startLoggedGateway(
  t: TestContext,
  targets: readonly string[],
  raw: Record<string, unknown> = {},
): Promise<StartedGateway & { readonly log: CapturedLog }> {
  const log = captureLog();
  const gateway = await createGateway(buildGatewayConfig(targets, raw), { logger: log.logger });
  const { url, adminUrl } = await gateway.listen();
  t.after(() => gateway.close());
  return { gateway, url, adminUrl, log };
}
