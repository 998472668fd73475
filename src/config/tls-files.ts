import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
import { CachetError } from '../errors.ts';
import { formatIssue, type ConfigIssue } from './issues.ts';
import { isRecord } from './rules.ts';
import { describeFileError } from './file-errors.ts';
import type { TlsConfig } from './types.ts';

/** A session-ticket key file: 16 bytes of key name, 16 of HMAC secret, 16 of AES key (Node's `ticketKeys`). */
export const TICKET_KEYS_BYTES = 48;

/** The contents of the `listen.tls` files, read together so a reload never mixes old and new. */
export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ticketKeys?: Buffer;
}

const FILE_KEYS = ['cert', 'key', 'ticketKeys'] as const;

/**
 * Makes the `listen.tls` file paths absolute, in place: relative paths are read against `baseDir` (the config
 * file's folder), so a config means the same files whatever directory cachet starts in.
 */
export function resolveTlsPaths(config: unknown, baseDir: string): void {
  if (!isRecord(config) || !isRecord(config['listen'])) return;
  const tls = config['listen']['tls'];
  if (!isRecord(tls)) return;
  for (const name of FILE_KEYS) {
    const path = tls[name];
    if (typeof path === 'string' && path !== '' && !isAbsolute(path)) tls[name] = resolve(baseDir, path);
  }
}

/**
 * Reads the certificate, key and ticket keys, and checks that they make a TLS context.
 *
 * @throws {CachetError} `CACHET_ERR_CONFIG_READ` naming each file that cannot be read or is not what it should be.
 */
export function readTlsFiles(tls: Pick<TlsConfig, 'cert' | 'key' | 'ticketKeys'>): TlsFiles {
  const { files, issues } = inspectTlsFiles(tls);
  if (files === undefined) throw new CachetError('CACHET_ERR_CONFIG_READ', issues.map(formatIssue).join('; '));
  return files;
}

/** The `listen.tls` files that cannot be used, as config issues (`cachet check` lists them with the rest). */
export function checkTlsFiles(config: unknown): ConfigIssue[] {
  if (!isRecord(config) || !isRecord(config['listen'])) return [];
  const tls = config['listen']['tls'];
  if (!isRecord(tls) || typeof tls['cert'] !== 'string' || typeof tls['key'] !== 'string') return [];
  const ticketKeys = typeof tls['ticketKeys'] === 'string' ? tls['ticketKeys'] : undefined;
  return inspectTlsFiles({ cert: tls['cert'], key: tls['key'], ...(ticketKeys === undefined ? {} : { ticketKeys }) }).issues;
}

function inspectTlsFiles(tls: Pick<TlsConfig, 'cert' | 'key' | 'ticketKeys'>): { files?: TlsFiles; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const cert = readTlsFile(tls.cert, 'cert', issues);
  const key = readTlsFile(tls.key, 'key', issues);
  const ticketKeys = tls.ticketKeys === undefined ? undefined : readTlsFile(tls.ticketKeys, 'ticketKeys', issues);
  if (ticketKeys !== undefined && ticketKeys.length !== TICKET_KEYS_BYTES) {
    issues.push({
      path: ['listen', 'tls', 'ticketKeys'],
      message: `${tls.ticketKeys} holds ${ticketKeys.length} bytes, expected exactly ${TICKET_KEYS_BYTES} random bytes (openssl rand 48 > ticket.keys)`,
    });
  }
  if (cert !== undefined && key !== undefined) {
    try {
      createSecureContext({ cert, key });
    } catch (err) {
      issues.push({
        path: ['listen', 'tls'],
        message: `${tls.cert} and ${tls.key} are not a PEM certificate and its private key (${(err as Error).message})`,
      });
    }
  }
  if (issues.length > 0 || cert === undefined || key === undefined) return { issues };
  return { files: ticketKeys === undefined ? { cert, key } : { cert, key, ticketKeys }, issues };
}

function readTlsFile(path: string, name: (typeof FILE_KEYS)[number], issues: ConfigIssue[]): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (err) {
    issues.push({ path: ['listen', 'tls', name], message: `cannot read ${path}: ${describeFileError(err)}` });
    return undefined;
  }
}
