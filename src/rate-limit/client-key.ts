import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RateLimitBy } from '../config/types.ts';
import type { ForwardedIdentity } from '../forward/exchange.ts';
import type { ClientAddressResolver } from '../forward/forwarded.ts';

/** Who a request counts as under one policy's `by`. */
export type ClientIdentifier = (req: IncomingMessage, identity: ForwardedIdentity | undefined) => string;

/** Longer values are kept as a digest: a client cannot make the in-process tables hold its 16 KiB field values. */
const MAX_KEPT_LENGTH = 128;

/**
 * The identity a policy counts a request under: `v:<value>` for a subject, claim or field value, `i:<address>`
 * for the client address. A request without the value (anonymous on an `auth: optional` route, a missing
 * field or claim) counts under its client address, as Kong does: limited per client, never lumped in with
 * every other such request, never unlimited.
 */
export function createClientIdentifier(by: RateLimitBy, addressOf: ClientAddressResolver): ClientIdentifier {
  const byAddress = (req: IncomingMessage): string => `i:${addressOf(req.socket.remoteAddress, req.headers['x-forwarded-for'])}`;
  switch (by.kind) {
    case 'ip':
      return byAddress;
    case 'subject':
      return (req, identity) => (identity?.subject === undefined || identity.subject === '' ? byAddress(req) : toKept(identity.subject));
    case 'claim': {
      const claim = by.name;
      return (req, identity) => {
        const value = identity?.claims[claim];
        if (value === undefined || value === null || value === '') return byAddress(req);
        return toKept(typeof value === 'string' ? value : JSON.stringify(value));
      };
    }
    case 'header': {
      const field = by.name;
      return (req) => {
        const value = req.headers[field];
        if (value === undefined || value === '') return byAddress(req);
        // RFC 9110 §5.3: repeated field lines are one list.
        return toKept(typeof value === 'string' ? value : value.join(', '));
      };
    }
  }
}

function toKept(value: string): string {
  return value.length <= MAX_KEPT_LENGTH ? `v:${value}` : `d:${createHash('sha256').update(value).digest('base64')}`;
}
