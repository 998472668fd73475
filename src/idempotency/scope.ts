import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ForwardedIdentity } from '../forward/exchange.ts';

/**
 * The record key of an Idempotency-Key: whose it is (the verified subject with its issuer, or the client
 * address on a request without identity), the method, the route, and the key. Hashed, so a key of any
 * characters makes a short, fixed-size store key, and two clients' keys never meet.
 */
export function buildRecordKey(
  identity: ForwardedIdentity | undefined,
  clientAddress: string,
  method: string,
  routePath: string,
  key: string,
): string {
  const subject = identity?.subject;
  const issuer = identity?.claims['iss'];
  const owner = subject === undefined ? `addr ${clientAddress}` : `sub ${typeof issuer === 'string' ? issuer : ''} ${subject}`;
  return createHash('sha256').update(`${owner}\n${method}\n${routePath}\n`).update(key).digest('hex');
}

export interface ReadRequest {
  /** The body as received, to send upstream; empty when the request had none. */
  readonly chunks: readonly Buffer[];
  /** SHA-256 (hex) of the request target and the body. */
  readonly fingerprint: string;
}

/**
 * Reads a request body in full while hashing it, with its target (a prefix route has many): the fingerprint
 * kept with a key (draft-ietf-httpapi-idempotency-key-header-06 §2.4), so a key reused for another request is
 * told apart. The edge has already bounded the body (`limits.maxBodyBytes`: a declared length above it was
 * refused, a chunked body fails the stream past it), so buffering it is bounded too. Rejects with the body's
 * error when it fails (too large, cut off).
 */
export async function readRequest(target: string, body: Readable | null): Promise<ReadRequest> {
  const hash = createHash('sha256').update(target).update('\n');
  const chunks: Buffer[] = [];
  if (body !== null) {
    for await (const chunk of body) {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      chunks.push(bytes);
    }
  }
  return { chunks, fingerprint: hash.digest('hex') };
}
