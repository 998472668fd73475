import type { Prng } from './prng.ts';
import { fuzzPath, REQUEST_BEHAVIOURS, type Behaviour } from './behaviours.ts';

/** One request of a fuzz case, as bytes plus what the checker needs to judge its answer. */
export interface FuzzRequest {
  /** Which generator made it, for failure reports. */
  readonly kind: string;
  readonly bytes: Buffer;
  readonly method: string;
  /** Token of the fuzz path it asks for (its answer must carry this one or be a gateway error). */
  readonly token: string;
  readonly behaviour: Behaviour;
  readonly size: number;
  /** Valid HTTP/1.1 on a route without auth: the gateway must forward it and relay the origin's answer. */
  readonly wellFormed: boolean;
  readonly upgrade: boolean;
  /** Cut before its end: the gateway has to give up on it within its request timeouts. */
  readonly incomplete: boolean;
}

export interface FuzzCase {
  readonly id: number;
  readonly requests: readonly FuzzRequest[];
  /** The bytes go out in this many writes, `gapMs` apart (exercises the parser on partial reads). */
  readonly pieces: number;
  readonly gapMs: number;
  /** `keep`: wait for every answer or a close; `end`: half-close after writing; `destroy`: go away after `destroyAfterMs`. */
  readonly ending: 'keep' | 'end' | 'destroy';
  readonly destroyAfterMs: number;
}

/** Which families the generator may draw; families tied to open findings can be left out (see `FUZZ_PENDING`). */
export interface GeneratorOptions {
  /**
   * Upgrade requests anywhere in a pipeline, refused by the origin (any answer but 101, or none), or with a body.
   * Without it, an upgrade is only ever the first request of its connection and the origin switches.
   */
  readonly riskyUpgrades: boolean;
  /** Incomplete requests that then stall. */
  readonly stalls: boolean;
  /** Origin behaviours never drawn. */
  readonly excludedBehaviours: ReadonlySet<Behaviour>;
  /** Behaviours after which the answer must arrive whole (see `CLEAN_BEHAVIOURS`). */
  readonly clean: ReadonlySet<Behaviour>;
  /** Request heads over `limits.maxHeaderBytes`. */
  readonly maxHeaderBytes: number;
  /** `limits.maxBodyBytes`. */
  readonly maxBodyBytes: number;
}

const HOST = 'Host: fuzz.test\r\n';
const SMUGGLED = 'GET /private/smuggled/ok/1 HTTP/1.1\r\nHost: fuzz.test\r\n\r\n';

/** Cacheable paths drawn so far: later cases ask for some again, so a stored answer is checked against its URL. */
type CachedPath = { readonly token: string; readonly size: number };

