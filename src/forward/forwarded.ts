import { BlockList, isIP } from 'node:net';
import { CachetError } from '../errors.ts';

type HeaderRecord = Record<string, string | string[] | undefined>;

export interface ForwardedInput {
  /** `socket.remoteAddress`; undefined once the socket is gone. */
  readonly remoteAddress: string | undefined;
  /** The client connection is TLS. */
  readonly encrypted: boolean;
  /** The request's Host (or HTTP/2 `:authority`). */
  readonly host: string | undefined;
  /** The request's fields, lower-case names. */
  readonly headers: Readonly<HeaderRecord>;
}

export interface ForwardedFields {
  'x-forwarded-for': string;
  'x-forwarded-proto': string;
  'x-forwarded-host'?: string;
  /** RFC 7239 `Forwarded`: only when a trusted peer sent one; this hop's element is appended. */
  forwarded?: string;
}

export type ForwardedBuilder = (input: ForwardedInput) => ForwardedFields;

/**
 * Builds the X-Forwarded-* fields cachet sends upstream from the client connection.
 *
 * Trust is decided by the immediate peer only: when `remoteAddress` is within `trustedProxies` (IPs or CIDRs,
 * IPv4 or IPv6; an IPv4-mapped `::ffff:a.b.c.d` peer counts as IPv4), the incoming `X-Forwarded-For` is
 * extended to `<incoming>, <peer>` and incoming `X-Forwarded-Proto` / `X-Forwarded-Host` are kept when
 * present; an incoming `Forwarded` (RFC 7239) is kept and extended with `for=<peer>;proto=<proto>`.
 * From any other peer every client-sent value, `Forwarded` included, is dropped (the result carries no
 * `forwarded`; callers remove the field): XFF is the peer, proto comes from the connection, host from `Host`.
 * Mapped IPv4 peers are written as plain IPv4; an unknown peer is written `unknown`.
 *
 * The list is parsed once into a `node:net` BlockList.
 *
 * @throws CachetError `CACHET_ERR_CONFIG_INVALID` when an entry is not an IP address or CIDR.
 */
export function createForwardedHeaders(trustedProxies: readonly string[]): ForwardedBuilder {
  const trusted = createTrustList(trustedProxies);
  return (input) => {
    const peer = input.remoteAddress === undefined ? undefined : toPlainAddress(input.remoteAddress);
    const ownProto = input.encrypted ? 'https' : 'http';
    const peerText = peer ?? 'unknown';
    if (trusted === undefined || peer === undefined || !isTrusted(trusted, peer)) {
      return input.host === undefined
        ? { 'x-forwarded-for': peerText, 'x-forwarded-proto': ownProto }
        : { 'x-forwarded-for': peerText, 'x-forwarded-proto': ownProto, 'x-forwarded-host': input.host };
    }
    const headers = input.headers;
    const incomingFor = joinField(headers['x-forwarded-for']);
    const fields: ForwardedFields = {
      'x-forwarded-for': incomingFor === '' ? peerText : `${incomingFor}, ${peerText}`,
      'x-forwarded-proto': joinField(headers['x-forwarded-proto']) || ownProto,
    };
    const host = joinField(headers['x-forwarded-host']) || input.host;
    if (host !== undefined) fields['x-forwarded-host'] = host;
    const incomingForwarded = joinField(headers['forwarded']);
    if (incomingForwarded !== '') fields.forwarded = `${incomingForwarded}, ${formatForwardedElement(peer, ownProto)}`;
    return fields;
  };
}

function createTrustList(entries: readonly string[]): BlockList | undefined {
  if (entries.length === 0) return undefined;
  const list = new BlockList();
  entries.forEach((entry, index) => {
    const subnet = parseSubnet(entry);
    if (subnet === undefined) {
      throw new CachetError(
        'CACHET_ERR_CONFIG_INVALID',
        `proxy.trustedProxies[${index}] ${JSON.stringify(entry)} is not an IP address or CIDR`,
      );
    }
    list.addSubnet(subnet.address, subnet.prefix, subnet.family);
  });
  return list;
}

/** `10.0.0.0/8`, `fd00::/8`, `::1`; a mapped `::ffff:10.0.0.0/104` becomes `10.0.0.0/8`. */
function parseSubnet(entry: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const slash = entry.indexOf('/');
  const written = (slash === -1 ? entry : entry.slice(0, slash)).trim();
  if (written.includes('%')) return undefined;
  const address = toPlainAddress(written);
  const family = isIP(address);
  if (family === 0) return undefined;
  const maxPrefix = family === 4 ? 32 : 128;
  if (slash === -1) return { address, prefix: maxPrefix, family: family === 4 ? 'ipv4' : 'ipv6' };
  const prefixText = entry.slice(slash + 1).trim();
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const mappedOffset = address === written ? 0 : 96;
  const prefix = Number(prefixText) - mappedOffset;
  if (prefix < 0 || prefix > maxPrefix) return undefined;
  return { address, prefix, family: family === 4 ? 'ipv4' : 'ipv6' };
}

function isTrusted(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** `::ffff:10.0.0.1` → `10.0.0.1`; drops an IPv6 zone (`fe80::1%eth0`), which BlockList cannot check. */
function toPlainAddress(address: string): string {
  const zone = address.indexOf('%');
  const bare = zone === -1 ? address : address.slice(0, zone);
  if (bare.length > 7 && bare.charCodeAt(0) === 0x3a && bare.slice(0, 7).toLowerCase() === '::ffff:' && isIP(bare.slice(7)) === 4) {
    return bare.slice(7);
  }
  return bare;
}

function joinField(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  return (typeof value === 'string' ? value : value.join(', ')).trim();
}

/** RFC 7239 §4-6: IPv6 nodes are bracketed and quoted; an unknown peer is `unknown`. */
function formatForwardedElement(peer: string, proto: string): string {
  const node = isIP(peer) === 6 ? `"[${peer}]"` : peer;
  return `for=${node};proto=${proto}`;
}

export type ClientAddressResolver = (remoteAddress: string | undefined, forwardedFor: string | string[] | undefined) => string;

/**
 * The client's address as far as the gateway can trust it: the peer's, or, when the peer is a trusted proxy,
 * the nearest `X-Forwarded-For` entry that is not itself a trusted proxy (entries further left were written by
 * the client or a proxy nobody vouches for); the farthest one when every entry is trusted. Plain IPv4 for mapped
 * peers; `unknown` when the socket is gone.
 */
export function createClientAddressResolver(trustedProxies: readonly string[]): ClientAddressResolver {
  const trusted = createTrustList(trustedProxies);
  return (remoteAddress, forwardedFor) => {
    const peer = remoteAddress === undefined ? 'unknown' : toPlainAddress(remoteAddress);
    if (trusted === undefined || !isTrusted(trusted, peer)) return peer;
    const hops = joinField(forwardedFor).split(',');
    let farthest = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = toPlainAddress((hops[i] as string).trim());
      if (hop === '') continue;
      if (!isTrusted(trusted, hop)) return hop;
      farthest = hop;
    }
    return farthest;
  };
}
