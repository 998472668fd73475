import { ServerResponse, type IncomingMessage } from 'node:http';

/** Puts fields on a response with `setHeader`. */
export type FieldSetter = (res: ServerResponse) => void;

const pendingFields = Symbol('pendingFields');

/**
 * node:http's response with one addition: fields given to {@link setOnWriteHead} are set only when the head is
 * written through `writeHead` (Node's implicit head goes through it too). The cache's raw-head fast path writes a
 * head of its own with those fields already in it, and so skips the name and value checks of `setHeader`, about
 * a microsecond per request for a rate-limited route's two fields.
 */
export class GatewayResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {
  declare [pendingFields]: FieldSetter | undefined;
}
// On the prototype rather than a class field: a field would be defined on every response as it is built (the
// constructor's self time fell by a fifth without it), while most responses never set one.
(GatewayResponse.prototype as GatewayResponse)[pendingFields] = undefined;

const writeHead = ServerResponse.prototype.writeHead as (
  this: ServerResponse,
  status: number,
  reason?: unknown,
  fields?: unknown,
) => ServerResponse;
// Assigned on the prototype rather than declared in the class: `writeHead`'s overloads are not worth restating.
// Three fixed parameters rather than rest ones: Node's `writeHead(status, reason, fields)` reads them positionally.
GatewayResponse.prototype.writeHead = function writeHeadWithPendingFields(
  this: GatewayResponse,
  status: number,
  reason?: unknown,
  fields?: unknown,
) {
  const setFields = this[pendingFields];
  if (setFields !== undefined) {
    this[pendingFields] = undefined;
    setFields(this);
  }
  return writeHead.call(this, status, reason, fields);
} as unknown as GatewayResponse['writeHead'];

/**
 * Sets fields on `res` once its head is written through `writeHead`, or at once on a response of another kind
 * (HTTP/2), whose head is always written that way.
 */
export function setOnWriteHead(res: ServerResponse, setFields: FieldSetter): void {
  if (res instanceof GatewayResponse) res[pendingFields] = setFields;
  else setFields(res);
}
