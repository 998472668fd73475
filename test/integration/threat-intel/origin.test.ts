import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTempDbPath, JSON_HEADERS, startTestOrigin, WRITER } from './helpers.ts';

const THREATS_CACHE_CONTROL = 'public, max-age=60, stale-while-revalidate=300, stale-if-error=86400';
const NEW_THREAT = { name: 'Win32/Worm.Testcase.A', family: 'Worm', severity: 'high', description: 'Spreads in tests.' };

interface ThreatList {
  threats: Array<{ id: number; name: string }>;
  count: number;
}

function post(url: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) });
}

/** A stand-in for cachet's admin listener: records every purge and answers `{"purged": 1}` (or `status`). */
async function startFakeAdmin(
  t: TestContext,
  status = 200,
): Promise<{ url: string; purges: Array<{ authorization: string | undefined; body: unknown }> }> {
  const purges: Array<{ authorization: string | undefined; body: unknown }> = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    purges.push({ authorization: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(status === 200 ? '{"purged":1}' : '{"detail":"store down"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, purges };
}

test('origin: virus definitions carry a strong content-hash ETag shared by instances; If-None-Match → 304 (RFC 9110 §13.1.2)', async (t) => {
  const dbPath = createTempDbPath(t);
  const a = await startTestOrigin(t, { dbPath, instance: 'a' });
  const b = await startTestOrigin(t, { dbPath, instance: 'b' });
  const full = await fetch(`${a.url}/v1/virus-definitions`);
  assert.equal(full.status, 200);
  assert.equal(full.headers.get('cache-control'), 'public, max-age=3600');
  assert.equal(full.headers.get('x-origin-instance'), 'a');
  const body = Buffer.from(await full.arrayBuffer());
  assert.equal(body.length, 1024 * 1024);
  const etag = full.headers.get('etag') ?? '';
  assert.match(etag, /^"[A-Za-z0-9_-]{43}"$/);

  const head = await fetch(`${b.url}/v1/virus-definitions`, { method: 'HEAD' });
  assert.equal(head.headers.get('etag'), etag);
  assert.equal(head.headers.get('content-length'), String(1024 * 1024));
  assert.equal((await head.arrayBuffer()).byteLength, 0);

  const notModified = await fetch(`${b.url}/v1/virus-definitions`, { headers: { 'if-none-match': `W/"x", ${etag}` } });
  assert.equal(notModified.status, 304);
  assert.equal(notModified.headers.get('etag'), etag);
  assert.equal(notModified.headers.get('cache-control'), 'public, max-age=3600');
  assert.equal(notModified.headers.get('x-origin-instance'), 'b');
  const changed = await fetch(`${b.url}/v1/virus-definitions`, { headers: { 'if-none-match': '"something-else"' } });
  assert.equal(changed.status, 200);
  await changed.arrayBuffer();
});

test('origin: threat list and items are public, tagged and validated; unknown ids are 404 problems (RFC 9111 §3.5, RFC 9457)', async (t) => {
  const origin = await startTestOrigin(t, { dbPath: createTempDbPath(t), instance: 'one' });
  const list = await fetch(`${origin.url}/v1/threats`);
  assert.equal(list.status, 200);
  assert.equal(list.headers.get('cache-control'), THREATS_CACHE_CONTROL);
  assert.equal(list.headers.get('surrogate-key'), 'threats');
  assert.equal(list.headers.get('last-modified'), 'Thu, 01 Jan 2026 00:00:00 GMT');
  const body = (await list.json()) as ThreatList;
  assert.equal(body.count, 50);
  assert.deepEqual(
    body.threats.map((threat) => threat.id),
    Array.from({ length: 50 }, (_, index) => index + 1),
  );

  const listETag = list.headers.get('etag') ?? '';
  assert.equal((await fetch(`${origin.url}/v1/threats`, { headers: { 'if-none-match': listETag } })).status, 304);
  const critical = (await (await fetch(`${origin.url}/v1/threats?severity=critical`)).json()) as ThreatList;
  assert.ok(critical.count > 0 && critical.count < 50);
  assert.equal((await fetch(`${origin.url}/v1/threats?severity=scary`)).status, 400);

  const item = await fetch(`${origin.url}/v1/threats/7`);
  assert.equal(item.status, 200);
  assert.equal(item.headers.get('cache-control'), THREATS_CACHE_CONTROL);
  assert.equal(item.headers.get('surrogate-key'), 'threats threat-7');
  assert.match(item.headers.get('etag') ?? '', /^"[A-Za-z0-9_-]{43}"$/);
  assert.equal(((await item.json()) as { id: number }).id, 7);
  const itemNotModified = await fetch(`${origin.url}/v1/threats/7`, { headers: { 'if-none-match': item.headers.get('etag') ?? '' } });
  assert.equal(itemNotModified.status, 304);
  assert.equal(itemNotModified.headers.get('surrogate-key'), 'threats threat-7');

  for (const path of ['/v1/threats/999', '/v1/threats/abc', '/nowhere']) {
    const missing = await fetch(`${origin.url}${path}`);
    assert.equal(missing.status, 404, path);
    assert.equal(missing.headers.get('content-type'), 'application/problem+json');
    assert.equal(missing.headers.get('x-origin-instance'), 'one');
    assert.equal(((await missing.json()) as { status: number }).status, 404);
  }
  const wrongMethod = await fetch(`${origin.url}/v1/threats`, { method: 'DELETE' });
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get('allow'), 'GET, HEAD, POST');
  await wrongMethod.arrayBuffer();

  const health = await fetch(`${origin.url}/health`);
  assert.deepEqual(await health.json(), { status: 'ok', instance: 'one' });
});

test('origin: a POST retried with the same Idempotency-Key on another instance replays the first 201 and creates one row', async (t) => {
  const dbPath = createTempDbPath(t);
  const a = await startTestOrigin(t, { dbPath, instance: 'a' });
  const b = await startTestOrigin(t, { dbPath, instance: 'b' });
  const first = await post(`${a.url}/v1/threats`, NEW_THREAT, { ...WRITER, 'idempotency-key': 'retry-7f3c' });
  assert.equal(first.status, 201);
  const created = (await first.json()) as { id: number; version: number };
  assert.equal(created.id, 51);
  assert.equal(first.headers.get('location'), '/v1/threats/51');

  // Spaced differently, same content: still the same request.
  const retry = await fetch(`${b.url}/v1/threats`, {
    method: 'POST',
    headers: { ...JSON_HEADERS, ...WRITER, 'idempotency-key': '"retry-7f3c"' },
    body: JSON.stringify(NEW_THREAT, null, 2),
  });
  assert.equal(retry.status, 201);
  assert.equal(retry.headers.get('idempotent-replayed'), 'true');
  assert.equal(retry.headers.get('x-origin-instance'), 'b');
  assert.deepEqual(await retry.json(), created);

  const list = (await (await fetch(`${b.url}/v1/threats`)).json()) as ThreatList;
  assert.equal(list.count, 51);
  assert.equal(list.threats.filter((threat) => threat.name === NEW_THREAT.name).length, 1);

  const other = await post(`${b.url}/v1/threats`, NEW_THREAT, { ...WRITER, 'idempotency-key': 'retry-8a1d' });
  assert.equal(((await other.json()) as { id: number }).id, 52);
});

test('origin: the same Idempotency-Key with another body is 422; a key is scoped to its subject', async (t) => {
  const dbPath = createTempDbPath(t);
  const a = await startTestOrigin(t, { dbPath, instance: 'a' });
  const b = await startTestOrigin(t, { dbPath, instance: 'b' });
  assert.equal((await post(`${a.url}/v1/threats`, NEW_THREAT, { ...WRITER, 'idempotency-key': 'k1' })).status, 201);
  const reused = await post(`${b.url}/v1/threats`, { ...NEW_THREAT, severity: 'low' }, { ...WRITER, 'idempotency-key': 'k1' });
  assert.equal(reused.status, 422);
  assert.equal(reused.headers.get('content-type'), 'application/problem+json');
  const otherUser = await post(
    `${b.url}/v1/threats`,
    { ...NEW_THREAT, severity: 'low' },
    { ...WRITER, 'x-auth-subject': 'someone-else', 'idempotency-key': 'k1' },
  );
  assert.equal(otherUser.status, 201);
  assert.equal((await post(`${a.url}/v1/threats`, NEW_THREAT, { ...WRITER, 'idempotency-key': 'has space' })).status, 400);
});

test('origin: POST needs threats:write in X-Auth-Scopes, JSON, and valid fields', async (t) => {
  const origin = await startTestOrigin(t, { dbPath: createTempDbPath(t), instance: 'a' });
  const url = `${origin.url}/v1/threats`;
  assert.equal((await post(url, NEW_THREAT, { 'x-auth-subject': 'alice', 'x-auth-scopes': 'threats:read' })).status, 403);
  assert.equal((await post(url, NEW_THREAT, {})).status, 403);
  const invalid = await post(url, { name: '', severity: 'apocalyptic', colour: 'red' }, WRITER);
  assert.equal(invalid.status, 422);
  const pointers = ((await invalid.json()) as { errors: Array<{ pointer: string }> }).errors.map((problem) => problem.pointer);
  assert.deepEqual(pointers.sort(), ['/colour', '/description', '/family', '/name', '/severity']);
  const notJson = await fetch(url, { method: 'POST', headers: { ...WRITER, 'content-type': 'text/plain' }, body: 'hi' });
  assert.equal(notJson.status, 415);
  const tooLarge = await post(url, { ...NEW_THREAT, description: 'x'.repeat(70 * 1024) }, WRITER);
  assert.equal(tooLarge.status, 413);
  assert.equal(((await (await fetch(url)).json()) as ThreatList).count, 50);
});

test('origin: PUT without If-Match is 428, with a stale ETag 412, with the current one 200 and a new ETag (RFC 9110 §13.1.1, RFC 6585 §3)', async (t) => {
  const dbPath = createTempDbPath(t);
  const a = await startTestOrigin(t, { dbPath, instance: 'a' });
  const b = await startTestOrigin(t, { dbPath, instance: 'b' });
  const read = await fetch(`${a.url}/v1/threats/3`);
  const etag = read.headers.get('etag') ?? '';
  const current = (await read.json()) as { version: number; name: string };
  const replacement = { ...NEW_THREAT, name: 'Renamed' };
  const put = (url: string, headers: Record<string, string>): Promise<Response> =>
    fetch(`${url}/v1/threats/3`, { method: 'PUT', headers: { ...JSON_HEADERS, ...WRITER, ...headers }, body: JSON.stringify(replacement) });

  const missing = await put(a.url, {});
  assert.equal(missing.status, 428);
  assert.equal(missing.headers.get('content-type'), 'application/problem+json');
  assert.equal((await put(a.url, { 'if-match': '"not-the-etag"' })).status, 412);
  assert.equal((await put(a.url, { 'if-match': `W/${etag}` })).status, 412, 'If-Match uses strong comparison');

  const updated = await put(b.url, { 'if-match': etag });
  assert.equal(updated.status, 200);
  const newETag = updated.headers.get('etag') ?? '';
  assert.notEqual(newETag, etag);
  const body = (await updated.json()) as { version: number; name: string };
  assert.equal(body.version, current.version + 1);
  assert.equal(body.name, 'Renamed');
  assert.equal((await fetch(`${a.url}/v1/threats/3`)).headers.get('etag'), newETag);

  const lostUpdate = await put(a.url, { 'if-match': etag });
  assert.equal(lostUpdate.status, 412);
  assert.equal(lostUpdate.headers.get('etag'), newETag);
  assert.equal((await put(a.url, { 'if-match': '*' })).status, 200);
  assert.equal(
    (await fetch(`${a.url}/v1/threats/999`, { method: 'PUT', headers: { ...JSON_HEADERS, ...WRITER, 'if-match': '*' }, body: '{}' }))
      .status,
    404,
  );
  assert.equal((await put(a.url, { 'if-match': newETag, 'x-auth-scopes': 'threats:read' })).status, 403);
});

test('origin: scans are private per X-Auth-Subject, never stored; no subject is a 401 problem', async (t) => {
  const dbPath = createTempDbPath(t);
  const a = await startTestOrigin(t, { dbPath, instance: 'a' });
  const b = await startTestOrigin(t, { dbPath, instance: 'b' });
  const created = await post(`${a.url}/v1/users/me/scans`, { target: 'invoice.pdf.exe' }, { 'x-auth-subject': 'alice' });
  assert.equal(created.status, 201);
  assert.equal(created.headers.get('cache-control'), 'private, no-store');
  const scan = (await created.json()) as { id: number; target: string; verdict: string };
  assert.equal(scan.target, 'invoice.pdf.exe');
  assert.ok(['clean', 'suspicious', 'malicious'].includes(scan.verdict));
  const seeded = (await (await fetch(`${a.url}/v1/threats/1`)).json()) as { name: string };
  const malicious = await post(`${b.url}/v1/users/me/scans`, { target: `sample of ${seeded.name}` }, { 'x-auth-subject': 'bob' });
  assert.equal(((await malicious.json()) as { verdict: string }).verdict, 'malicious');

  const alice = await fetch(`${b.url}/v1/users/me/scans`, { headers: { 'x-auth-subject': 'alice' } });
  assert.equal(alice.headers.get('cache-control'), 'private, no-store');
  const aliceBody = (await alice.json()) as { subject: string; scans: Array<{ id: number }> };
  assert.equal(aliceBody.subject, 'alice');
  assert.deepEqual(
    aliceBody.scans.map((item) => item.id),
    [scan.id],
  );
  const bob = (await (await fetch(`${a.url}/v1/users/me/scans`, { headers: { 'x-auth-subject': 'bob' } })).json()) as {
    scans: Array<{ target: string }>;
  };
  assert.equal(bob.scans.length, 1);
  assert.ok(bob.scans.every((item) => item.target !== 'invoice.pdf.exe'));

  const anonymous = await fetch(`${a.url}/v1/users/me/scans`);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get('content-type'), 'application/problem+json');
  assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Bearer /);
  assert.equal((await post(`${a.url}/v1/users/me/scans`, { target: 'x' }, {})).status, 401);
});

