import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Socket } from 'node:net';
import { bytesWrittenBy } from '../../../src/edge/connection-bytes.ts';

/** A connected pair on 127.0.0.1 whose server side never reads, so the client's writes back up once the kernel's buffers fill. */
async function connectToIdlePeer(): Promise<{ client: Socket; close: () => Promise<void> }> {
  const peers: Socket[] = [];
  const server = createServer((peer) => {
    peer.pause();
    peers.push(peer);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const client = connect(port, '127.0.0.1');
  await once(client, 'connect');
  return {
    client,
    close: async () => {
      client.destroy();
      for (const peer of peers) peer.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

test('bytesWrittenBy: a socket counts what it wrote, and what still waits in its buffer, as bytesWritten does', async () => {
  const { client, close } = await connectToIdlePeer();
  try {
    assert.equal(bytesWrittenBy(client), 0);
    client.write('hello');
    assert.equal(bytesWrittenBy(client), 5, 'a write the kernel took at once');
    const chunk = Buffer.alloc(1 << 20, 'x');
    let written = 5;
    // Until the kernel's buffers are full and writes wait in the stream's own buffer.
    while (client.writableLength === 0) {
      client.write(chunk);
      written += chunk.length;
    }
    client.write('tail');
    written += 4;
    assert.ok(client.writableLength > 0);
    assert.equal(bytesWrittenBy(client), written, 'buffered bytes count as written');
    assert.equal(bytesWrittenBy(client), client.bytesWritten);
  } finally {
    await close();
  }
});

test('bytesWrittenBy: no connection, nothing written', () => {
  assert.equal(bytesWrittenBy(null), undefined);
});
