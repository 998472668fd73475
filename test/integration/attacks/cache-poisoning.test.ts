import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startOrigin, type Origin } from '../../helpers/origin.ts';
import { startGateway } from '../../helpers/gateway.ts';
import { bearer, exchange, rawExchange, readRawHeader, readStatuses, startAuthStack, type FieldLines } from './harness.ts';

/** Headers origins commonly build URLs or routing from; the echo puts every one in a cacheable body. */
const ECHOED = [
  'host',
  'x-forwarded-host',
  'x-host',
  'x-forwarded-server',
  'x-original-url',
  'x-rewrite-url',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-scheme',
  'x-forwarded-proto',
  'x-http-method-override',
  'x-method-override',
  'cookie',
  'authorization',
] as const;

/** `;` separates parameters too for some frameworks (old Rack, Python < 3.9.2): the parameter-cloaking premise. */
function readLastParam(url: string, name: string): string | undefined {
  let value: string | undefined;
  for (const pair of (url.split('?')[1] ?? '').split(/[&;]/)) {
    const [key, raw] = pair.split('=');
    if (key === name) value = raw;
  }
  return value;
}

async function startPoisonTarget(t: TestContext): Promise<{ url: string; origin: Origin }> {
  const origin = await startOrigin(t, (req, res, body) => {
    const path = req.url ?? '/';
    const echo: Record<string, unknown> = {
      url: path,
      method: req.method,
      body: body.toString('latin1'),
      callback: readLastParam(path, 'callback'),
    };
    for (const name of ECHOED) echo[name] = req.headers[name];
    if (path.startsWith('/error/') && (req.headers['x-bad'] !== undefined || body.length > 0)) {
      res.statusCode = req.headers['x-bad'] === '404' ? 404 : 400;
      res.end(`error for ${path}`);
      return;
    }
    const cacheControl = path.startsWith('/private/')
      ? 'private, max-age=60'
      : path.startsWith('/nostore/')
        ? 'no-store'
        : path.startsWith('/auth/')
          ? 'max-age=60'
          : path.startsWith('/smaxage/')
            ? 's-maxage=60'
            : path.startsWith('/cookie/')
              ? 'public, max-age=60, private="set-cookie"'
              : 'public, max-age=60';
    res.setHeader('cache-control', cacheControl);
    if (path.startsWith('/cookie/')) res.setHeader('set-cookie', `session=victim-${origin.count()}; HttpOnly`);
    if (path.startsWith('/vary/')) res.setHeader('vary', 'Cookie');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(echo));
  });
  const { url } = await startGateway(t, [origin.url], { cache: { key: { sortQuery: true, ignoreParams: ['utm_source'] } } });
  return { url, origin };
}

interface PoisonCase {
  readonly name: string;
  readonly todo?: string;
  readonly path: string;
  readonly attack: FieldLines;
  readonly method?: string;
  readonly body?: string;
  /** The victim's request (defaults: same path, no extra fields). */
  readonly victimPath?: string;
  readonly victim?: FieldLines;
  /** Text the victim's response must not contain. */
  readonly poison: string;
}

const unkeyed = (name: string, header: string, value = 'evil.example', todo?: string): PoisonCase => ({
  name: `unkeyed ${header} cannot change the cached response others get (RFC 9111 §4 key = URI)`,
  path: `/echo/${name}`,
  attack: [[header, value]],
  poison: value,
  ...(todo === undefined ? {} : { todo }),
});