test('origin: writes purge "threats" and "threat-{id}" through the admin API before answering', async (t) => {
  const admin = await startFakeAdmin(t);
  const origin = await startTestOrigin(t, {
    dbPath: createTempDbPath(t),
    instance: 'a',
    cachetAdminUrl: admin.url,
    cachetAdminToken: 'admin-token-0123456789',
  });
  const created = await post(`${origin.url}/v1/threats`, NEW_THREAT, { ...WRITER, 'idempotency-key': 'p1' });
  assert.equal(created.status, 201);
  const { id } = (await created.json()) as { id: number };
  assert.deepEqual(admin.purges, [{ authorization: 'Bearer admin-token-0123456789', body: { tags: ['threats', `threat-${id}`] } }]);

  // A replay changes nothing, so it purges nothing.
  await (await post(`${origin.url}/v1/threats`, NEW_THREAT, { ...WRITER, 'idempotency-key': 'p1' })).arrayBuffer();
  assert.equal(admin.purges.length, 1);

  const etag = (await fetch(`${origin.url}/v1/threats/5`)).headers.get('etag') ?? '';
  const put = await fetch(`${origin.url}/v1/threats/5`, {
    method: 'PUT',
    headers: { ...JSON_HEADERS, ...WRITER, 'if-match': etag },
    body: JSON.stringify(NEW_THREAT),
  });
  assert.equal(put.status, 200);
  assert.deepEqual(admin.purges[1]?.body, { tags: ['threats', 'threat-5'] });
});