export function createCaseGenerator(options: GeneratorOptions): (prng: Prng, id: number) => FuzzCase {
  const cacheable: CachedPath[] = [];

  const drawSize = (prng: Prng): number => (prng.chance(0.1) ? prng.int(16_000, 80_000) : prng.int(0, 2_000));

  const clean = [...options.clean];
  const any = REQUEST_BEHAVIOURS.filter((b) => !options.excludedBehaviours.has(b));
  const drawBehaviour = (prng: Prng, method: string): Behaviour => {
    if (method === 'HEAD' && prng.chance(0.3)) return 'head-body';
    return prng.chance(0.5) ? prng.pick(clean) : prng.pick(any);
  };

  const noise = (prng: Prng): string => {
    let fields = '';
    if (prng.chance(0.3))
      fields += `X-Fuzz-Noise: ${'abcXYZ019-_.~!'
        .split('')
        .filter(() => prng.chance(0.6))
        .join('')}\r\n`;
    // obs-text (RFC 9110 §5.5): allowed in field values, forwarded as it came.
    if (prng.chance(0.2)) fields += 'X-Fuzz-Obs: caf\xe9 \xff\x80\r\n';
    if (prng.chance(0.1)) fields += 'Accept-Encoding: gzip\r\n';
    return fields;
  };

  function wellFormed(prng: Prng, id: number, index: number): FuzzRequest {
    const method = prng.pick(['GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']);
    let token = `c${id}r${index}`;
    let size = drawSize(prng);
    let behaviour = drawBehaviour(prng, method);
    if (method === 'GET' && cacheable.length > 0 && prng.chance(0.15)) {
      ({ token, size } = prng.pick(cacheable));
      behaviour = 'cacheable';
    } else if (behaviour === 'cacheable') {
      cacheable.push({ token, size });
    }
    let text = `${method} ${fuzzPath('fz', token, behaviour, size)} HTTP/1.1\r\n${HOST}${noise(prng)}`;
    if (method === 'POST' || method === 'PUT') {
      const body = 'b'.repeat(prng.int(0, 3000));
      if (prng.chance(0.3)) text += 'Expect: 100-continue\r\n';
      if (prng.chance(0.5)) text += `Content-Length: ${body.length}\r\n\r\n${body}`;
      else text += `Transfer-Encoding: chunked\r\n\r\n${body.length > 0 ? `${body.length.toString(16)}\r\n${body}\r\n` : ''}0\r\n\r\n`;
    } else {
      text += '\r\n';
    }
    return {
      kind: `good-${method.toLowerCase()}`,
      bytes: Buffer.from(text, 'latin1'),
      method,
      token,
      behaviour,
      size,
      wellFormed: true,
      upgrade: false,
      incomplete: false,
    };
  }

  /** Requests the gateway must refuse or answer itself; none of them is a valid request to a fuzz route. */
  const MALFORMED: ReadonlyArray<readonly [string, (path: string) => string]> = [
    ['ctl-in-value', (p) => `GET ${p} HTTP/1.1\r\n${HOST}X-Fuzz: a\x01b\r\n\r\n`],
    ['space-in-name', (p) => `GET ${p} HTTP/1.1\r\n${HOST}Bad Name: x\r\n\r\n`],
    ['obs-fold', (p) => `GET ${p} HTTP/1.1\r\n${HOST}X-Folded: a\r\n b\r\n\r\n`],
    ['no-host', (p) => `GET ${p} HTTP/1.1\r\n\r\n`],
    ['two-hosts', (p) => `GET ${p} HTTP/1.1\r\n${HOST}Host: other.test\r\n\r\n`],
    ['bad-host', (p) => `GET ${p} HTTP/1.1\r\nHost: a/b@c\r\n\r\n`],
    ['cl-and-te', (p) => `POST ${p} HTTP/1.1\r\n${HOST}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
    ['cl-conflict', (p) => `POST ${p} HTTP/1.1\r\n${HOST}Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd`],
    ['cl-sign', (p) => `POST ${p} HTTP/1.1\r\n${HOST}Content-Length: +3\r\n\r\nabc`],
    ['te-gzip-chunked', (p) => `POST ${p} HTTP/1.1\r\n${HOST}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`],
    ['te-http10', (p) => `POST ${p} HTTP/1.0\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
    ['bad-chunk-size', (p) => `POST ${p} HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`],
    ['chunk-no-crlf', (p) => `POST ${p} HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n`],
    ['huge-head', (p) => `GET ${p} HTTP/1.1\r\n${HOST}X-Big: ${'h'.repeat(options.maxHeaderBytes + 512)}\r\n\r\n`],
    ['too-many-fields', (p) => `GET ${p} HTTP/1.1\r\n${HOST}${'X-F: 1\r\n'.repeat(4000)}\r\n`],
    ['body-too-large', (p) => `POST ${p} HTTP/1.1\r\n${HOST}Content-Length: ${options.maxBodyBytes + 1}\r\n\r\n`],
    ['bad-method', (p) => `G@T ${p} HTTP/1.1\r\n${HOST}\r\n`],
    ['bad-version', (p) => `GET ${p} HTTP/1.7\r\n${HOST}\r\n`],
    ['nul-in-target', (p) => `GET ${p}\x00x HTTP/1.1\r\n${HOST}\r\n`],
    ['space-in-target', (p) => `GET ${p} x HTTP/1.1\r\n${HOST}\r\n`],
    ['bare-lf', (p) => `GET ${p} HTTP/1.1\n${HOST}\n`],
    ['dot-segments', () => 'GET /fz/%2e%2e/..%2f/private/x HTTP/1.1\r\nHost: fuzz.test\r\n\r\n'],
    ['not-a-route', () => 'GET /not-a-route/%2e%2e/..%2f HTTP/1.1\r\nHost: fuzz.test\r\n\r\n'],
    ['private-no-token', (p) => `GET ${p.replace('/fz/', '/private/')} HTTP/1.1\r\n${HOST}\r\n`],
    ['private-bad-token', (p) => `GET ${p.replace('/fz/', '/private/')} HTTP/1.1\r\n${HOST}Authorization: Bearer a.b.c\r\n\r\n`],
    ['absolute-form', (p) => `GET http://elsewhere.test${p.replace('/fz/', '/private/')} HTTP/1.1\r\n${HOST}\r\n`],
  ];

  function malformed(prng: Prng, id: number, index: number): FuzzRequest {
    const [kind, build] = prng.pick(MALFORMED);
    const token = `c${id}r${index}`;
    const size = prng.int(0, 200);
    const behaviour: Behaviour = prng.pick(['ok', 'slow', 'chunked']);
    const method = /^(\S+)/.exec(build('/'))?.[1] ?? 'GET';
    return {
      kind,
      bytes: Buffer.from(build(fuzzPath('fz', token, behaviour, size)), 'latin1'),
      method,
      token,
      behaviour,
      size,
      wellFormed: false,
      upgrade: false,
      incomplete: false,
    };
  }

  function upgrade(prng: Prng, id: number, index: number): FuzzRequest {
    const token = `c${id}r${index}`;
    const size = prng.int(0, 200);
    const refused = options.riskyUpgrades && prng.chance(0.6);
    const behaviour: Behaviour = refused
      ? prng.pick(['ok', 'slow', 'chunked', 'extra-later', 'hang', 'reset-before-head'] as const)
      : 'switch';
    const protocol = prng.pick(['websocket', 'h2c']);
    const path = fuzzPath('fz', token, behaviour, size);
    let text = `GET ${path} HTTP/1.1\r\n${HOST}Connection: Upgrade\r\nUpgrade: ${protocol}\r\n${noise(prng)}`;
    let kind = `upgrade-${protocol}`;
    let method = 'GET';
    if (options.riskyUpgrades && prng.chance(0.3)) {
      // A body on an upgrade request: its chunks must never reach the origin as a request of their own.
      kind = `upgrade-${protocol}-chunked-body`;
      method = 'POST';
      text = `POST ${path} HTTP/1.1\r\n${HOST}Connection: Upgrade\r\nUpgrade: ${protocol}\r\nTransfer-Encoding: chunked\r\n\r\n${SMUGGLED.length.toString(16)}\r\n${SMUGGLED}\r\n0\r\n\r\n`;
    } else {
      text += '\r\n';
    }
    return {
      kind,
      bytes: Buffer.from(text, 'latin1'),
      method,
      token,
      behaviour,
      size,
      wellFormed: false,
      upgrade: true,
      incomplete: false,
    };
  }

  function stalled(prng: Prng, id: number, index: number): FuzzRequest {
    const request = wellFormed(prng, id, index);
    // Half the cuts fall inside the head (only the header timeout can end those), half anywhere.
    const headEnd = request.bytes.indexOf('\r\n\r\n');
    const cut = prng.int(1, prng.chance(0.5) ? headEnd : request.bytes.length - 1);
    return { ...request, kind: `stalled-${request.kind}`, bytes: request.bytes.subarray(0, cut), wellFormed: false, incomplete: true };
  }

  return (prng, id) => {
    const count = prng.int(1, 5);
    const requests: FuzzRequest[] = [];
    for (let index = 0; index < count; index++) {
      const roll = prng.next();
      if (roll < 0.6) requests.push(wellFormed(prng, id, index));
      else if (roll < 0.85 || (index > 0 && !options.riskyUpgrades)) requests.push(malformed(prng, id, index));
      else requests.push(upgrade(prng, id, index));
    }
    if (options.stalls && prng.chance(0.08)) {
      // After an answer the keep-alive timeout covers a stall; alone on its connection only the request timeouts do.
      if (prng.chance(0.5)) requests.length = 0;
      requests.push(stalled(prng, id, count));
    }
    const endingRoll = prng.next();
    return {
      id,
      requests,
      pieces: prng.chance(0.3) ? prng.int(2, 6) : 1,
      gapMs: prng.int(0, 5),
      ending: endingRoll < 0.75 ? 'keep' : endingRoll < 0.9 ? 'end' : 'destroy',
      destroyAfterMs: prng.int(0, 120),
    };
  };
}