const cases: PoisonCase[] = [
  unkeyed('xfh', 'X-Forwarded-Host'),
  unkeyed('xfp', 'X-Forwarded-Proto', 'gopher'),
  unkeyed('xhost', 'X-Host', 'evil.example'),
  unkeyed('xfs', 'X-Forwarded-Server', 'evil.example'),
  unkeyed('xourl', 'X-Original-URL', '/evil-admin'),
  unkeyed('xrurl', 'X-Rewrite-URL', '/evil-admin'),
  unkeyed('xfport', 'X-Forwarded-Port', '6666'),
  unkeyed('xfprefix', 'X-Forwarded-Prefix', '/evil-prefix'),
  unkeyed('xfscheme', 'X-Forwarded-Scheme', 'nothttp'),
  unkeyed('override', 'X-HTTP-Method-Override', 'DELETE'),
  {
    name: 'a private response is not stored for others (RFC 9111 §5.2.2.7)',
    path: '/private/a',
    attack: [['cookie', 'user=evil-user']],
    victim: [['cookie', 'user=victim']],
    poison: 'evil-user',
  },
  {
    name: 'a no-store response is not stored (RFC 9111 §5.2.2.5)',
    path: '/nostore/a',
    attack: [['cookie', 'user=evil-user']],
    victim: [['cookie', 'user=victim']],
    poison: 'evil-user',
  },
  {
    name: "Vary: Cookie keeps one cookie's response from another (RFC 9111 §4.1)",
    path: '/vary/a',
    attack: [['cookie', 'user=evil-user']],
    victim: [['cookie', 'user=victim']],
    poison: 'evil-user',
  },
  {
    name: 'an answer to an Authorization request without public/s-maxage is not served to anyone else (RFC 9111 §3.5)',
    path: '/auth/a',
    attack: [['authorization', 'Bearer evil-token']],
    poison: 'evil-token',
  },
  {
    name: 'fat GET: a GET body cannot change what others get from the cache (RFC 9110 §9.3.1)',
    path: '/echo/fat',
    method: 'GET',
    body: 'callback=evil',
    attack: [['content-type', 'application/x-www-form-urlencoded']],
    poison: 'evil',
  },
  {
    name: 'fat GET that makes the origin fail is not served to others (CPDoS, RFC 9110 §9.3.1)',
    path: '/error/fat',
    method: 'GET',
    body: 'x',
    attack: [],
    poison: 'error for',
  },
  {
    name: 'a 400 provoked by an attacker header is not served to others (CPDoS, RFC 9111 §3)',
    path: '/error/hho',
    attack: [['x-bad', 'yes']],
    poison: 'error for',
  },
  {
    name: 'a 404 provoked by an attacker header without freshness is not served to others (CPDoS, RFC 9111 §4.2.2)',
    path: '/error/404',
    attack: [['x-bad', '404']],
    poison: 'error for',
  },
  {
    name: 'parameter cloaking: an ignored parameter cannot smuggle ";callback=" past the key',
    path: '/echo/jsonp?callback=good&utm_source=x;callback=evil',
    victimPath: '/echo/jsonp?callback=good',
    attack: [],
    poison: 'evil',
  },
  {
    name: 'duplicate parameters are keyed: ?a=1&callback=evil does not reach ?a=1',
    path: '/echo/dup?a=1&callback=good&callback=evil',
    victimPath: '/echo/dup?a=1&callback=good',
    attack: [],
    poison: 'evil',
  },
  {
    name: 'sorted query keeps duplicate order: ?callback=evil&callback=good is not ?callback=good&callback=evil',
    path: '/echo/order?callback=good&callback=evil',
    victimPath: '/echo/order?callback=evil&callback=good',
    attack: [],
    poison: '"callback":"evil"',
  },
];

