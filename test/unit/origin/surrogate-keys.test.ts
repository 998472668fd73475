import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cacheTag, purgeTags, surrogateKeys } from '../../../src/origin/index.ts';
import { isCachetError } from '../../../src/errors.ts';

test('surrogateKeys: space-separated, deduplicated in order, skips undefined/false/empty', () => {
  assert.equal(surrogateKeys('threats', 'threat:7', undefined, false, '', 'threats'), 'threats threat:7');
  assert.equal(surrogateKeys(), '');
});

test('cacheTag: the comma-separated Cache-Tag form of the same tags', () => {
  assert.equal(cacheTag('threats', false, 'threat:7', 'threat:7'), 'threats,threat:7');
});

const badTags = ['two words', 'tab\there', 'a,b', 'nl\n', 'ctl\u0001', 'caf\u00e9', 'x'.repeat(1025)];
for (const tag of badTags) {
  test(`surrogateKeys/cacheTag refuse ${JSON.stringify(tag.slice(0, 20))} (space, comma, control or non-ASCII)`, () => {
    assert.throws(() => surrogateKeys('ok', tag), TypeError);
    assert.throws(() => cacheTag(tag), TypeError);
  });
}

test('surrogateKeys accepts a 1024-character tag and punctuation', () => {
  assert.equal(surrogateKeys('x'.repeat(1024)).length, 1024);
  assert.equal(surrogateKeys('user:42/feed#v=1'), 'user:42/feed#v=1');
});

interface Seen {
  method: string | undefined;
  url: string | undefined;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

async function startAdmin(t: TestContext, answer: (seen: Seen, res: ServerResponse) => void): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry: Seen = {
        method: req.method,
        url: req.url,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      };
      seen.push(entry);
      answer(entry, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function answerJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

test('purgeTags POSTs {"tags": [...]} to {adminUrl}/purge with the Bearer token and resolves the count', async (t) => {
  const admin = await startAdmin(t, (seen, res) => answerJson(res, 200, { purged: (seen.body as { tags: string[] }).tags.length * 2 }));
  const purged = await purgeTags(`${admin.url}/`, 's3cret', ['threats', 'threat:7', 'threats']);
  assert.equal(purged, 4);
  assert.deepEqual(admin.seen, [
    {
      method: 'POST',
      url: '/purge',
      authorization: 'Bearer s3cret',
      contentType: 'application/json',
      body: { tags: ['threats', 'threat:7'] },
    },
  ]);
});

test('purgeTags sends soft: true only when asked', async (t) => {
  const admin = await startAdmin(t, (_seen, res) => answerJson(res, 200, { purged: 1 }));
  await purgeTags(admin.url, 'tok', ['a'], { soft: true });
  await purgeTags(admin.url, 'tok', ['a'], { soft: false });
  assert.deepEqual(
    admin.seen.map((entry) => entry.body),
    [{ tags: ['a'], soft: true }, { tags: ['a'] }],
  );
});

test('purgeTags splits more than 100 tags into batches (admin API limit) and sums the counts', async (t) => {
  const admin = await startAdmin(t, (seen, res) => answerJson(res, 200, { purged: (seen.body as { tags: string[] }).tags.length }));
  const tags = Array.from({ length: 250 }, (_, index) => `t${index}`);
  assert.equal(await purgeTags(admin.url, 'tok', tags), 250);
  assert.deepEqual(
    admin.seen.map((entry) => (entry.body as { tags: string[] }).tags.length),
    [100, 100, 50],
  );
});

test('purgeTags with no tags sends nothing and resolves 0', async (t) => {
  const admin = await startAdmin(t, (_seen, res) => answerJson(res, 200, { purged: 9 }));
  assert.equal(await purgeTags(admin.url, 'tok', []), 0);
  assert.equal(admin.seen.length, 0);
});

test('purgeTags refuses an invalid tag before any request', async (t) => {
  const admin = await startAdmin(t, (_seen, res) => answerJson(res, 200, { purged: 1 }));
  await assert.rejects(purgeTags(admin.url, 'tok', ['bad tag']), TypeError);
  assert.equal(admin.seen.length, 0);
});

test('purgeTags rejects with CACHET_ERR_ORIGIN_PURGE on non-2xx, carrying the problem detail', async (t) => {
  const admin = await startAdmin(t, (_seen, res) => answerJson(res, 401, { title: 'Unauthorized', detail: 'bad admin token' }));
  await assert.rejects(purgeTags(admin.url, 'wrong', ['a']), (err: unknown) => {
    assert.ok(isCachetError(err));
    assert.equal(err.code, 'CACHET_ERR_ORIGIN_PURGE');
    assert.equal(err.status, 502);
    assert.match(err.message, /401 bad admin token/);
    return true;
  });
});

test('purgeTags rejects a 2xx without {"purged": N}', async (t) => {
  const admin = await startAdmin(t, (_seen, res) => answerJson(res, 200, { ok: true }));
  await assert.rejects(purgeTags(admin.url, 'tok', ['a']), { code: 'CACHET_ERR_ORIGIN_PURGE' });
});

test('purgeTags rejects when the admin API does not answer within timeoutMs', async (t) => {
  const admin = await startAdmin(t, () => {
    /* never answers */
  });
  await assert.rejects(purgeTags(admin.url, 'tok', ['a'], { timeoutMs: 100 }), (err: unknown) => {
    assert.ok(isCachetError(err));
    assert.equal(err.code, 'CACHET_ERR_ORIGIN_PURGE');
    assert.match(err.message, /within 100 ms/);
    return true;
  });
});

test('purgeTags rejects when the admin API is unreachable', async () => {
  // A port that was free a moment ago: bind it, read it, close it.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  await assert.rejects(purgeTags(`http://127.0.0.1:${port}`, 'tok', ['a']), (err: unknown) => {
    assert.ok(isCachetError(err));
    assert.equal(err.code, 'CACHET_ERR_ORIGIN_PURGE');
    assert.match(err.message, /unreachable/);
    return true;
  });
});
