import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { CONFIG_DEFAULTS } from './schema.ts';
import { describeValue, formatPath, type ConfigPath } from './issues.ts';
import { isRecord, NAME, stringsOf, TOKEN, type Data, type Report } from './rules.ts';

/**
 * Rules for the `auth` section: key material that fits its algorithms, unique provider names and issuers,
 * and header names and a realm that can be sent as they are.
 */

interface ProviderEntry {
  readonly path: ConfigPath;
  readonly data: Data;
  readonly name: unknown;
}

/** Whether the auth section names at least one provider (shape errors aside). */
export function hasProviders(auth: unknown): boolean {
  return isRecord(auth) && collectProviders(auth).length > 0;
}

function collectProviders(auth: Data): ProviderEntry[] {
  const entries: ProviderEntry[] = [];
  const jwt = auth['jwt'];
  if (isRecord(jwt)) entries.push({ path: ['auth', 'jwt'], data: jwt, name: CONFIG_DEFAULTS.auth.jwtProviderName });
  const providers = auth['providers'];
  if (Array.isArray(providers)) {
    providers.forEach((provider: unknown, index) => {
      if (isRecord(provider)) entries.push({ path: ['auth', 'providers', index], data: provider, name: provider['name'] });
    });
  }
  return entries;
}

export function checkAuthSection(auth: unknown, report: Report): void {
  if (!isRecord(auth)) return;
  const providers = collectProviders(auth);
  if (auth['jwt'] === undefined && auth['providers'] === undefined) {
    report(['auth'], 'needs at least one token provider, expected auth.jwt or auth.providers');
  } else if (auth['jwt'] === undefined && Array.isArray(auth['providers']) && auth['providers'].length === 0) {
    report(['auth', 'providers'], 'must not be empty without auth.jwt, expected at least one provider');
  }
  const names = new Map<string, ConfigPath>();
  const issuers = new Map<string, ConfigPath>();
  for (const { path, data, name } of providers) {
    if (typeof name === 'string' && name !== '') {
      const earlier = names.get(name);
      if (!NAME.test(name))
        report(
          [...path, 'name'],
          'is not a valid provider name, expected letters, digits, ".", "_" and "-", starting with a letter or digit',
        );
      else if (earlier !== undefined)
        report([...path, 'name'], `repeats the provider name ${JSON.stringify(name)} of ${formatPath(earlier)}, expected a unique name`);
      else names.set(name, path);
    }
    if (path[1] === 'providers' && data['introspection'] !== undefined) {
      if (!isRecord(data['introspection'])) continue;
      checkIntrospection(data['introspection'], [...path, 'introspection'], report);
      continue;
    }
    checkJwtProvider(data, path, report);
    const issuer = data['issuer'];
    if (typeof issuer === 'string' && issuer !== '') {
      const earlier = issuers.get(issuer);
      // Tokens are matched to their provider by `iss`; two providers for one issuer would be ambiguous.
      if (earlier !== undefined)
        report(
          [...path, 'issuer'],
          `repeats the issuer of ${formatPath(earlier)}, expected one provider per issuer (tokens are matched to providers by iss)`,
        );
      else issuers.set(issuer, path);
    }
  }
  checkRealm(auth['realm'], report);
  checkIdentityHeaders(auth['identityHeaders'], report);
}

const KEY_SOURCES = ['jwksUri', 'secret', 'publicKey'] as const;
const HMAC = /^HS(\d{3})$/;

function checkJwtProvider(jwt: Data, path: ConfigPath, report: Report): void {
  const at = (key: string): ConfigPath => [...path, key];
  const sources = KEY_SOURCES.filter((key) => jwt[key] !== undefined);
  if (sources.length !== 1) {
    report(
      path,
      `needs exactly one key source, expected one of jwksUri, secret, publicKey (got ${sources.length === 0 ? 'none' : sources.join(' and ')})`,
    );
  }
  const jwksUri = jwt['jwksUri'];
  if (typeof jwksUri === 'string' && URL.canParse(jwksUri) && !/^https?:$/.test(new URL(jwksUri).protocol)) {
    report(at('jwksUri'), `must be an http(s) URL (got ${describeValue(jwksUri)})`);
  }
  if (jwt['jwks'] !== undefined && jwksUri === undefined)
    report(at('jwks'), 'applies only with jwksUri, expected it removed or jwksUri set');
  const algorithms = stringsOf(jwt['algorithms']);
  // RFC 8725 §3.1: one key, one kind of algorithm, or an attacker can make a public key verify as an HMAC secret.
  if (sources.length === 1 && algorithms.length > 0) {
    const wantsSecret = sources[0] === 'secret';
    const mismatched = algorithms.filter((alg) => HMAC.test(alg) !== wantsSecret);
    if (mismatched.length > 0) {
      report(
        at('algorithms'),
        wantsSecret
          ? `must all be HS256, HS384 or HS512 with a secret (got ${mismatched.join(', ')})`
          : `must not include HMAC algorithms with ${sources[0]} (got ${mismatched.join(', ')}), expected RS*, PS*, ES* or EdDSA`,
      );
    }
  }
  const secret = jwt['secret'];
  if (typeof secret === 'string' && secret.length >= 32) {
    // RFC 7518 §3.2: a key at least as long as the hash output (HS384 → 48 bytes, HS512 → 64 bytes).
    const bytes = Buffer.byteLength(secret, 'utf8');
    const needs = Math.max(0, ...algorithms.map((alg) => Number(HMAC.exec(alg)?.[1] ?? 0) / 8));
    if (bytes < needs)
      report(
        at('secret'),
        `is ${bytes} bytes, expected at least ${needs} for ${algorithms.filter((a) => HMAC.test(a)).join(', ')} (RFC 7518 §3.2)`,
      );
  }
  const publicKey = jwt['publicKey'];
  if (typeof publicKey === 'string' && publicKey !== '') {
    const problem = findPublicKeyProblem(publicKey, algorithms);
    if (problem !== undefined) report(at('publicKey'), problem);
  }
}