test('cache poisoning: what one client sends never changes what the next one gets', async (t) => {
  const { url, origin } = await startPoisonTarget(t);
  for (const c of cases) {
    await t.test(c.name, c.todo === undefined ? {} : { todo: c.todo }, async () => {
      const attack = await exchange(
        `${url}${c.path}`,
        c.body === undefined ? { method: c.method, fields: c.attack } : { method: c.method, fields: c.attack, body: c.body },
      );
      assert.ok(attack.status < 500, `attacker got ${attack.status}`);
      const victim = await exchange(`${url}${c.victimPath ?? c.path}`, { fields: c.victim ?? [] });
      assert.ok(!victim.text.includes(c.poison), `victim got the attacker's ${JSON.stringify(c.poison)}: ${victim.text.slice(0, 300)}`);
      assert.ok(origin.count() > 0);
    });
  }

  await t.test('a public answer to an Authorization request may be shared (RFC 9111 §3.5) — control for the case above', async () => {
    await exchange(`${url}/authpublic/a`, { fields: [['authorization', 'Bearer secret-token']] });
    const victim = await exchange(`${url}/authpublic/a`);
    assert.match(victim.header('cache-status') ?? '', /hit/);
    assert.equal(origin.count('/authpublic/a'), 1);
  });

  await t.test('s-maxage makes an Authorization answer shareable (RFC 9111 §3.5)', async () => {
    await exchange(`${url}/smaxage/a`, { fields: [['authorization', 'Bearer t']] });
    assert.match((await exchange(`${url}/smaxage/a`)).header('cache-status') ?? '', /hit/);
  });

  await t.test('private="set-cookie": the cookie reaches its client and is never replayed from the cache (RFC 9111 §5.2.2.7)', async () => {
    const first = await exchange(`${url}/cookie/a`);
    assert.match(first.header('set-cookie') ?? '', /session=victim-/);
    const hit = await exchange(`${url}/cookie/a`);
    assert.match(hit.header('cache-status') ?? '', /hit/);
    assert.equal(hit.header('set-cookie'), undefined);
  });

  await t.test('HEAD first does not store an empty body for GET; GET then HEAD answers without a body (RFC 9110 §9.3.2)', async () => {
    const head = await exchange(`${url}/echo/head`, { method: 'HEAD' });
    assert.equal(head.text, '');
    const get = await exchange(`${url}/echo/head`);
    assert.match(get.text, /"url":"\/echo\/head"/);
    const headAgain = await exchange(`${url}/echo/head`, { method: 'HEAD' });
    assert.equal(headAgain.text, '');
    assert.equal(headAgain.header('content-length'), get.header('content-length'));
  });

  await t.test('Host variations: another host, a trailing dot or a port never poison the canonical entry (RFC 9110 §4.2.3)', async () => {
    const get = (host: string, path: string): Promise<string> =>
      rawExchange(url, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    for (const [i, host] of ['evil.example', 'site.example.', 'site.example:8081', 'SITE.example.evil', 'evil.example:80'].entries()) {
      const path = `/echo/host-${i}`;
      await get(host, path);
      const victim = await get('site.example', path);
      assert.deepEqual(readStatuses(victim), [200], host);
      assert.ok(!victim.includes(`"host":"${host}"`), `victim with Host site.example got ${host}'s response`);
    }
    const upper = await get('SITE.EXAMPLE', '/echo/host-case');
    const lower = await get('site.example', '/echo/host-case');
    assert.match(readRawHeader(lower, 'cache-status') ?? '', /hit/, 'host names compare case-insensitively (RFC 9110 §4.2.3)');
    assert.ok(upper.length > 0);
  });

  await t.test('Host shapes that confuse keying are refused: duplicate, userinfo, path, space → 400 (RFC 9112 §3.2)', async () => {
    const seen = origin.count();
    for (const head of [
      'Host: site.example\r\nHost: evil.example',
      'Host: evil.example@site.example',
      'Host: site.example/evil',
      'Host: site.example evil',
      'Host: site.example\r\nhost: site.example',
    ]) {
      const raw = await rawExchange(url, `GET /echo/hostshape HTTP/1.1\r\n${head}\r\nConnection: close\r\n\r\n`);
      assert.deepEqual(readStatuses(raw), [400], head);
    }
    assert.equal(origin.count(), seen);
  });

  await t.test('absolute-form target with another host: the key and the forwarded Host agree (RFC 9112 §3.2.2)', async () => {
    const attack = await rawExchange(
      url,
      'GET http://evil.example/echo/absolute HTTP/1.1\r\nHost: site.example\r\nConnection: close\r\n\r\n',
    );
    const statuses = readStatuses(attack);
    assert.ok(statuses[0] === 200 || statuses[0] === 400, String(statuses));
    const upstreamHost = origin.requests.find((r) => r.url === '/echo/absolute')?.headers.host;
    const victim = await rawExchange(url, 'GET /echo/absolute HTTP/1.1\r\nHost: site.example\r\nConnection: close\r\n\r\n');
    assert.ok(!victim.includes('"host":"evil.example"'), 'victim got the evil host');
    if (upstreamHost !== undefined && readRawHeader(victim, 'cache-status')?.includes('hit') === true)
      assert.equal(upstreamHost, 'site.example');
  });
});

test('per-user cache: a private response is never served to another subject', async (t) => {
  const stack = await startAuthStack(t);
  const alice = stack.pem.token({ sub: 'alice' });
  const bob = stack.pem.token({ sub: 'bob' });
  await t.test("alice's private answer is stored for alice only", async () => {
    const first = await exchange(`${stack.url}/v1/me/profile`, { fields: bearer(alice) });
    assert.match(first.text, /"x-auth-subject":"alice"/);
    const again = await exchange(`${stack.url}/v1/me/profile`, { fields: bearer(alice) });
    assert.match(again.header('cache-status') ?? '', /hit/);
    const bobs = await exchange(`${stack.url}/v1/me/profile`, { fields: bearer(bob) });
    assert.match(bobs.text, /"x-auth-subject":"bob"/);
    assert.doesNotMatch(bobs.text, /alice/);
  });
  await t.test("bob cannot read alice's entry with only-if-cached (RFC 9111 §5.2.1.7)", async () => {
    const probe = await exchange(`${stack.url}/v1/me/other`, { fields: bearer(alice) });
    assert.equal(probe.status, 200);
    const res = await exchange(`${stack.url}/v1/me/other`, { fields: [...bearer(bob), ['cache-control', 'only-if-cached']] });
    assert.doesNotMatch(res.text, /alice/);
    assert.ok(res.status === 504 || res.status === 200);
  });
  await t.test("a spoofed X-Auth-Subject cannot select alice's entry on an anonymous request → 401", async () => {
    const res = await exchange(`${stack.url}/v1/me/profile`, { fields: [['x-auth-subject', 'alice']] });
    assert.equal(res.status, 401);
    assert.doesNotMatch(res.text, /alice/);
  });
});
