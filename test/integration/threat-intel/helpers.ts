import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { startIssuer, type Issuer, type IssuerOptions } from '../../../examples/threat-intel/issuer.ts';
import { startOrigin, type Origin, type OriginOptions } from '../../../examples/threat-intel/server.ts';

/** A fresh database path in a temp dir removed after the test. */
export function createTempDbPath(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'threat-intel-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'threat-intel.db');
}

export async function startTestIssuer(t: TestContext, options: Partial<IssuerOptions> & { dbPath: string }): Promise<Issuer> {
  const issuer = await startIssuer({ host: '127.0.0.1', port: 0, ...options });
  t.after(() => issuer.close());
  return issuer;
}

/** An origin with small definitions (1 MiB) and its log lines collected. */
export async function startTestOrigin(
  t: TestContext,
  options: Partial<OriginOptions> & { dbPath: string; instance: string },
): Promise<Origin & { logs: Array<Record<string, unknown>> }> {
  const logs: Array<Record<string, unknown>> = [];
  const origin = await startOrigin({
    host: '127.0.0.1',
    port: 0,
    definitionsBytes: 1024 * 1024,
    log: (entry) => logs.push(entry),
    ...options,
  });
  t.after(() => origin.close());
  return { ...origin, close: () => origin.close(), logs };
}

export const JSON_HEADERS = { 'content-type': 'application/json' };
export const WRITER = { 'x-auth-subject': 'analyst', 'x-auth-scopes': 'threats:read threats:write' };