const KEY_TYPES_BY_ALGORITHM: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/^RS/, ['rsa']],
  [/^PS/, ['rsa', 'rsa-pss']],
  [/^ES/, ['ec']],
  [/^EdDSA$/, ['ed25519', 'ed448']],
];

const PEM_PUBLIC_KEY = /^\s*-----BEGIN PUBLIC KEY-----/;
const NOT_A_KEY = 'must be a PEM public key or a JWK as JSON, expected text starting with -----BEGIN PUBLIC KEY----- or {';

/** Why `text` cannot verify `algorithms`, or undefined. Accepts SPKI PEM or one public JWK (RFC 7517 §4) as JSON. */
function findPublicKeyProblem(text: string, algorithms: readonly string[]): string | undefined {
  let keyType: string | undefined;
  if (text.trimStart().startsWith('{')) {
    const jwk = parseJwk(text);
    if (typeof jwk === 'string') return jwk;
    if (typeof jwk['alg'] === 'string' && !algorithms.includes(jwk['alg']))
      return `is a JWK for ${jwk['alg']}, expected its alg among algorithms (${algorithms.join(', ')})`;
    try {
      keyType = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).asymmetricKeyType;
    } catch {
      return 'is not a usable public JWK, expected kty RSA, EC or OKP with its public parameters';
    }
  } else {
    if (!PEM_PUBLIC_KEY.test(text)) return text.includes('PRIVATE KEY') ? 'must be a public key, not a private key' : NOT_A_KEY;
    try {
      keyType = createPublicKey(text).asymmetricKeyType;
    } catch {
      return NOT_A_KEY;
    }
  }
  for (const alg of algorithms) {
    const allowed = KEY_TYPES_BY_ALGORITHM.find(([pattern]) => pattern.test(alg))?.[1];
    if (allowed !== undefined && !allowed.includes(keyType ?? '')) return `is a ${keyType ?? 'unknown'} key, which cannot verify ${alg}`;
  }
  return undefined;
}

function parseJwk(text: string): Data | string {
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch {
    return NOT_A_KEY;
  }
  if (!isRecord(jwk)) return NOT_A_KEY;
  if (jwk['kty'] === 'oct') return 'is a symmetric JWK, expected a public key (use secret for HMAC)';
  // RFC 7518 §6.2.2 and §6.3.2: `d` (and the RSA primes) are private; a config file should not hold them.
  if (jwk['d'] !== undefined) return 'contains private key material ("d"), expected the public JWK only';
  if (jwk['use'] !== undefined && jwk['use'] !== 'sig') return 'is not a signing key, expected use "sig" or no use';
  return jwk;
}

function checkIntrospection(introspection: Data, path: ConfigPath, report: Report): void {
  const endpoint = introspection['endpoint'];
  if (typeof endpoint !== 'string' || !URL.canParse(endpoint)) return;
  const url = new URL(endpoint);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    report([...path, 'endpoint'], `must be an http(s) URL (got ${describeValue(endpoint)})`);
  else if (url.username !== '' || url.password !== '')
    report([...path, 'endpoint'], 'must not contain credentials, expected them in clientId and clientSecret');
}

function checkRealm(realm: unknown, report: Report): void {
  // Sent as a quoted-string in WWW-Authenticate (RFC 9110 §11.2, §5.6.4): no quotes, backslashes or controls.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what a realm may not hold.
  if (typeof realm === 'string' && /["\\\x00-\x1f\x7f]/.test(realm)) {
    report(
      ['auth', 'realm'],
      `must not contain ", \\ or control characters, expected plain text such as cachet (got ${describeValue(realm)})`,
    );
  }
}

/** Fields the gateway itself sets, frames or reads; an identity header must not overwrite them. */
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'host',
  'connection',
  'keep-alive',
  'content-length',
  'content-type',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'via',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-request-id',
  'traceparent',
  'tracestate',
  'cache-control',
  'pragma',
]);

function checkIdentityHeaders(headers: unknown, report: Report): void {
  if (!isRecord(headers)) return;
  const defaults = CONFIG_DEFAULTS.auth.identityHeaders;
  const entries: Array<[ConfigPath, unknown]> = [
    [['auth', 'identityHeaders', 'subject'], headers['subject'] ?? defaults.subject],
    [['auth', 'identityHeaders', 'scopes'], headers['scopes'] ?? defaults.scopes],
  ];
  const claims = headers['claims'];
  if (isRecord(claims))
    for (const [claim, name] of Object.entries(claims)) entries.push([['auth', 'identityHeaders', 'claims', claim], name]);
  const seen = new Map<string, ConfigPath>();
  for (const [path, name] of entries) {
    if (typeof name !== 'string' || name === '') continue;
    const lower = name.toLowerCase();
    const earlier = seen.get(lower);
    if (!TOKEN.test(name)) report(path, `must be a field name (RFC 9110 §5.1), such as X-Auth-Subject (got ${describeValue(name)})`);
    else if (RESERVED_HEADERS.has(lower))
      report(
        path,
        `is a field the gateway sets or reads itself, expected a name of its own such as X-Auth-Subject (got ${describeValue(name)})`,
      );
    else if (earlier !== undefined)
      report(path, `repeats the header of ${formatPath(earlier)} (names are case-insensitive), expected a distinct name`);
    else seen.set(lower, path);
  }
}