test('origin: a failing purge is logged and never fails the write', async (t) => {
  const admin = await startFakeAdmin(t, 503);
  const origin = await startTestOrigin(t, {
    dbPath: createTempDbPath(t),
    instance: 'a',
    cachetAdminUrl: admin.url,
    cachetAdminToken: 'admin-token-0123456789',
  });
  const created = await post(`${origin.url}/v1/threats`, NEW_THREAT, WRITER);
  assert.equal(created.status, 201);
  assert.equal(admin.purges.length, 1);
  const warning = origin.logs.find((entry) => entry['level'] === 'warn');
  assert.ok(warning !== undefined);
  assert.deepEqual(warning['tags'], ['threats', 'threat-51']);

  const unreachable = await startTestOrigin(t, {
    dbPath: createTempDbPath(t),
    instance: 'b',
    cachetAdminUrl: 'http://127.0.0.1:1',
    cachetAdminToken: 'x',
  });
  assert.equal((await post(`${unreachable.url}/v1/threats`, NEW_THREAT, WRITER)).status, 201);
  assert.equal(unreachable.logs.filter((entry) => entry['level'] === 'warn').length, 1);
});

test('origin: a chunked body (no Content-Length) over 64 KiB is refused with a 413 answer', async (t) => {
  const origin = await startTestOrigin(t, { dbPath: createTempDbPath(t), instance: 'a' });
  const { port } = new URL(origin.url);
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/users/me/scans',
        method: 'POST',
        agent: false,
        headers: { ...JSON_HEADERS, 'x-auth-subject': 'alice' },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.write(`{"target":"${'x'.repeat(40 * 1024)}`);
    req.end(`${'y'.repeat(40 * 1024)}"}`);
  });
  assert.equal(status, 413);
});
