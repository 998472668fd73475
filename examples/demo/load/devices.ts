import { Agent, request, type Dispatcher } from 'undici';
import { DEMO_DEVICE_COUNT, DEMO_DEVICE_SECRET, formatDeviceId } from '../../threat-intel/users.ts';
import { classifyCacheStatus, type RequestKind, type Sample } from './stats.ts';

/** One simulated device: its credentials, its token, and what it already holds. */
export interface Device {
  readonly clientId: string;
  token: string | undefined;
  tokenExpiresAt: number;
  /** ETag of the definitions it holds; undefined for a device that has none yet. */
  definitionsEtag: string | undefined;
  threatListEtag: string | undefined;
}

/** The HTTP side of the simulation: every request goes through cachet and ends up as a `Sample`. */
export interface DeviceClient {
  fetchToken(device: Device): Promise<Sample>;
  checkDefinitions(device: Device): Promise<Sample>;
  checkThreatList(device: Device): Promise<Sample>;
  fetchThreat(device: Device, id: number): Promise<Sample>;
  /** The current definitions' ETag and size, read with HEAD (set-up; not part of the measured run). */
  inspectDefinitions(device: Device): Promise<{ etag: string | undefined; bytes: number }>;
  close(): Promise<void>;
}

/** Renews a token this long before it expires. */
const TOKEN_RENEW_BEFORE_MS = 30_000;

/**
 * Device `index` (0-based) of the fleet: `device-001`, `device-002`, …; beyond the 1,000 seeded
 * clients the ids wrap around (several simulated devices then share one client's credentials).
 */
export function createDevice(index: number, definitionsEtag: string | undefined): Device {
  return {
    clientId: formatDeviceId((index % DEMO_DEVICE_COUNT) + 1),
    token: undefined,
    tokenExpiresAt: 0,
    definitionsEtag,
    threatListEtag: undefined,
  };
}

export function needsToken(device: Device, now: number): boolean {
  return device.token === undefined || now >= device.tokenExpiresAt - TOKEN_RENEW_BEFORE_MS;
}

/**
 * A client over one keep-alive pool of `connections` sockets (real devices would each hold one; a pool
 * keeps the simulation within the file-descriptor limits of a laptop). Bodies are counted and dropped.
 */
export function createDeviceClient(gatewayUrl: string, connections: number, definitionsBytes: () => number): DeviceClient {
  const dispatcher = new Agent({ connections, keepAliveTimeout: 10_000 });
  let threatListBytes = 0;
  const threatBytes = new Map<number, number>();

  const send = async (
    kind: RequestKind,
    path: string,
    init: { method?: Dispatcher.HttpMethod; headers: Record<string, string>; body?: string },
    fullBodyBytes: (status: number, bodyBytes: number) => number,
  ): Promise<Sample & { headers: Record<string, string | string[] | undefined>; text?: string }> => {
    const startedAt = performance.now();
    try {
      const res = await request(`${gatewayUrl}${path}`, {
        method: init.method ?? 'GET',
        headers: init.headers,
        body: init.body,
        dispatcher,
      });
      const keepText = kind === 'token' || res.statusCode >= 400;
      let bodyBytes = 0;
      const chunks: Buffer[] = [];
      for await (const chunk of res.body) {
        bodyBytes += (chunk as Buffer).length;
        if (keepText) chunks.push(chunk as Buffer);
      }
      const headers = res.headers as Record<string, string | string[] | undefined>;
      const headBytes = estimateHeadBytes(res.statusCode, headers);
      return {
        kind,
        status: res.statusCode,
        outcome: classifyCacheStatus(readField(headers, 'cache-status')),
        originInstance: readField(headers, 'x-origin-instance'),
        latencyMs: performance.now() - startedAt,
        bytes: headBytes + bodyBytes,
        bytesWithoutCache: headBytes + fullBodyBytes(res.statusCode, bodyBytes),
        headers,
        ...(keepText ? { text: Buffer.concat(chunks).toString('utf8') } : {}),
      };
    } catch {
      return {
        kind,
        status: 0,
        outcome: 'none',
        originInstance: undefined,
        latencyMs: performance.now() - startedAt,
        bytes: 0,
        bytesWithoutCache: 0,
        headers: {},
      };
    }
  };
  const authorize = (device: Device): Record<string, string> => ({ authorization: `Bearer ${device.token ?? ''}` });

  return {
    async fetchToken(device) {
      const body = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: device.clientId,
        client_secret: DEMO_DEVICE_SECRET,
      }).toString();
      const sample = await send(
        'token',
        '/auth/token',
        { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body },
        (_, n) => n,
      );
      if (sample.status === 200 && sample.text !== undefined) {
        const parsed = parseTokenResponse(sample.text);
        device.token = parsed?.access_token;
        device.tokenExpiresAt = Date.now() + (parsed?.expires_in ?? 300) * 1000;
      }
      return stripExtras(sample);
    },
    async checkDefinitions(device) {
      const headers = authorize(device);
      if (device.definitionsEtag !== undefined) headers['if-none-match'] = device.definitionsEtag;
      // Without a cache and validators, every check is the whole file.
      const sample = await send('definitions', '/v1/virus-definitions', { headers }, () => definitionsBytes());
      if (sample.status === 200) device.definitionsEtag = readField(sample.headers, 'etag');
      return stripExtras(sample);
    },
    async checkThreatList(device) {
      const headers = authorize(device);
      if (device.threatListEtag !== undefined) headers['if-none-match'] = device.threatListEtag;
      const sample = await send('threat-list', '/v1/threats', { headers }, (status, n) => {
        if (status === 200) threatListBytes = n;
        return status === 304 ? threatListBytes : n;
      });
      if (sample.status === 200) device.threatListEtag = readField(sample.headers, 'etag');
      return stripExtras(sample);
    },
    async fetchThreat(device, id) {
      const sample = await send('threat', `/v1/threats/${id}`, { headers: authorize(device) }, (status, n) => {
        if (status === 200) threatBytes.set(id, n);
        return status === 304 ? (threatBytes.get(id) ?? n) : n;
      });
      return stripExtras(sample);
    },
    async inspectDefinitions(device) {
      const res = await request(`${gatewayUrl}/v1/virus-definitions`, { method: 'HEAD', headers: authorize(device), dispatcher });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`HEAD /v1/virus-definitions answered ${res.statusCode}`);
      const headers = res.headers as Record<string, string | string[] | undefined>;
      return { etag: readField(headers, 'etag'), bytes: Number(readField(headers, 'content-length') ?? 0) };
    },
    close: () => dispatcher.close(),
  };
}

/**
 * Bytes of a response head as sent on the wire: the status line, `name: value\r\n` per field and the
 * empty line (RFC 9112 §2.1). undici hands fields over parsed, so this is rebuilt, not measured.
 */
export function estimateHeadBytes(status: number, headers: Readonly<Record<string, string | string[] | undefined>>): number {
  let bytes = `HTTP/1.1 ${status} XX\r\n`.length + 2;
  for (const [name, value] of Object.entries(headers)) {
    for (const one of Array.isArray(value) ? value : [value ?? '']) bytes += name.length + 2 + Buffer.byteLength(one) + 2;
  }
  return bytes;
}

function parseTokenResponse(text: string): { access_token?: string; expires_in?: number } | undefined {
  try {
    return JSON.parse(text) as { access_token?: string; expires_in?: number };
  } catch {
    return undefined;
  }
}

function readField(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function stripExtras(sample: Sample & { headers?: unknown; text?: string }): Sample {
  const { headers: _headers, text: _text, ...rest } = sample;
  return rest;
}
