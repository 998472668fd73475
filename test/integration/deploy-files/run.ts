import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { createGateway } from '../../../src/gateway.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { send } from '../../helpers/http.ts';
import type { ShippedConfig } from './findings.ts';

const run = promisify(execFile);
const BIN = new URL('../../../bin/cachet.js', import.meta.url).pathname;

/**
 * `cachet check` on each config, through the real executable, with nothing in its environment but PATH and what the
 * deployment sets. Answers the failures, one line each.
 */
export async function checkWithCli(configs: readonly ShippedConfig[]): Promise<string[]> {
  const directory = mkdtempSync(join(tmpdir(), 'cachet-deploy-'));
  try {
    const outcomes = configs.map(async (config, index) => {
      const file = join(directory, `config-${index}.yaml`);
      writeFileSync(file, config.text);
      try {
        const { stdout } = await run(process.execPath, [BIN, 'check', '--config', file], {
          env: { PATH: process.env['PATH'], ...config.env },
        });
        return stdout.startsWith('config OK') ? [] : [`${config.label}: cachet check printed ${stdout}`];
      } catch (err) {
        return [`${config.label}: cachet check failed: ${(err as { stderr?: string }).stderr ?? String(err)}`];
      }
    });
    return (await Promise.all(outcomes)).flat();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * Starts a gateway from each config, on 127.0.0.1 with free ports, every upstream sent to `originUrl` and a Redis
 * store replaced by memory (probes do not depend on the store), then asks its admin API each probe path. Answers the
 * probes that did not get 200.
 */
export async function askProbes(configs: readonly ShippedConfig[], probePaths: readonly string[], originUrl: string): Promise<string[]> {
  const problems: string[] = [];
  for (const shipped of configs) {
    const config = parseConfig(rewriteForLoopback(shipped.text, originUrl), shipped.env, { source: shipped.label });
    const gateway = await createGateway(config);
    try {
      const { adminUrl } = await gateway.listen();
      for (const path of new Set(probePaths)) {
        const reply = await send(`${adminUrl}${path}`);
        if (reply.status !== 200) problems.push(`${shipped.label}: GET ${path} on the admin API answered ${reply.status}`);
      }
    } finally {
      await gateway.close();
    }
  }
  return problems;
}

function rewriteForLoopback(text: string, originUrl: string): string {
  const raw = parse(text) as Record<string, Record<string, unknown> | undefined>;
  const loopback = { host: '127.0.0.1', port: 0 };
  raw['listen'] = { ...raw['listen'], ...loopback };
  if (raw['admin'] !== undefined) raw['admin'] = { ...raw['admin'], ...loopback };
  for (const upstream of Object.values(raw['upstreams'] ?? {})) (upstream as Record<string, unknown>)['targets'] = [originUrl];
  if (raw['store']?.['type'] === 'redis') raw['store'] = { type: 'memory' };
  delete raw['workers'];
  raw['log'] = { level: 'silent' };
  return stringify(raw);
}
